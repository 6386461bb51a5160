"""What every HTTPS client of the process shares."""

from __future__ import annotations

import functools
import ssl


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every HTTPS client of the process (Telegram, Zalo, the SMS
    gateway): loading the CA bundle costs ~50 ms, and each delivery run opens several clients."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
