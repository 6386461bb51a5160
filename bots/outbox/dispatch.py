"""Draining the outbox through a channel's transport, whichever the channel.

A transport (bots/telegram, bots/zalo, bots/email, bots/sms) sends one row and says what
became of it as an `Outcome`. `Dispatcher` claims what the limits allow, sends it, and
records each outcome at once; `Pacer` keeps a bot within Telegram's limits for every
process that shares them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.common.texts import channel_text, dead_reason_text, say
from models.chase import outbox
from models.chase.outbox import Limits
from models.store.tables import ChatLink, Event, Outbox, Unit, utcnow

log = logging.getLogger("dondoc.delivery")
MAX_BACKOFF = dt.timedelta(minutes=5)
STALE_SENDING = dt.timedelta(minutes=2)  # far longer than any send: a row `sending` this long was orphaned
IDLE_POLL = 1.0  # seconds between looks at an empty outbox, in the long-running loop
GRACE = 3.0  # seconds a stopping dispatcher gives the sends in flight


class ChannelRefused(Exception):
    """The channel refuses our credentials (a token, a key, a password): nothing will go until
    the admin fixes them. Permanent; the message says what to fix, without the secret."""


class ChannelDown(Exception):
    """The channel cannot be reached now (no route, a proxy down, a 5xx): try again later."""


@dataclass
class Outcome:
    kind: str  # "sent", "retry", "migrated", "dead", "failed", "uncertain", "fatal" (the channel refuses us)
    message_id: int | None = None
    wait: dt.timedelta = dt.timedelta()
    new_chat_id: int | None = None
    error: str = ""
    parts: int | None = None  # a text message's parts, as the gateway bills them
    tell_admin: bool = False  # failed for a reason the admin must see (a relay's policy), not the address's
    provider_id: str | None = None  # the provider's id of what it took, to match its delivery report


class Pacer:
    """Telegram's limits kept at the moment each request leaves, in this process: the claim
    spaced the rows, but a busy event loop can bunch their sends together again. Telegram
    counts a message when it handles it, somewhere between leaving and being answered, so a
    request counts from when it leaves until a window after its answer."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.recent: deque[float] = deque()  # answer times, this bot
        self.per_chat: dict[int, deque[float]] = {}  # answer times, per chat
        self.in_flight: dict[int, int] = {}  # chat → requests on their way
        self.paused: dict[int, float] = {}  # chat → when its retry_after ends
        self._answered = asyncio.Event()  # set (and replaced) each time an answer comes back
        self._gate = asyncio.Lock()  # one send at a time waits for the bot-wide window

    async def wait_turn(self, chat_id: int, chat_window: bool = True) -> None:
        """Wait until a request to this chat fits every limit, then count it in flight.
        The chat's own window is waited out alone; the bot-wide window through one gate,
        so hundreds of waiting sends do not all wake for each free slot. Without
        `chat_window`, only the bot-wide one (a reply in a private chat: a tolerated burst)."""
        def chat_wait(now: float) -> float | None:
            return self._chat_wait(chat_id, now) if chat_window else 0.0
        while True:
            await self._wait_for(chat_wait)
            async with self._gate:
                await self._wait_for(self._bot_wait)
                if chat_wait(time.monotonic()) == 0:  # still free: nobody took it meanwhile
                    self.in_flight[chat_id] = self.in_flight.get(chat_id, 0) + 1
                    return

    async def _wait_for(self, wait_at) -> None:
        while (wait := wait_at(time.monotonic())) != 0:
            if wait is None:  # requests in flight fill the window: wait for an answer, not a timer
                await self._answered.wait()
            else:
                await asyncio.sleep(wait)  # exactly until a slot frees: no polling

    def _bot_wait(self, now: float) -> float | None:
        lim = self.limits
        return self._wait(self.recent, lim.per_bot - sum(self.in_flight.values()), lim.per_bot_window * lim.margin, now)

    def _chat_wait(self, chat_id: int, now: float) -> float | None:
        lim = self.limits
        limit, window = ((lim.per_group, lim.per_group_window) if outbox.is_group(chat_id)
                         else (lim.per_chat, lim.per_chat_window))
        wait = self._wait(self.per_chat.setdefault(chat_id, deque()), limit - self.in_flight.get(chat_id, 0),
                          window * lim.margin, now)
        resume = self.paused.get(chat_id, 0.0) - now
        return wait if wait is None or resume <= 0 else max(wait, resume)

    def pause(self, chat_id: int, wait: dt.timedelta) -> None:
        """Telegram said retry_after: nothing more to this chat until then."""
        self.paused[chat_id] = max(self.paused.get(chat_id, 0.0), time.monotonic() + wait.total_seconds())

    def done(self, chat_id: int) -> None:
        """The request was answered: from now on it counts in the windows."""
        self.in_flight[chat_id] -= 1
        if not self.in_flight[chat_id]:
            del self.in_flight[chat_id]
        now = time.monotonic()
        self.recent.append(now)
        self.per_chat.setdefault(chat_id, deque()).append(now)
        self._answered.set()  # wake the sends waiting for an answer; they re-check and wait again
        self._answered = asyncio.Event()

    @staticmethod
    def _wait(stamps: deque, room: int, window: float, now: float) -> float | None:
        """Seconds until one more fits, when `room` may be spent in any `window`; None when
        only an answer to a request in flight can make room."""
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) < room:
            return 0.0
        if room <= 0 or not stamps:
            return None
        return stamps[len(stamps) - room] + window - now


