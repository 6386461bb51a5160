"""The outbox: the only way a message leaves dondoc.

A message is a row, written in the same transaction as the change that causes it, with
an idempotency key (planning the same reminder twice yields one row). Dispatchers claim
rows the database says may be sent now: Telegram's limits (30 messages/s per bot, 1/s per
chat, 20/min per group) are counted from the rows themselves, so several dispatchers, or
one restarted, share one count (they take turns to claim). A row is committed `sending` just before the call to
Telegram and `sent` right after; a crash in between leaves it `sending`, and recovery turns
it `uncertain` instead of sending it again.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.store.db import insert_for
from models.store.tables import Event, Outbox, utcnow

MAX_TEXT = 4096


@dataclass(frozen=True)
class Limits:
    """Telegram's limits as dondoc keeps them. A send counts from when it leaves until a window
    after its answer (Telegram counts it somewhere between), and each window is kept with a small
    margin: Telegram's "about 30 a second", and the clocks of dispatchers sharing a database."""
    per_bot: int = 30
    per_bot_window: float = 1.0
    per_chat: int = 1
    per_chat_window: float = 1.0
    per_group: int = 20
    per_group_window: float = 60.0

    margin: float = 1.02  # 1.05 cost a twentieth of the ceiling

    def scaled(self, factor: float) -> "Limits":
        return Limits(self.per_bot, self.per_bot_window / factor, self.per_chat, self.per_chat_window / factor,
                      self.per_group, self.per_group_window / factor, self.margin)

    def window(self, seconds: float) -> dt.timedelta:
        return dt.timedelta(seconds=seconds * self.margin)


