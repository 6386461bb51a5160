"""Keeping credentials out of every log line and traceback, at every level.

python-telegram-bot puts the token in every request URL, and httpx logs request URLs
at INFO; exceptions from the network carry them too. At DEBUG, PTB logs every update (a
person's `/start <invitation>`) and aiosmtplib every mail it sends (signed links). The record
factory redacts each record as it is made, so no handler added later (Prefect's, uvicorn's)
can miss it: the secrets registered here (tokens, keys, passwords), and every credential
dondoc itself makes, recognised by its shape (sign-in, invitation and signed links, Zalo
pairing codes)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus

REDACTED = "[bot-token]"
CREDENTIALS = [  # (shape, what stands in its place)
    (re.compile(r"(login\?token=)[\w-]+"), r"\1[sign-in]"),
    (re.compile(r"((?:[?&]|\\u0026|&amp;)start=|/start(?:\s|\\n|%20|\+)+)[\w-]{8,}"), r"\1[invitation]"),
    (re.compile(r"(/join/)[\w-]+"), r"\1[invitation]"),
    (re.compile(r"((?:[?&]|\\u0026|&amp;)s=)[0-9a-f]{16,}"), r"\1[signature]"),
    (re.compile(r"\bDD[- ]?[A-Z0-9]{5}[- ]?[A-Z0-9]{5}\b", re.I), "DD-[pairing-code]"),
]
_secrets: set[str] = set()
_original_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """`text` without any registered secret or credential of dondoc's making."""
    for secret in sorted(_secrets, key=len, reverse=True):  # the longest form first
        text = text.replace(secret, REDACTED)
    for shape, stand_in in CREDENTIALS:
        text = shape.sub(stand_in, text)
    return text


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _original_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose arguments do not fit its format: left to logging
        return record
    record.msg, record.args = redact(message), None
    if record.exc_info:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Redact every record of this process from now on (done on import: whoever logs has us)."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


def redact_secret(secret: str) -> None:
    """From now on, `secret` never appears in a log record of this process: as it is, nor as
    a URL carries it (percent-encoded in a path or a query, spaces as + or %20)."""
    if secret:
        _secrets.update({secret, quote(secret, safe=""), quote(secret), quote_plus(secret)})
        install()


install()
