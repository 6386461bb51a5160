"""Signing in to the web dashboard without a password: a single-use link valid minutes
(from the bot's /web, or `dondoc web login-link`), exchanged for a session cookie.

Tokens are random; the database keeps only their SHA-256, so a copy of the database
signs nobody in. A form's CSRF token is derived from the session's token: a page on
another site cannot read the cookie, so it cannot forge the form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from models.store.tables import Event, Plan, Unit, WebLogin, WebSession, utcnow
from models.common.tokens import same_secret

LINK_LIFETIME = dt.timedelta(minutes=10)
SESSION_LIFETIME = dt.timedelta(hours=12)  # a working day; then a new link from the bot
WEB_ROLES = ("coordinator", "viewer", "assignee")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class LoginRefused(Exception):
    """A sign-in link that cannot be used: unknown, used or expired (the reason is the message)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_login_link(session: Session, unit_id: str, contact: str, role: str, issued_by: str,
                      now: dt.datetime | None = None) -> str:
    """A new single-use sign-in token for one person of one unit."""
    if role not in WEB_ROLES:
        raise ValueError(f"role is one of {', '.join(WEB_ROLES)}, not {role!r}")
    if session.get(Unit, unit_id) is None:
        raise ValueError(f'no unit "{unit_id}" in the database')
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    session.add(WebLogin(token_hash=_hash(token), unit_id=unit_id, contact=contact, role=role, issued_by=issued_by,
                         created_at=now, expires_at=now + LINK_LIFETIME))
    session.add(Event(kind="web_link_created", actor=issued_by, after={"unit": unit_id, "contact": contact,
                                                                       "role": role}))
    return token


def redeem_login_link(session: Session, token: str, now: dt.datetime | None = None) -> tuple[str, WebSession]:
    """Use a sign-in token once: a new session, and the cookie token that names it."""
    now = now or utcnow()
    login = None
    if _TOKEN.fullmatch(token or ""):
        login = session.exec(select(WebLogin).where(WebLogin.token_hash == _hash(token)).with_for_update()).first()
    if login is None:
        raise LoginRefused("unknown")
    if login.used_at is not None:
        raise LoginRefused("used")
    if login.expires_at <= now:
        raise LoginRefused("expired")
    login.used_at = now
    return open_session(session, login.unit_id, login.contact, login.role, now, "link")


def open_session(session: Session, unit_id: str, contact: str, role: str, now: dt.datetime,
                 how: str, link_signature: str | None = None) -> tuple[str, WebSession]:
    """A new session for one person, and the cookie token that names it. `link_signature`: the
    signed link that opened it, which can then open no other (the unique column says so)."""
    cookie = secrets.token_urlsafe(32)
    web_session = WebSession(token_hash=_hash(cookie), unit_id=unit_id, contact=contact, role=role,
                             created_at=now, expires_at=now + SESSION_LIFETIME,
                             link_signature=_hash(link_signature) if link_signature else None)
    session.add(web_session)
    session.add(Event(kind="web_signed_in", actor=f"web:{contact}", after={"unit": unit_id, "role": role, "by": how}))
    return cookie, web_session


def session_of(session: Session, cookie: str | None, now: dt.datetime | None = None) -> WebSession | None:
    """The live session a cookie names, if any."""
    if not cookie or not _TOKEN.fullmatch(cookie):
        return None
    found = session.exec(select(WebSession).where(WebSession.token_hash == _hash(cookie))).first()
    if found is None or found.ended_at is not None or found.expires_at <= (now or utcnow()):
        return None
    return found


def signed_link_used(session: Session, signature: str) -> bool:
    return session.exec(select(WebSession.id).where(WebSession.link_signature == _hash(signature))).first() is not None


def end_sessions_of(session: Session, unit_id: str, contact: str, now: dt.datetime | None = None) -> int:
    """End every live session of one person (unlinked, or erased): they sign in again or not at all."""
    live = session.exec(select(WebSession).where(WebSession.unit_id == unit_id, WebSession.contact == contact,
                                                 WebSession.ended_at.is_(None))).all()
    for web_session in live:
        web_session.ended_at = now or utcnow()
    return len(live)


def end_session(session: Session, cookie: str) -> None:
    found = session_of(session, cookie)
    if found is not None:
        found.ended_at = utcnow()
        session.add(Event(kind="web_signed_out", actor=f"web:{found.contact}", after={"unit": found.unit_id}))


def csrf_token(cookie: str) -> str:
    return hashlib.sha256(b"csrf:" + cookie.encode()).hexdigest()


def csrf_ok(cookie: str, submitted: str | None) -> bool:
    return same_secret(csrf_token(cookie), submitted)


# --- what a signed-in person may see and do ----------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Who is looking: their unit, name and role, and what that lets them see.

    coordinator: the plans their unit coordinates, and acts on them; viewer: every plan,
    read-only; assignee: their own unit's obligations only, and reports on them."""
    session_id: int
    unit_id: str
    contact: str
    role: str
    plan_ids: frozenset[str] | None  # None: every plan

    @property
    def actor(self) -> str:
        return f"web:{self.contact} ({self.unit_id})"

    @property
    def unit_only(self) -> str | None:
        return self.unit_id if self.role == "assignee" else None

    def may_decide(self, plan_id: str) -> bool:
        return self.role == "coordinator" and self.sees_plan(plan_id)

    def sees_plan(self, plan_id: str) -> bool:
        return self.plan_ids is None or plan_id in self.plan_ids


def viewer_of(session: Session, web_session: WebSession) -> Viewer:
    plan_ids = None
    if web_session.role == "coordinator":
        plan_ids = frozenset(session.exec(select(Plan.id).where(Plan.coordinator_unit_id == web_session.unit_id)))
    return Viewer(web_session.id, web_session.unit_id, web_session.contact, web_session.role, plan_ids)
