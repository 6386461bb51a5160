"""`dondoc demo`: the newcomer's first run. No token, no server: a SQLite file, the shipped
Bình Định plan and directory, the Telegram stand-in on 127.0.0.1, the real bot polling it,
and the flows' bodies run day by day through a quarter.

Simulated contacts link with invitation links and answer the bot's reminders the way real
communes do: one reports at once, one reports progress first, one is late, one asks for an
extension (the coordinator approves it), one is blocked, one never answers (its head and
then Sở Nội vụ are told). At the end the coordinator's digest is printed.

`--year 2019` (the default) replays 2019-Q3. `--year 2026` first crosses 1 July 2025: the
plan's 2025-Q2 obligations, opened on Bình Định's map, move on the day to their successors
in today's Gia Lai (district-level ones close), and then 2026-Q1 is chased on the new map.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, select

from models.access import people
from bots.telegram.app import build_application
from bots.standin.server import StandIn
from cli.demo_channels import OtherChannels
from bots.standin.world import Limits as TelegramLimits
from bots.standin.world import World, until
from models.common import clock
from models.engine.apply import apply_directory, apply_plan, unit_name
from models.store.db import make_engine, upgrade
from models.report.digest import build_digest, digest_text
from models.org.directory import load_directory
from models.store.tables import Obligation, Outbox, Unit
from models.plans.validate import validate_plan
from models.calendar.workcal import VN, load_calendar

PLAN_ID = "binh-dinh-53-2019"
COORDINATOR = (900, "so-noi-vu", "Lê Thị Hoa (chuyên viên Sở Nội vụ)")
CHECKIN = "Đã thực hiện trong kỳ"
BUTTONS = {"done": "Đã hoàn thành", "progress": "Tiến độ", "blocked": "Vướng mắc", "extension": "Gia hạn"}


@dataclass
class Contact:
    """A simulated person at a unit, answering the bot the way `behaviour` says."""
    user_id: int
    unit_id: str
    name: str
    behaviour: str  # prompt, progress, late, extension, blocked, silent
    role: str = "assignee"
    seen: int = 0
    did: list[tuple[str, str]] = field(default_factory=list)  # (day, what), e.g. ("09/10", "xong")


BEHAVIOURS = ["prompt", "progress", "late", "extension", "blocked", "silent"]
PEOPLE = ["Nguyễn Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Võ Thị Dung", "Huỳnh Văn Em", "Đặng Văn Phúc"]


@dataclass(frozen=True)
class Scenario:
    """One replayed quarter: whose units the contacts are at, and when."""
    year: int
    quarter_start: dt.date  # the flows open the quarter on this day
    deadline: dt.date  # the quarter's deadline (10 working days after its end)
    units: tuple[str, ...]  # six communes, one per behaviour; the last also has its head linked
    coordinator_unit: str
    other_units: tuple[str, str, str, str]  # on Zalo, by e-mail, by SMS, and blocked on Telegram

    def cast(self) -> list["Contact"]:
        contacts = [Contact(601 + i, unit, name, behaviour)
                    for i, (unit, name, behaviour) in enumerate(zip(self.units, PEOPLE, BEHAVIOURS))]
        return contacts + [Contact(607, self.units[-1], "Bùi Văn Giang (Chủ tịch UBND)", "silent", role="head")]

    def days(self, calendar) -> list[dt.date]:
        """The quarter's first day, then every working day from a week before the deadline
        until the escalations are through."""
        days, day = [self.quarter_start], self.deadline - dt.timedelta(days=11)
        while day <= self.deadline + dt.timedelta(days=11):
            if calendar.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days


SCENARIOS = {
    2019: Scenario(2019, dt.date(2019, 7, 1), dt.date(2019, 10, 14),
                   ("binh-dinh/xa-21550", "binh-dinh/xa-21553", "binh-dinh/xa-21556", "binh-dinh/xa-21559",
                    "binh-dinh/xa-21562", "binh-dinh/xa-21565"), "binh-dinh/so-noi-vu",
                   ("binh-dinh/xa-21568", "binh-dinh/xa-21571", "binh-dinh/xa-21574", "binh-dinh/xa-21577")),
    # Gia Lai's wards of the old Quy Nhơn (Quy Nhơn Đông, Bắc, Nam, Tây, Quy Nhơn) and Nhơn Châu.
    2026: Scenario(2026, dt.date(2026, 1, 1), dt.date(2026, 4, 14),
                   ("gia-lai/xa-21601", "gia-lai/xa-21553", "gia-lai/xa-21589", "gia-lai/xa-21592",
                    "gia-lai/xa-21583", "gia-lai/xa-21607"), "gia-lai/so-noi-vu",
                   ("gia-lai/xa-21609", "gia-lai/xa-21616", "gia-lai/xa-21622", "gia-lai/xa-21628")),
}


class Demo:
    def __init__(self, console: Console, database: Path, calendar_path: Path, scenario: Scenario):
        self.console, self.database, self.calendar_path = console, database, calendar_path
        self.scenario, self.cast = scenario, scenario.cast()
        self.calendar = load_calendar(calendar_path)
        self.engine = make_engine(f"sqlite:///{database}")
        # Simulated people press buttons far faster than people do: Telegram's limits, far looser.
        self.world = World(limits=TelegramLimits().scaled(1000))
        self.coordinator = Contact(COORDINATOR[0], scenario.coordinator_unit, COORDINATOR[2], behaviour="approve",
                                   role="coordinator")
        self.channels_line = ""

    # --- the Telegram side ------------------------------------------------------------

    def inbox(self, contact: Contact) -> list:
        return self.world.received(contact.user_id)

    async def expect(self, contact: Contact, fragment: str):
        """Wait for the bot's next message containing `fragment`; return it."""
        start = contact.seen
        try:
            message = await until(lambda: next((m for m in self.inbox(contact)[start:]
                                                     if fragment in (m.text or "")), None))
        except TimeoutError:
            raise TimeoutError(f"{contact.name} waited for {fragment!r}; the bot sent "
                               f"{[m.text for m in self.inbox(contact)[start:]]}") from None
        contact.seen = len(self.inbox(contact))
        return message

    async def link(self, contact: Contact) -> None:
        with Session(self.engine) as session:
            token = people.create_invitation(session, contact.unit_id, contact.name, contact.role)
            session.commit()
        self.world.add_user(contact.user_id, contact.name.split(" (")[0])
        self.world.user_starts(contact.user_id, token)
        await self.expect(contact, "Đã liên kết")

    async def press(self, contact: Contact, message, label: str) -> None:
        query = self.world.user_presses(contact.user_id, message.message_id, label)
        await until(lambda: self.world.answer_of(query) is not None)

    async def say(self, contact: Contact, text: str, expect: str):
        self.world.user_sends(contact.user_id, text)
        return await self.expect(contact, expect)

    async def open_card(self, contact: Contact, reminder, code: str):
        contact.seen = len(self.inbox(contact))
        await self.press(contact, reminder, code)
        return await self.expect(contact, f"Nhiệm vụ {code.split(' · ')[0]}:")  # "1.1 · 2025-Q3": a period too

    # --- what each contact does with a reminder ------------------------------------

    async def react(self, contact: Contact, day: dt.date) -> None:
        new = self.inbox(contact)[contact.seen:]
        contact.seen = len(self.inbox(contact))
        for message in new:
            codes = [b["text"] for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
            if codes:
                await self.answer(contact, message, codes, day)

    async def answer(self, contact: Contact, reminder, codes: list[str], day: dt.date) -> None:
        text = reminder.text or ""
        action = {
            "prompt": "done",
            "progress": "done" if "còn 3 ngày" in text else ("progress" if "mới giao" in text else None),
            "late": "done" if "đã quá hạn" in text else None,
            "extension": "extension" if "còn 3 ngày" in text else ("done" if "còn 1 ngày" in text else None),
            "blocked": "blocked" if "còn 7 ngày" in text else None,
        }.get(contact.behaviour)
        if action is None:
            return
        targets = codes[:1] if action in ("extension", "blocked") else codes
        for code in targets:
            card = await self.open_card(contact, reminder, code)
            await self.act(contact, card, action, day)

    async def act(self, contact: Contact, card, action: str, day: dt.date) -> None:
        labels = [b["text"] for row in (card.reply_markup or {}).get("inline_keyboard", []) for b in row]
        checkin = action == "done" and BUTTONS["done"] not in labels  # a continuous check-in
        await self.press(contact, card, CHECKIN if checkin else BUTTONS[action])
        if action == "done":
            await self.expect(contact, "Đã ghi nhận việc thực hiện trong kỳ" if checkin else "Đã ghi nhận hoàn thành")
        elif action == "progress":
            await self.expect(contact, "bao nhiêu phần trăm")
            await self.say(contact, "50", "Ghi chú ngắn")
            await self.say(contact, "đã triển khai đến các tổ dân phố", "Đã ghi nhận tiến độ")
        elif action == "blocked":
            await self.expect(contact, "nêu ngắn gọn vướng mắc")
            await self.say(contact, "chưa có kinh phí in tài liệu tuyên truyền", "Đã ghi nhận vướng mắc")
        elif action == "extension":
            await self.expect(contact, "xin gia hạn đến ngày nào")
            until_day = self.scenario.deadline + dt.timedelta(days=11)
            await self.say(contact, f"{until_day:%d/%m/%Y}", "Lý do")
            await self.say(contact, "chờ số liệu của các tổ dân phố", "Đã gửi đề nghị gia hạn")
        contact.did.append((f"{day:%d/%m}", BUTTONS[action].lower()))

    async def coordinator_decides(self) -> None:
        """Sở Nội vụ approves every extension request it receives."""
        new = self.inbox(self.coordinator)[self.coordinator.seen:]
        self.coordinator.seen = len(self.inbox(self.coordinator))
        for message in new:
            buttons = [b["text"] for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
            if "Đồng ý" in buttons:  # an extension request (the digest has a button too: its report)
                await self.press(self.coordinator, message, "Đồng ý")
                self.coordinator.did.append((f"{clock.utcnow().astimezone(VN):%d/%m}", "đồng ý gia hạn"))

    # --- the run ------------------------------------------------------------------

    async def run(self) -> None:
        from flows.chase import chase
        from flows.deliver import deliver
        from flows.digest import digest
        from flows.opening import open_obligations

        calendar = str(self.calendar_path)
        with StandIn(self.world) as server, \
                OtherChannels(self.engine, self.scenario.other_units, self.database.parent, self.world) as others:
            os.environ.update({"DONDOC_DATABASE_URL": f"sqlite:///{self.database}",
                               "DONDOC_TELEGRAM_TOKEN": self.world.token, "DONDOC_TELEGRAM_API": server.base_url})
            bot = build_application(self.world.token, self.engine, self.database.parent / "evidence",
                                    base_url=server.base_url, base_file_url=server.base_file_url)
            await bot.initialize()
            await bot.start()
            await bot.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                clock.travel_to(dt.datetime.combine(self.scenario.quarter_start, dt.time(6), tzinfo=VN))
                opened = await asyncio.to_thread(open_obligations.fn, calendar=calendar)
                self.console.print(f"{self.scenario.quarter_start:%d/%m/%Y} 06:00: quarter opened, "
                                   f"{sum(opened.values())} obligations")
                for contact in [self.coordinator, *self.cast]:
                    await self.link(contact)
                await others.start()
                await others.link()
                days = self.scenario.days(self.calendar)
                with Progress(console=self.console, transient=False) as progress:
                    bar = progress.add_task("chasing", total=len(days))
                    for day in days:
                        progress.update(bar, description=f"{day:%a %d/%m/%Y}")
                        reports = {"reports": str(self.database.parent / "reports")}
                        for hour, step, extra in ((8, digest, reports), (9, chase, {})):
                            clock.travel_to(dt.datetime.combine(day, dt.time(hour), tzinfo=VN))
                            await asyncio.to_thread(step.fn, calendar=calendar, **extra)
                            await asyncio.to_thread(deliver.fn, idle_timeout=0.0)
                        for contact in self.cast:
                            await self.react(contact, day)
                        await others.react()
                        await self.coordinator_decides()
                        progress.advance(bar)
                self.channels_line = others.summary()
            finally:
                await others.stop()
                await bot.updater.stop()
                await bot.stop()
                await bot.shutdown()
        self.report()

    def report(self) -> None:
        now = clock.utcnow()
        table = Table("contact", "unit", "behaviour", "messages", "what they did", "their obligations now",
                      title="Simulated contacts (Telegram messages received from the bot)")
        with Session(self.engine) as session:
            for contact in self.cast + [self.coordinator]:
                table.add_row(contact.name, contact.unit_id.split("/")[1], contact.behaviour,
                              str(len(self.inbox(contact))), _actions(contact.did) or "—",
                              _statuses(session, contact.unit_id) if contact.role == "assignee" else "")
            self.console.print(table)
            states = session.exec(select(Outbox.state)).all()
            self.console.print(f"outbox: {states.count('sent')} message(s) delivered through the stand-ins, "
                               f"{len(states) - states.count('sent')} not delivered; "
                               f"{self.world.answered_429} answered 429", highlight=False)
            self.console.print(self.channels_line, highlight=False)
            # What the coordinator would read now, with the changes since Monday's weekly digest.
            final = build_digest(session, PLAN_ID, now, "weekly", f"{now.astimezone(VN):%Y-%m-%d}")
        self.console.rule("The coordinator's digest")
        url = self.engine.url.render_as_string(hide_password=True)
        self.console.print(f"(the same, next: DONDOC_DATABASE_URL={url} uv run dondoc digest --plan {PLAN_ID} "
                           f"--as-of {now.astimezone(VN):%d/%m/%Y})", highlight=False, soft_wrap=True)
        self.console.print(digest_text(final), highlight=False, markup=False)


def _actions(did: list[tuple[str, str]]) -> str:
    """[("01/07", "xong"), ("01/07", "xong")] → "01/07 xong ×2"."""
    counts: dict[str, int] = {}
    for day, action in did:
        counts[f"{day} {action}"] = counts.get(f"{day} {action}", 0) + 1
    return "; ".join(f"{what} ×{n}" if n > 1 else what for what, n in counts.items())


def _statuses(session: Session, unit_id: str) -> str:
    rows = session.exec(select(Obligation.status, Obligation.no_deadline).where(Obligation.unit_id == unit_id)).all()
    counts: dict[str, int] = {}
    for status, no_deadline in rows:
        key = "check-in" if no_deadline and status == "open" else status
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def run_demo(console: Console, database: Path, plan: Path, org: Path, calendar: Path, year: int = 2019,
             successor_org: Path | None = None) -> None:
    scenario = SCENARIOS[year]
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in database.parent.glob(database.name + "*"):
        stale.unlink()  # each demo replays the quarter from the start
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    directory = load_directory(org)
    report = validate_plan(plan, directory)
    applied_on = dt.date(2019, 7, 1) if year == 2019 else dt.date(2025, 4, 1)
    changes = apply_plan(engine, plan, directory, actor="cli:demo", today=applied_on)
    console.print(f"[bold]{report.spec.plan.number}[/] {report.spec.plan.title}")
    console.print(f"database {database}: {len(changes)} change(s) applied; "
                  f"Telegram: the stand-in on 127.0.0.1 (no token, nothing leaves this machine)")
    environment = dict(os.environ)  # the demo points the flows at its stand-ins through the environment
    try:
        if year != 2019:
            cross_2025(console, engine, database, successor_org, calendar)
        asyncio.run(Demo(console, database, calendar, scenario).run())
    finally:
        clock.back_to_now()
        os.environ.clear()
        os.environ.update(environment)


def cross_2025(console: Console, engine, database: Path, successor_org: Path, calendar: Path) -> None:
    """2025-Q2 opened on Bình Định's map; today's Gia Lai applied; the daily flow on 1 July
    moves the open obligations to the successors (and closes the district-level ones)."""
    from flows.opening import open_obligations

    os.environ["DONDOC_DATABASE_URL"] = f"sqlite:///{database}"
    clock.travel_to(dt.datetime(2025, 4, 1, 6, tzinfo=VN))
    opened = open_obligations.fn(calendar=str(calendar))
    apply_directory(engine, load_directory(successor_org), actor="cli:demo", today=dt.date(2025, 6, 30))
    with Session(engine) as session:
        before = {ob.id: ob.unit_id for ob in session.exec(select(Obligation).where(
            Obligation.period == "2025-Q2", Obligation.status == "open"))}
    clock.travel_to(dt.datetime(2025, 7, 1, 6, tzinfo=VN))
    open_obligations.fn(calendar=str(calendar))
    table = Table("Bình Định's unit (until 30/06/2025)", "2025-Q2 obligations", "now with (Gia Lai)",
                  title=f"1 July 2025: {len(before)} open 2025-Q2 obligations of {sum(opened.values())} opened "
                        "on the old map cross to the new one")
    with Session(engine) as session:
        after = {ob.id: ob for ob in session.exec(select(Obligation).where(Obligation.id.in_(list(before))))}
        moved: dict[tuple[str, str], int] = {}
        for ob_id, old in before.items():
            ob, unit = after[ob_id], session.get(Unit, old)
            if ob.unit_id != old:
                target = unit_name(session, ob.unit_id)
            elif unit.successor_id:  # several merged into one: the successor's own obligation stands
                target = f"{unit_name(session, unit.successor_id)} (already had it)"
            else:
                target = "closed: no longer applicable"
            key = (unit_name(session, old), target)
            moved[key] = moved.get(key, 0) + 1
        # The cast's wards and their old district first.
        shown = sorted(moved.items(), key=lambda kv: ("Quy Nhơn" not in kv[0][0], not kv[0][0].startswith("UBND"),
                                                      kv[0]))
        for (old, new), count in shown[:14]:
            table.add_row(old, str(count), new)
    console.print(table)
    console.print(f"… {len(moved)} (unit, successor) pairs in all; `dondoc report --plan {PLAN_ID} "
                  "--period 2025-Q2` shows them as they stood on 30/06 with --as-of 2025-06-30.")

