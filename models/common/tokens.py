"""Comparing secrets that arrive from outside (a header, a form field, a query value)."""

from __future__ import annotations

import hmac


def same_secret(expected: str, given: str | None) -> bool:
    """True when `given` is `expected`, in constant time. Any text is compared, not refused:
    a header decoded as Latin-1 or a form value with stray characters is simply not equal
    (hmac.compare_digest raises on non-ASCII str, which turned such a request into a 500)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))
