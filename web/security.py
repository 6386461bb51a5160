"""What every response of the dashboard carries and every POST must show, whatever the route.

- A Content-Security-Policy without inline script or style: a value that slipped past the
  templates' escaping still cannot run, load from elsewhere or post a form elsewhere.
- No framing (clickjacking), no MIME sniffing, no Referer to other sites (sign-in and
  invitation tokens travel in URLs). Not "no-referrer": under it a browser sends
  `Origin: null` with every form, and the check below could not tell our forms from others.
- A POST whose Origin (or, failing that, Referer) names another site is refused before any
  route sees it: the CSRF token is the first lock, this the second, and it also covers
  `/login`, which has no session to derive a token from. The webhooks are posted by servers
  that send neither header and carry their own secret.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", POLICY.encode()), (b"x-frame-options", b"DENY"),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"cross-origin-opener-policy", b"same-origin")]
SERVER_POSTS = ("/hooks/",)  # posted by Telegram, Zalo and the SMS gateway, authenticated by a secret


class Guard:
    """ASGI middleware: security headers on every response; cross-site POSTs answered 403."""

    def __init__(self, app: ASGIApp, public_url: str | None = None):
        self.app = app
        self.public_origin = _origin(public_url) if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not self._same_site(scope):
            return await _refuse(send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _same_site(self, scope: Scope) -> bool:
        if scope["path"].startswith(SERVER_POSTS):
            return True
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
        claimed = headers.get("origin") or headers.get("referer")
        if claimed is None:
            return True  # not a browser (a browser sends Origin with every POST); the CSRF token still holds
        mine = {f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower(), self.public_origin}
        return _origin(claimed) in mine - {None}


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # "null" (a sandboxed frame, a file) is never this site
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _refuse(send: Send) -> None:
    body = "Yêu cầu bị từ chối: biểu mẫu không gửi từ trang Đôn đốc. / Refused: not sent from a dondoc page.".encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + HEADERS})
    await send({"type": "http.response.body", "body": body})
