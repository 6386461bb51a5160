"""Addresses of the dashboard's pages, for links sent by the bot, e-mail and SMS."""

from __future__ import annotations

import os

DEFAULT_URL = "http://127.0.0.1:8080"


def web_url() -> str:
    """DONDOC_WEB_URL: where people reach the dashboard (https://… in production)."""
    return (os.environ.get("DONDOC_WEB_URL") or DEFAULT_URL).rstrip("/")


def login_url(token: str) -> str:
    return f"{web_url()}/login?token={token}"