def is_group(chat_id: int) -> bool:
    return chat_id < 0  # Telegram gives groups and channels negative ids


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` characters, cut at a line break (or a space) where one is near."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", limit // 2, limit)
        cut = cut if cut > 0 else text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    return parts + [text] if text else parts


def enqueue(session: Session, key: str, chat_id: int, text: str, reply_markup: dict | None = None,
            kind: str = "message", not_before: dt.datetime | None = None) -> int:
    """Queue a Telegram message (split when long: the keyboard goes with the last part).
    Returns the rows added: 0 when this key was queued before."""
    parts = split_text(text)
    rows = [{"idempotency_key": key if len(parts) == 1 else f"{key}#{i + 1}", "chat_id": chat_id, "kind": kind,
             "channel": "telegram", "payload": {"text": part, "parse_mode": "HTML",
                                                "reply_markup": reply_markup if i == len(parts) - 1 else None},
             "state": "pending", "attempts": 0, "created_at": utcnow(), "not_before": not_before}
            for i, part in enumerate(parts)]
    return _insert_new(session, rows)


def enqueue_text(session: Session, key: str, channel: str, address: str, text: str, kind: str = "message",
                 template: tuple[str, dict] | None = None) -> int:
    """Queue a plain text on a channel other than Telegram (Zalo, SMS). `template`: which of
    dondoc's messages it is and its values, for a gateway that sends only registered templates
    (the SMS gateway's file holds their texts). Returns the rows added."""
    payload = {"text": text} | ({"template": template[0], "values": template[1]} if template else {})
    return _insert_new(session, [{"idempotency_key": key, "chat_id": None, "channel": channel, "address": address,
                                  "kind": kind, "payload": payload, "state": "pending", "attempts": 0,
                                  "created_at": utcnow(), "not_before": None}])


def enqueue_email(session: Session, key: str, address: str, subject: str, text: str, html: str,
                  kind: str = "message", attachments: list[str] | None = None, reply_to: str | None = None) -> int:
    """Queue an e-mail (its text and HTML parts made from the same template); `reply_to`: where
    an answer should go (the plan's coordinator). Returns the rows added."""
    return _insert_new(session, [{"idempotency_key": key, "chat_id": None, "channel": "email", "address": address,
                                  "kind": kind, "payload": {"subject": subject, "text": text, "html": html,
                                                            "attachments": attachments or [],
                                                            **({"reply_to": reply_to} if reply_to else {})},
                                  "state": "pending", "attempts": 0, "created_at": utcnow(), "not_before": None}])


def enqueue_document(session: Session, key: str, chat_id: int, path: str, caption: str) -> int:
    """Queue a file (already written to disk) to be sent as a document. Returns the rows added."""
    return _insert_new(session, [{"idempotency_key": key, "chat_id": chat_id, "channel": "telegram", "kind": "document",
                                  "payload": {"text": caption, "document": path}, "state": "pending", "attempts": 0,
                                  "created_at": utcnow(), "not_before": None}])


def _insert_new(session: Session, rows: list[dict]) -> int:
    """Insert the rows whose idempotency key is new; return how many were."""
    insert = insert_for(session)
    statement = (insert(Outbox.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"])
                 .returning(Outbox.__table__.c.id))
    return sum(len(session.connection().execute(statement, row).all()) for row in rows)


# --- claiming -----------------------------------------------------------------------

def _recent(since: dt.datetime, channel: str):
    return and_(_recent_alias(Outbox, since), Outbox.channel == channel)


def _recent_alias(table, since: dt.datetime):
    """Left or answered within the window: a send held by its Pacer leaves after its claim, and
    the channel counts it until a window after it arrived."""
    return or_(and_(table.sending_at.is_not(None), table.sending_at > since), table.sent_at > since)


def _recipient(table, channel: str):
    """Who a row goes to, as the channel's limits count it: a Telegram chat, or an address."""
    return table.chat_id if channel == "telegram" else table.address


def claim(session: Session, dispatcher: str, limits: Limits, now: dt.datetime | None = None,
          most: int = 100, channel: str = "telegram", ahead: dt.timedelta = dt.timedelta()) -> list[Outbox]:
    """Rows of one channel that may be sent now within every limit of that channel, marked
    `sending` by this dispatcher. The caller commits at once, then sends. With `ahead`, rows
    whose room in the bot-wide window comes within that time: for a sender that holds each
    request until its turn (the Telegram dispatcher's Pacer), so they are in hand when it comes."""
    now = now or utcnow()
    _one_claim_at_a_time(session, channel)
    since = now - limits.window(limits.per_bot_window)
    # Another dispatcher's sends count from its claim until a window after their answer: its
    # process paces them, so they may still be leaving when this one's would. Claiming `ahead`
    # is for a dispatcher alone in the window: its Pacer knows nothing of another's sends.
    mine = Outbox.claimed_by == dispatcher
    theirs = and_(~mine, or_(_recent_alias(Outbox, since), Outbox.state == "sending"))
    own = and_(mine, _recent_alias(Outbox, since))
    own_ahead = and_(mine, _recent_alias(Outbox, since + ahead))
    others, own_count, own_ahead_count = session.exec(
        select(*(func.coalesce(func.sum(case((rule, 1), else_=0)), 0) for rule in (theirs, own, own_ahead)))
        .where(Outbox.channel == channel,  # what may count, in terms indexes answer: a year's history is not read
               or_(_recent_alias(Outbox, since), Outbox.state == "sending"))).one()
    budget = min(most, limits.per_bot - others - (own_count if others else own_ahead_count))
    if budget <= 0:
        return []
    busy = _busy_chats(session, limits, now, channel)
    recipient = _recipient(Outbox, channel)
    candidates = session.exec(
        select(func.min(Outbox.id), recipient)
        .where(Outbox.channel == channel, Outbox.state == "pending",
               or_(Outbox.not_before.is_(None), Outbox.not_before <= now))
        .group_by(recipient).order_by(func.min(Outbox.id)).limit(budget + len(busy))).all()
    ids = [row_id for row_id, to in candidates if to not in busy][:budget]
    if not ids:
        return []
    lock = select(Outbox.id).where(Outbox.id.in_(ids), Outbox.state == "pending")
    if session.get_bind().dialect.name == "postgresql":
        lock = lock.with_for_update(skip_locked=True)  # another dispatcher has them: leave them
    locked = list(session.exec(lock))
    if not locked:
        return []
    # Only the rows this statement changed are ours: another dispatcher may have taken some
    # between the look-up and now (SQLite has no row locks; its writes are serialised).
    # The recipient's window is checked again in the same statement, for a dispatcher that
    # sent to it since this one looked.
    other = aliased(Outbox)
    same = _recipient(other, channel) == recipient
    private = other.chat_id > 0 if channel == "telegram" else other.channel == channel
    chat_free = ~exists().where(same, private, _recent_alias(other, now - limits.window(limits.per_chat_window)))
    claimed = session.exec(update(Outbox).where(Outbox.id.in_(locked), Outbox.state == "pending", chat_free)
                           .values(state="sending", sending_at=now, claimed_by=dispatcher,
                                   attempts=Outbox.attempts + 1)
                           .returning(Outbox.id)).scalars().all()
    return list(session.exec(select(Outbox).where(Outbox.id.in_(claimed)).order_by(Outbox.id)))


def _one_claim_at_a_time(session: Session, channel: str) -> None:
    """Dispatchers on PostgreSQL take turns to claim (a lock held until the claim commits):
    each counts what the others claimed before it, so together they stay within one bot's
    limits. SQLite serialises writers by itself."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"dondoc outbox claim {channel}".encode())
        session.exec(select(func.pg_advisory_xact_lock(key)))


def _busy_chats(session: Session, limits: Limits, now: dt.datetime, channel: str = "telegram") -> set:
    """Recipients that must wait: sent to within their window (a Telegram group: its minute
    is full), or paused by a retry_after. The window's sends are read by time and counted here:
    counted per chat in SQL, SQLite walked the chat index of the whole history (80 ms a claim
    behind a year of messages)."""
    recipient = _recipient(Outbox, channel)
    in_group = is_group if channel == "telegram" else (lambda to: False)
    longest = limits.per_group_window if channel == "telegram" else limits.per_chat_window
    sends = session.exec(select(recipient, Outbox.sending_at, Outbox.sent_at)
                         .where(_recent(now - limits.window(longest), channel))).all()
    chat_since = now - limits.window(limits.per_chat_window)
    per_chat = Counter(to for to, left, answered in sends
                       if not in_group(to) and max(t for t in (left, answered) if t) > chat_since)
    per_group = Counter(to for to, *_ in sends if in_group(to))
    busy = {to for to, n in per_chat.items() if n >= limits.per_chat}
    busy |= {to for to, n in per_group.items() if n >= limits.per_group}
    busy |= set(session.exec(select(recipient).where(Outbox.channel == channel, Outbox.state == "pending",
                                                     Outbox.not_before > now).distinct()).all())
    return busy


# --- outcomes -------------------------------------------------------------------------

def mark_sent(row: Outbox, message_id: int, now: dt.datetime | None = None, provider_id: str | None = None) -> None:
    row.state, row.message_id, row.sent_at, row.last_error = "sent", message_id, now or utcnow(), None
    row.provider_id = provider_id


def record_report(session: Session, provider_id: str | None, row_id: int | None, delivered: bool | None,
                  detail: dict) -> bool:
    """A provider's delivery report on a message it took: on the record, and a message it could
    not deliver counts as failed. False when no message of ours matches."""
    row = None
    if row_id is not None:
        row = session.get(Outbox, row_id)
    if row is None and provider_id:
        row = session.exec(select(Outbox).where(Outbox.provider_id == provider_id)).first()
    if row is None:
        return False
    session.add(Event(kind="delivery_report", actor=row.channel, note=None if delivered is None else
                      ("delivered" if delivered else "not delivered"), after={"outbox": row.id, **detail}))
    if delivered is False and row.state == "sent":
        row.state, row.last_error = "failed", "the network reported it was not delivered"
    return True


def retry_later(row: Outbox, wait: dt.timedelta, error: str, now: dt.datetime | None = None) -> None:
    """Not sent: try again after `wait`. The send window it used is released."""
    row.state, row.not_before, row.last_error = "pending", (now or utcnow()) + wait, error
    row.sending_at = None


def mark_failed(row: Outbox, error: str) -> None:
    row.state, row.last_error = "failed", error


def release(session: Session, dispatcher: str, left: set[int]) -> tuple[int, int]:
    """A dispatcher stops with rows in hand: those that never left go back to pending (their
    attempt not counted), those that left without an answer become uncertain. Returns
    (back to pending, uncertain)."""
    mine = and_(Outbox.state == "sending", Outbox.claimed_by == dispatcher)
    unsure = session.exec(update(Outbox).where(mine, Outbox.id.in_(left or [-1]))
                          .values(state="uncertain", last_error="dispatcher stopped while sending")).rowcount
    back = session.exec(update(Outbox).where(mine).values(state="pending", sending_at=None,
                                                          attempts=Outbox.attempts - 1)).rowcount
    return back or 0, unsure or 0


def recover(session: Session, stale_after: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Rows left `sending` longer than any send takes belong to a dispatcher that died:
    they may or may not have gone, so they become `uncertain`. Returns how many."""
    now = now or utcnow()
    result = session.exec(update(Outbox).where(Outbox.state == "sending", Outbox.sending_at < now - stale_after)
                          .values(state="uncertain", last_error="dispatcher stopped while sending"))
    return result.rowcount or 0


# --- a channel that refuses us --------------------------------------------------------

def record_stop(session: Session, channel: str, why: str) -> None:
    """Delivery on a channel stopped, or could not start: the channel refuses our credentials,
    cannot be reached, or its loop failed (`why` says which). Kept for the admin: `dondoc
    status` says so until a message goes out on that channel again. The same reason again,
    while it stands, is not written twice (a channel down all night is tried every few minutes)."""
    if any(c == channel and standing == why for c, _, standing, _ in stopped_channels(session)):
        return
    session.add(Event(kind="delivery_stopped", actor="delivery", note=why, after={"channel": channel}))


def record_refusal(session: Session, row: Outbox, why: str) -> None:
    """A message the provider refused by its own policy (a relay's 5.7.x): not the address's
    fault, so no link dies; the admin hears of it in `dondoc status` for a week."""
    session.add(Event(kind="delivery_refused", actor="delivery", note=why, after={"channel": row.channel,
                                                                                 "outbox": row.id}))


def refusals(session: Session, since: dt.datetime) -> list[tuple[str, dt.datetime, str]]:
    """(channel, when, why) of the messages refused by a provider's policy since then."""
    found = session.exec(select(Event).where(Event.kind == "delivery_refused", Event.at >= since)
                         .order_by(Event.id)).all()
    return [(e.after["channel"], e.at, e.note) for e in found]


def stopped_channels(session: Session) -> list[tuple[str, dt.datetime, str, int]]:
    """(channel, when, why, messages waiting) for each channel whose last word was a stop."""
    found = []
    stops = session.exec(select(Event).where(Event.kind == "delivery_stopped").order_by(Event.id.desc())).all()
    for channel in dict.fromkeys(e.after["channel"] for e in stops):
        last = next(e for e in stops if e.after["channel"] == channel)
        sent_since = session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.channel == channel, Outbox.state == "sent", Outbox.sent_at > last.at)).one()
        if not sent_since:
            waiting = session.exec(select(func.count()).select_from(Outbox).where(
                Outbox.channel == channel, Outbox.state == "pending")).one()
            found.append((channel, last.at, last.note, waiting))
    return found