async def sleep_unless(stop: asyncio.Event | None, seconds: float) -> bool:
    """Sleep, waking early when `stop` is set; True when it was."""
    if stop is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except TimeoutError:
        return False


def backoff(row: Outbox) -> dt.timedelta:
    return min(dt.timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    uncertain: int = 0
    recovered_uncertain: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    stopped: str = ""  # why delivery stopped before the outbox was empty (a refused token)


class Dispatcher:
    def __init__(self, engine: Engine, transport, limits: Limits = Limits(),
                 name: str | None = None, stale_after: dt.timedelta = STALE_SENDING):
        self.engine, self.transport, self.limits = engine, transport, limits
        self.stale_after = stale_after
        if transport.channel == "telegram":  # Telegram counts a message when it handles it: pace each request
            transport.pacer = transport.pacer or Pacer(limits)
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self.stats = DeliveryStats()
        self._paused_until: dt.datetime | None = None
        self._left: set[int] = set()  # rows handed to the channel, not yet recorded

    async def drain(self, idle_timeout: float = 0.0, stop: asyncio.Event | None = None,
                    within: float | None = None) -> DeliveryStats:
        """Send until nothing is left to send (waiting out limits and retries), or, with
        `idle_timeout`, until nothing new arrived for that long. With `stop`, run until it is
        set (a long-running loop that looks for new rows every IDLE_POLL seconds when idle),
        then finish or release what is in hand. With `within` (seconds), stop then at the
        latest, releasing what is in hand: a channel that keeps failing cannot hold a run."""
        self._recover()
        loop = asyncio.get_running_loop()
        idle_since, in_flight = loop.time(), set()
        ends = loop.time() + within if within is not None else None
        while True:
            if self.stats.stopped:  # the channel refused our credentials: nothing more can go
                await asyncio.gather(*in_flight)
                log.error("%s: delivery stopped, rows left pending: %s", self.name, self.stats.stopped)
                with Session(self.engine) as session:
                    outbox.record_stop(session, self.transport.channel, self.stats.stopped)
                    session.commit()
                return self.stats
            if (stop is not None and stop.is_set()) or (ends is not None and loop.time() >= ends):
                await self._finish(in_flight)
                return self.stats
            rows = self._claim()
            if rows:  # send in the background and claim the next batch at once: keep the pipe full
                batch = asyncio.create_task(self._send(rows))
                in_flight.add(batch)
                batch.add_done_callback(in_flight.discard)
                idle_since = loop.time()
                await asyncio.sleep(0)
                continue
            idle = not in_flight and not self._waiting()
            if stop is None and idle and loop.time() - idle_since >= idle_timeout:
                return self.stats
            if not in_flight:
                self._recover()  # a row another dispatcher left `sending` when it died
            pause = IDLE_POLL if stop is not None and idle else self._pause()
            await sleep_unless(stop, pause if ends is None else max(0.0, min(pause, ends - loop.time())))

    async def _finish(self, in_flight: set[asyncio.Task]) -> None:
        """Stopping: let sends in flight end within GRACE seconds; rows still in hand go back
        to pending if they had not left, else become uncertain (never sent twice)."""
        if in_flight:
            _done, late = await asyncio.wait(in_flight, timeout=GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        with Session(self.engine) as session:
            back, unsure = outbox.release(session, self.name, left=self._left)
            session.commit()
        if back or unsure:
            log.warning("%s: stopped with %d row(s) back to pending, %d uncertain", self.name, back, unsure)

    def _recover(self) -> None:
        with Session(self.engine) as session:
            self.stats.recovered_uncertain += outbox.recover(session, self.stale_after)
            session.commit()

    async def _send(self, rows: list[Outbox]) -> None:
        outcomes = await asyncio.gather(*(self._send_one(row) for row in rows))
        self._record(rows, outcomes)
        self._left.difference_update(row.id for row in rows)

    async def _send_one(self, row: Outbox) -> tuple[Outcome, dt.datetime]:
        """What became of the row, and when the channel answered (its window counts from then,
        not from when the whole batch is recorded)."""
        if ready := getattr(self.transport, "ready", None):
            await ready(row)
        self._left.add(row.id)  # from here on, nobody can say it did not go
        outcome = await self.transport.send(row)
        return outcome, utcnow()

    def _claim(self) -> list[Outbox]:
        if self._paused_until and utcnow() < self._paused_until:
            return []
        with Session(self.engine, expire_on_commit=False) as session:
            rows = outbox.claim(session, self.name, self.limits, channel=self.transport.channel, ahead=self._ahead())
            session.commit()  # `sending` is durable before anything leaves
        return rows

    def _waiting(self) -> bool:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(Outbox)
                                .where(Outbox.channel == self.transport.channel,
                                       Outbox.state.in_(["pending", "sending"]))).one() > 0

    def _ahead(self) -> dt.timedelta:
        """How far ahead of the bot-wide window rows are claimed: a look and a claim away, when
        the transport's Pacer holds each send until its turn; none when the claim is the pacing."""
        return dt.timedelta(seconds=self._pause()) if getattr(self.transport, "pacer", None) else dt.timedelta()

    def _pause(self) -> float:
        """Sleep a fraction of the shortest window: short enough to keep the pipe full."""
        return max(0.002, min(self.limits.per_chat_window, self.limits.per_bot_window) / 20)

    def _record(self, rows: list[Outbox], outcomes: list[tuple[Outcome, dt.datetime]]) -> None:
        now = utcnow()
        with Session(self.engine) as session:
            retries = []
            fresh = {r.id: r for r in session.exec(select(Outbox).where(Outbox.id.in_([r.id for r in rows])))}
            for claimed, (outcome, answered) in zip(rows, outcomes, strict=True):
                row = fresh[claimed.id]
                self.stats.kinds[outcome.kind] = self.stats.kinds.get(outcome.kind, 0) + 1
                if outcome.parts is not None:
                    row.payload = {**(row.payload or {}), "parts": outcome.parts}
                if outcome.kind == "sent":
                    outbox.mark_sent(row, outcome.message_id, answered, outcome.provider_id)
                    self.stats.sent += 1
                elif outcome.kind == "retry":
                    outbox.retry_later(row, outcome.wait, outcome.error, now)
                    retries.append(outcome.wait)
                    self.stats.retried += 1
                elif outcome.kind == "migrated":
                    _follow_migration(session, row, outcome.new_chat_id)
                elif outcome.kind == "dead":
                    outbox.mark_failed(row, outcome.error)
                    bury_link(session, row.channel, row.chat_id, row.address, outcome.error)
                    self.stats.dead += 1
                elif outcome.kind == "fatal":  # not this row's fault: it waits for the admin's fix
                    outbox.retry_later(row, dt.timedelta(), outcome.error, now)
                    row.attempts = max(row.attempts - 1, 0)
                    self.stats.stopped = outcome.error
                elif outcome.kind == "uncertain":
                    row.state, row.last_error = "uncertain", outcome.error
                    self.stats.uncertain += 1
                else:
                    outbox.mark_failed(row, outcome.error)
                    if outcome.tell_admin:
                        outbox.record_refusal(session, row, outcome.error)
                    self.stats.failed += 1
            session.commit()
        if len(retries) >= 3:  # many chats told to wait at once: Telegram means the whole bot
            self._paused_until = now + max(retries)


def _follow_migration(session: Session, row: Outbox, new_chat_id: int) -> None:
    """A send found the group became a supergroup: the row goes to the new id with the rest."""
    old = row.chat_id
    follow_chat_migration(session, old, new_chat_id)
    row.chat_id, row.state, row.sending_at = new_chat_id, "pending", None


def follow_chat_migration(session: Session, old: int, new: int) -> None:
    """The group became a supergroup: its links and waiting messages move to the new id (once:
    Telegram's service messages and a failed send may each report it)."""
    links = session.exec(select(ChatLink).where(ChatLink.chat_id == old)).all()
    waiting = session.exec(select(Outbox).where(Outbox.chat_id == old, Outbox.state == "pending")).all()
    for moved in [*links, *waiting]:
        moved.chat_id = new
    if links or waiting:
        session.add(Event(kind="chat_migrated", actor="telegram", before={"chat": old}, after={"chat": new}))


# What Telegram answers a send to a chat that blocked the bot or removed it: the same words
# bury a link whether a send failed or Telegram said so first (my_chat_member).
BLOCKED = "Forbidden: bot was blocked by the user"
REMOVED = "Forbidden: bot was kicked from the group chat"


def restore_link(session: Session, chat_id: int) -> int:
    """The person unblocked the bot (or the group took it back): links that died of it live
    again. Returns how many."""
    links = session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id, ChatLink.channel == "telegram",
                                                ~ChatLink.active, ChatLink.dead_reason.in_([BLOCKED, REMOVED]))).all()
    for link in links:
        link.active, link.dead_reason, link.unlinked_at = True, None, None
        session.add(Event(kind="link_restored", actor="telegram", before={"chat": chat_id, "unit": link.unit_id}))
    return len(links)


