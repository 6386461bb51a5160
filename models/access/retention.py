"""Keeping people's data only as long as it serves, applied by the daily flow.

- Report files made on the dashboard: one day (they hold the units' notes; the next is made fresh).
- Web sessions and sign-in links: 30 days after they ended or expired (long enough to read an
  incident's trail, short enough not to be a record of who was online).
- Updates seen once (Telegram's ids, to answer each once): 30 days; Telegram keeps them 24 hours.
- Bodies of messages delivered or failed: DONDOC_KEEP_MESSAGES_DAYS (default 180), then the
  text is replaced and the row kept, so counts and the timeline still add up. Messages whose
  delivery is unconfirmed keep their text until someone looks at them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from models.store.tables import Outbox, ReportExport, SeenUpdate, WebLogin, WebSession

REMOVED_TEXT = "[nội dung đã xóa sau thời hạn lưu giữ]"


@dataclass(frozen=True)
class Retention:
    sessions: dt.timedelta = dt.timedelta(days=30)
    seen_updates: dt.timedelta = dt.timedelta(days=30)
    message_bodies: dt.timedelta = dt.timedelta(days=180)
    report_files: dt.timedelta = dt.timedelta(days=1)

    @classmethod
    def from_env(cls) -> "Retention":
        days = os.environ.get("DONDOC_KEEP_MESSAGES_DAYS", "").strip()
        if not days:
            return cls()
        if not days.isascii() or not days.isdigit() or int(days) < 1:
            raise ValueError(f"DONDOC_KEEP_MESSAGES_DAYS={days!r}: a whole number of days, at least 1")
        return cls(message_bodies=dt.timedelta(days=int(days)))


def apply_retention(session: Session, now: dt.datetime, keep: Retention | None = None) -> dict[str, int]:
    """Remove or empty what is past its time; returns how many rows of each kind."""
    keep = keep or Retention.from_env()
    gone = {"report files": session.exec(delete(ReportExport).where(
        ReportExport.requested_at < now - keep.report_files)).rowcount}
    ended = func.coalesce(WebSession.ended_at, WebSession.expires_at)
    old_sessions = select(WebSession.id).where(ended < now - keep.sessions)
    gone["report files"] += session.exec(delete(ReportExport).where(ReportExport.session_id.in_(old_sessions))).rowcount
    gone["web sessions"] = session.exec(delete(WebSession).where(ended < now - keep.sessions)).rowcount
    gone["sign-in links"] = session.exec(delete(WebLogin).where(WebLogin.expires_at < now - keep.sessions)).rowcount
    gone["seen updates"] = session.exec(delete(SeenUpdate).where(SeenUpdate.at < now - keep.seen_updates)).rowcount
    old = func.coalesce(Outbox.sent_at, Outbox.created_at) < now - keep.message_bodies
    emptied = (update(Outbox).where(Outbox.state.in_(("sent", "failed")), old, Outbox.emptied_at.is_(None))
               .values(payload={"text": REMOVED_TEXT}, emptied_at=now))
    gone["message bodies"] = session.exec(emptied).rowcount
    return gone
