"""Keeping the bot token out of every log line and traceback.

python-telegram-bot puts the token in every request URL, and httpx logs request URLs
at INFO; exceptions from the network carry them too. The record factory redacts each
record as it is made, so no handler added later (Prefect's, uvicorn's) can miss it."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

REDACTED = "[bot-token]"
_secrets: set[str] = set()
_original_factory = logging.getLogRecordFactory()


def _redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):  # the longest form first
        text = text.replace(secret, REDACTED)
    return text


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _original_factory(*args, **kwargs)
    if not _secrets:
        return record
    record.msg, record.args = _redact(record.getMessage()), None
    if record.exc_info:
        record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = _redact(record.stack_info)
    return record


def redact_secret(secret: str) -> None:
    """From now on, `secret` never appears in a log record of this process: as it is, nor as
    a URL carries it (percent-encoded in a path or a query, spaces as + or %20)."""
    if secret:
        _secrets.update({secret, quote(secret, safe=""), quote(secret), quote_plus(secret)})
        logging.setLogRecordFactory(_redacting_factory)