def bury_link(session: Session, channel: str, chat_id: int | None, address: str | None, reason: str) -> None:
    """The channel will never deliver to this chat or address: stop using it and tell the
    coordinators once."""
    where = ChatLink.chat_id == chat_id if channel == "telegram" else ChatLink.address == address
    for link in session.exec(select(ChatLink).where(where, ChatLink.channel == channel, ChatLink.active)):
        link.active, link.dead_reason, link.unlinked_at = False, reason, utcnow()
        session.add(Event(kind="link_dead", actor="delivery", note=reason,
                          before={"chat": chat_id, "address": address, "channel": channel, "unit": link.unit_id}))
        session.flush()  # the link is dead before its unit's other channels are looked for
        unit = session.get(Unit, link.unit_id).name
        directory = link.unit_id.split("/")[0] + "/"
        still = _still_reaches(session, link)
        for coordinator in session.exec(select(ChatLink).where(ChatLink.role == "coordinator", ChatLink.active,
                                                               ChatLink.channel == "telegram",
                                                               ChatLink.unit_id.startswith(directory))):
            lang = coordinator.lang
            after = say(lang, "dead_next", channel=channel_text(lang, still)) if still else say(lang, "dead_none")
            text = say(lang, "link_dead", unit=unit, contact=link.contact, channel=channel_text(lang, channel),
                       why=dead_reason_text(lang, reason), next=after)
            outbox.enqueue(session, f"dead-link:{link.id}:{coordinator.chat_id}", coordinator.chat_id, text,
                           kind="notice")


def _still_reaches(session: Session, dead: ChatLink) -> str | None:
    """The channel the unit's reminders go by now that `dead` is dead: the same person's next
    live one, else any live one of the unit's people; None when nobody is left."""
    alive = session.exec(select(ChatLink).where(ChatLink.unit_id == dead.unit_id, ChatLink.active,
                                                ChatLink.role.in_(["assignee", "head"]))).all()
    same_person = [link for link in alive if link.contact == dead.contact]
    return (same_person or alive)[0].channel if alive else None
