"""The conversation: short handlers that read like what the assignee and coordinator do.

Every change goes through `models.engine.lifecycle` (so it is an audit event), and every
button press is checked against the chat that pressed it: callback data carries only
"<action>:<obligation id>", which proves nothing by itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from sqlmodel import Session, select
from telegram import ChatMember, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bots.outbox import dispatch
from models.chase import notices
from models.access import people
from models.access.people import InvitationError, NotAllowed
from models.common.texts import day_text, refusal_text, say, template
from models.engine import lifecycle
from models.engine.lifecycle import ACTIVE, DomainError
from models.chase.outbox import MAX_TEXT
from models.calendar.days import context_deadline, parse_day
from models.calendar.periods import period_words
from models.report.rollup import Category, rollup
from models.engine.opening import schedule_of
from models.plans.plan import TargetSpec
from models.store.tables import ChatLink, DigestRun, Evidence, Obligation, Plan, Task, Unit, utcnow
from models.calendar.workcal import VN

ASSIGNEE_BUTTONS = [("d", "b_done"), ("p", "b_progress"), ("b", "b_blocked"), ("x", "b_extension"),
                    ("e", "b_evidence")]
_CALLBACK = re.compile(r"^([dpbxeanczkgs]):(\d{1,12})$")
COORDINATOR_BUTTONS = {"z", "k", "g"}  # on a blocked report: postpone, reply, set a new deadline


@asynccontextmanager
async def database(context: ContextTypes.DEFAULT_TYPE) -> AsyncIterator[Session]:
    """A handler's transaction, in the update's one session (`once_per_update`). The update's
    once-only record is written in the first, so a press is one commit. Transactions take
    turns (as when each ran whole on the event loop: what one reads, none other changes
    meanwhile), but the commit waits on the disk in a thread, so other chats' replies go out
    meanwhile. Values read inside stay readable after it (replies are sent after)."""
    async with _turns(context):
        session = getattr(context, "update_session", None)
        if session is None:  # a job's context: a session of its own
            with Session(context.bot_data["engine"], expire_on_commit=False) as session:
                yield session
                await asyncio.to_thread(session.commit)
            return
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        await asyncio.to_thread(_commit_with_record, context, session)


def _turns(context: ContextTypes.DEFAULT_TYPE) -> asyncio.Lock:
    return context.bot_data.setdefault("database turns", asyncio.Lock())


def _commit_with_record(context: ContextTypes.DEFAULT_TYPE, session: Session) -> None:
    if context.unrecorded_update is not None:
        people.record_seen(session, context.unrecorded_update)
    session.commit()
    context.unrecorded_update = None


def card(lang: str, ob: Obligation, task: Task) -> tuple[str, InlineKeyboardMarkup]:
    """An obligation as the assignee sees it, with its five buttons."""
    text = task.text if len(task.text) <= 300 else task.text[:297] + "…"
    due = say(lang, "no_deadline") if ob.no_deadline else day_text(ob.due_at)
    body = say(lang, "card", code=task.code, text=text, period=period_words(ob.period, lang), due=due,
               status=say(lang, f"st_{ob.status}"))
    # A continuous check-in has nothing to extend, and is "done this period", not finished.
    shown = [(code, "b_checkin" if ob.no_deadline and code == "d" else label) for code, label in ASSIGNEE_BUTTONS
             if not (ob.no_deadline and code == "x")]
    buttons = [InlineKeyboardButton(say(lang, label), callback_data=f"{code}:{ob.id}") for code, label in shown]
    return body, InlineKeyboardMarkup([buttons[:3], buttons[3:]])


def _keyboard(markup):
    """Notices (models.chase.notices) carry their keyboard as the Bot API's dict, as the outbox does."""
    return InlineKeyboardMarkup.de_json(markup, None) if isinstance(markup, dict) else markup


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


# --- every update --------------------------------------------------------------------

async def once_per_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram may deliver an update again (after a restart, a lost confirmation): one seen
    before stops here. A new one gets the session its handlers share (PTB builds one context
    per update, for every group) and is recorded with what they change (`database`), or by
    `recorded` after them when they changed nothing."""
    engine = context.bot_data["engine"]
    with engine.connect() as connection:  # given back at once: no connection is held across an await
        if people.seen_before(connection, update.update_id):
            raise ApplicationHandlerStop
    context.update_session = Session(engine, expire_on_commit=False)  # connects when first used
    context.unrecorded_update = update.update_id


async def recorded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After the handlers (and after a failed one): the update recorded if nothing was, and
    its session closed."""
    session = getattr(context, "update_session", None)
    if session is None:
        return
    try:
        if context.unrecorded_update is not None:
            session.rollback()  # whatever a failed handler left half-done is not kept
            async with _turns(context):
                await asyncio.to_thread(_commit_with_record, context, session)
    finally:
        context.update_session = None
        session.close()


# --- the chat itself: blocked, removed, let back in, upgraded to a supergroup ----------

async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram says the bot's place in a chat changed: links die at once (the coordinator
    told once) or live again."""
    change = update.my_chat_member
    chat_id, status = change.chat.id, change.new_chat_member.status
    async with database(context) as session:
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            dispatch.bury_link(session, "telegram", chat_id, None,
                               dispatch.BLOCKED if change.chat.type == ChatType.PRIVATE else dispatch.REMOVED)
        elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
            dispatch.restore_link(session, chat_id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The group became a supergroup (Telegram's service message, in the old chat or the new)."""
    message = update.effective_message
    old, new = ((message.chat.id, message.migrate_to_chat_id) if message.migrate_to_chat_id
                else (message.migrate_from_chat_id, message.chat.id))
    async with database(context) as session:
        dispatch.follow_chat_migration(session, old, new)


# --- commands ------------------------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, lang = update.effective_chat, _user_lang(update)
    if not context.args:
        async with database(context) as session:
            link = people.active_link(session, chat.id)
        await reply(update, say(link.lang if link else lang, "help" if link else "not_linked"))
        return
    async with database(context) as session:
        try:
            link = people.redeem_invitation(session, context.args[0], chat.id, lang)
        except InvitationError as exc:
            session.rollback()
            await reply(update, say(lang, f"invitation_{exc}"))
            return
        unit = session.get(Unit, link.unit_id).name
        key = "linked_coordinator" if link.role == "coordinator" else "linked"
        text = say(link.lang, key, unit=unit, contact=link.contact) + "\n\n" + say(link.lang, "privacy_notice")
    await reply(update, text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
    lang = link.lang if link else _user_lang(update)
    extra = say(lang, "help_coordinator") if link and link.role == "coordinator" else ""
    await reply(update, say(lang, "help") + extra)


async def set_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    wanted = (context.args or ["vi"])[0].lower()
    lang = "en" if wanted.startswith("en") else "vi"
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
        if link:
            link.lang = lang
    await reply(update, say(lang, "lang_set"))


async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with database(context) as session:
        link = await _linked(update, session)
        if link is None:
            return
        cards = [card(link.lang, ob, task) for ob, task in people.open_for_unit(session, link.unit_id)[:20]]
        lang = link.lang
    if not cards:
        await reply(update, say(lang, "mine_empty"))
    for text, markup in cards:
        await reply(update, text, markup)


# --- buttons -------------------------------------------------------------------------

async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    match = _CALLBACK.match(query.data or "")
    if match is None:
        await query.answer()
        return
    action, obligation_id = match.group(1), int(match.group(2))
    if action in ("a", "n"):
        await decide(update, context, obligation_id, approve=action == "a")
        return
    if action in COORDINATOR_BUTTONS:
        await coordinate(update, context, action, obligation_id)
        return
    if action == "s":
        await skip_note(update, context, obligation_id)
        return
    async with database(context) as session:
        try:
            link, ob = people.authorize(session, update.effective_chat.id, obligation_id)
        except NotAllowed:
            session.commit()  # keep the record of the refused attempt
            await query.answer(say(_user_lang(update), "not_allowed"), show_alert=True)
            return
        task = session.get(Task, ob.task_id)
        if ob.status not in ACTIVE:
            await query.answer(say(link.lang, "closed", status=say(link.lang, f"st_{ob.status}")), show_alert=True)
            return
        follow_up = _ACTIONS[action](session, context, update, link, ob, task)
    await query.answer()
    for chat_id, text, markup in follow_up:
        await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=_keyboard(markup))


async def decide(update: Update, context: ContextTypes.DEFAULT_TYPE, obligation_id: int, approve: bool) -> None:
    """The coordinator's Approve or Deny: the press is answered first; the decision and the
    message to the assignees are one transaction (the message leaves through the outbox);
    then the request shows the decision in place of its buttons."""
    query = update.callback_query
    await query.answer()
    key = "ext_approved" if approve else "ext_denied"
    lang, decision, refusal = _user_lang(update), None, say(_user_lang(update), "not_allowed")
    async with database(context) as session:
        try:
            link, ob = people.authorize(session, update.effective_chat.id, obligation_id, as_coordinator=True)
        except NotAllowed:
            link = None  # the refused attempt is recorded, and kept
        if link is not None:
            lang, task = link.lang, session.get(Task, ob.task_id)
            try:
                (lifecycle.approve_extension if approve else lifecycle.deny_extension)(session, ob, _actor(update))
                notices.to_assignees(session, ob, task, key)
                decision = say(lang, key, code=task.code, date=day_text(ob.due_at))
            except DomainError as exc:
                session.rollback()
                refusal = say(lang, "refused", reason=refusal_text(lang, exc))
    if decision is None:
        await reply(update, refusal)
    else:
        await query.message.edit_text(decided(lang, query.message.text or "", decision), parse_mode=ParseMode.HTML)


async def coordinate(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, obligation_id: int) -> None:
    """A coordinator's answer to a blocked report: postpone at once, or a question (the reply
    to the unit, the new deadline) whose answer `answer` takes."""
    query = update.callback_query
    await query.answer()
    async with database(context) as session:
        try:
            link, ob = people.authorize(session, update.effective_chat.id, obligation_id, as_coordinator=True)
        except NotAllowed:
            text, markup = say(_user_lang(update), "not_allowed"), None
        else:
            task, unit = session.get(Task, ob.task_id), session.get(Unit, ob.unit_id).name
            text, markup = say(link.lang, "ask_coordinator_note" if action == "k" else "ask_due",
                               code=task.code, unit=unit), _question(link)
            if action == "z":
                try:
                    lifecycle.postpone(session, ob, _actor(update))
                    notices.to_assignees(session, ob, task, "ob_postponed")
                    text, markup = say(link.lang, "postponed_saved", code=task.code, unit=unit), None
                except DomainError as exc:
                    session.rollback()
                    text, markup = say(link.lang, "refused", reason=refusal_text(link.lang, exc)), None
            else:
                _ask(link, "note" if action == "k" else "due", ob, "text" if action == "k" else "date")
    await reply(update, text, markup)


async def skip_note(update: Update, context: ContextTypes.DEFAULT_TYPE, obligation_id: int) -> None:
    """Skip: the progress report goes in without a note (if that is still the question)."""
    await update.callback_query.answer()
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
        waiting = (link.awaiting or {}) if link else {}
        if (waiting.get("action"), waiting.get("step"), waiting.get("obligation")) != ("progress", "note", obligation_id):
            return  # an old button: the question was answered or cancelled since
        ob = session.get(Obligation, obligation_id)
        try:
            messages = _progress_note(session, update, link, ob, session.get(Task, ob.task_id), waiting, "")
        except DomainError as exc:  # closed meanwhile, say
            link.awaiting = None
            messages = [(link.chat_id, say(link.lang, "refused", reason=refusal_text(link.lang, exc)), None)]
    for chat_id, message, markup in messages:
        await context.bot.send_message(chat_id, message, parse_mode=ParseMode.HTML, reply_markup=_keyboard(markup))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huy (/cancel): end whatever question the bot was waiting an answer to."""
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
        waiting = bool(link and link.awaiting)
        if waiting:
            link.awaiting = None
    lang = link.lang if link else _user_lang(update)
    await reply(update, say(lang, "cancelled" if waiting else "nothing_to_cancel"))


def decided(lang: str, request: str, decision: str) -> str:
    """The request (its plain text, as Telegram gives it back) with the decision (HTML, made by
    `say`) under it, cut so that it stays within one message."""
    room = MAX_TEXT - len(decision) - 4
    shown = request if len(request) <= room else request[:room - 1] + "…"
    return template(lang, "decided").format(text=html.escape(shown, quote=False), decision=decision)


def _question(link: ChatLink) -> ForceReply | None:
    """In a group the bot only sees replies to itself (privacy mode): ask for one."""
    return ForceReply() if link.chat_id < 0 else None


def _ask(link: ChatLink, action: str, ob: Obligation, step: str, **extra) -> None:
    link.awaiting = {"action": action, "obligation": ob.id, "step": step, **extra}


def _on_done(session, context, update, link, ob, task):
    if task.evidence_required and not session.exec(select(Evidence.id).where(Evidence.obligation_id == ob.id)).first():
        _ask(link, "evidence", ob, "file")
        return [(link.chat_id, say(link.lang, "evidence_needed", code=task.code), _question(link))]
    lifecycle.mark_done(session, ob, _actor(update))
    link.awaiting = None
    saved = "checkin_saved" if ob.no_deadline else "done_saved"  # a check-in is done for this period only
    return [(link.chat_id, say(link.lang, saved, code=task.code), None)]


def _on_progress(session, context, update, link, ob, task):
    _ask(link, "progress", ob, "percent")
    return [(link.chat_id, say(link.lang, "ask_percent", code=task.code), _question(link))]


def _on_blocked(session, context, update, link, ob, task):
    _ask(link, "blocked", ob, "reason")
    return [(link.chat_id, say(link.lang, "ask_block_reason", code=task.code), _question(link))]


def _on_extension(session, context, update, link, ob, task):
    if ob.no_deadline:
        return [(link.chat_id, say(link.lang, "refused", reason=say(link.lang, "no_deadline")), None)]
    _ask(link, "extension", ob, "date")
    return [(link.chat_id, say(link.lang, "ask_new_date", code=task.code, due=day_text(ob.due_at)), _question(link))]


def _on_evidence(session, context, update, link, ob, task):
    _ask(link, "evidence", ob, "file")
    return [(link.chat_id, say(link.lang, "ask_evidence", code=task.code), _question(link))]


def _on_card(session, context, update, link, ob, task):
    text, markup = card(link.lang, ob, task)
    return [(link.chat_id, text, markup)]


_ACTIONS = {"c": _on_card, "d": _on_done, "p": _on_progress, "b": _on_blocked, "x": _on_extension, "e": _on_evidence}


# --- answers to the bot's questions ---------------------------------------------------

async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = (update.effective_message.text or "").strip()
    async with database(context) as session:
        link = await _linked(update, session)
        if link is None:
            return
        waiting = link.awaiting or {}
        step = _STEPS.get((waiting.get("action"), waiting.get("step")))
        if step is None:
            await reply(update, say(link.lang, "nothing_waiting"))
            return
        ob = session.get(Obligation, waiting["obligation"])
        task = session.get(Task, ob.task_id)
        try:
            messages = step(session, update, link, ob, task, waiting, text)
        except DomainError as exc:
            link.awaiting = None
            messages = [(link.chat_id, say(link.lang, "refused", reason=refusal_text(link.lang, exc)), None)]
        except NotAllowed:  # no longer theirs (the link's role changed meanwhile): recorded, refused
            link.awaiting = None
            messages = [(link.chat_id, say(link.lang, "not_allowed"), None)]
    for chat_id, message, markup in messages:
        await context.bot.send_message(chat_id, message, parse_mode=ParseMode.HTML, reply_markup=_keyboard(markup))


def _progress_percent(session, update, link, ob, task, waiting, text):
    percent = re.fullmatch(r"(\d{1,3})\s*%?", text)
    if percent is None or int(percent.group(1)) > 100:
        return [(link.chat_id, say(link.lang, "bad_percent"), _question(link))]
    if task.target:  # a measured task: the value reached comes next
        _ask(link, "progress", ob, "value", percent=int(percent.group(1)))
        target = TargetSpec.model_validate(task.target).text()
        return [(link.chat_id, say(link.lang, "ask_value", code=task.code, target=target), _question(link))]
    _ask(link, "progress", ob, "note", percent=int(percent.group(1)))
    return [_ask_note(link, ob)]


def _progress_value(session, update, link, ob, task, waiting, text):
    number = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*%?", text)
    if number is None:
        return [(link.chat_id, say(link.lang, "bad_value"), _question(link))]
    _ask(link, "progress", ob, "note", percent=waiting["percent"], value=float(number.group(1).replace(",", ".")))
    return [_ask_note(link, ob)]


def _ask_note(link: ChatLink, ob: Obligation):
    """The optional note: a Skip button in a private chat; in a group (where the bot sees only
    replies to itself) a forced reply, "-" to skip."""
    if link.chat_id < 0:
        return link.chat_id, say(link.lang, "ask_note_group"), ForceReply()
    skip = InlineKeyboardButton(say(link.lang, "b_skip"), callback_data=f"s:{ob.id}")
    return link.chat_id, say(link.lang, "ask_note"), InlineKeyboardMarkup([[skip]])


def _progress_note(session, update, link, ob, task, waiting, text):
    note = None if text in ("-", "") else text
    lifecycle.report_progress(session, ob, waiting["percent"], _actor(update), note=note, value=waiting.get("value"))
    link.awaiting = None
    return [(link.chat_id, say(link.lang, "progress_saved", percent=waiting["percent"], code=task.code), None)]


def _blocked_reason(session, update, link, ob, task, waiting, text):
    lifecycle.mark_blocked(session, ob, text, _actor(update))
    notices.blocked(session, ob, task, text)
    link.awaiting = None
    return [(link.chat_id, say(link.lang, "blocked_saved", code=task.code,
                               coordinator=notices.coordinator_name(session, task)), None)]


def _coordinator_note(session, update, link, ob, task, waiting, text):
    people.authorize(session, link.chat_id, ob.id, as_coordinator=True)  # still theirs to answer
    lifecycle.add_note(session, ob, _actor(update), text)
    notices.to_assignees(session, ob, task, "ob_note", note=text)
    link.awaiting = None
    return [(link.chat_id, say(link.lang, "note_sent", unit=session.get(Unit, ob.unit_id).name), None)]


def _coordinator_due(session, update, link, ob, task, waiting, text):
    people.authorize(session, link.chat_id, ob.id, as_coordinator=True)
    day = parse_day(text, utcnow().astimezone(VN).date())
    if day is None:
        return [(link.chat_id, say(link.lang, "bad_date"), _question(link))]
    if day <= utcnow().astimezone(VN).date():
        return [(link.chat_id, say(link.lang, "due_not_future"), _question(link))]
    lifecycle.set_due(session, ob, context_deadline(day), _actor(update))
    notices.to_assignees(session, ob, task, "ob_new_due")
    link.awaiting = None
    unit = session.get(Unit, ob.unit_id).name
    return [(link.chat_id, say(link.lang, "due_saved", code=task.code, unit=unit, date=day_text(ob.due_at)), None)]


def _extension_date(session, update, link, ob, task, waiting, text):
    day = parse_day(text, ob.due_at.astimezone(VN).date())
    if day is None:
        return [(link.chat_id, say(link.lang, "bad_date"), _question(link))]
    if context_deadline(day) <= ob.due_at:
        return [(link.chat_id, say(link.lang, "date_not_later", due=day_text(ob.due_at)), _question(link))]
    _ask(link, "extension", ob, "reason", until=day.isoformat())
    return [(link.chat_id, say(link.lang, "ask_ext_reason"), _question(link))]


def _extension_reason(session, update, link, ob, task, waiting, text):
    old = day_text(ob.due_at)
    until = context_deadline(dt.date.fromisoformat(waiting["until"]))
    lifecycle.request_extension(session, ob, until, text, _actor(update))
    link.awaiting = None
    notices.extension_request(session, ob, task, old, text)
    return [(link.chat_id, say(link.lang, "ext_sent", code=task.code, date=day_text(until),
                               coordinator=notices.coordinator_name(session, task)), None)]


_STEPS = {("progress", "percent"): _progress_percent, ("progress", "value"): _progress_value,
          ("progress", "note"): _progress_note,
          ("blocked", "reason"): _blocked_reason, ("extension", "date"): _extension_date,
          ("extension", "reason"): _extension_reason,
          ("note", "text"): _coordinator_note, ("due", "date"): _coordinator_due}





# --- evidence ----------------------------------------------------------------------

async def evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    attachment = message.document or (message.photo[-1] if message.photo else None)
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
        waiting = (link.awaiting or {}) if link else {}
        lang = link.lang if link else _user_lang(update)
    if link is None:
        await reply(update, say(lang, "not_linked"))
        return
    if waiting.get("action") != "evidence":
        await reply(update, say(lang, "evidence_first"))
        return
    if (attachment.file_size or 0) > people.MAX_EVIDENCE:
        await reply(update, say(lang, "evidence_too_big"))
        return
    content = bytes(await (await attachment.get_file()).download_as_bytearray())
    name = getattr(attachment, "file_name", None) or f"photo-{attachment.file_unique_id}.jpg"
    try:
        async with database(context) as session:
            link = people.active_link(session, update.effective_chat.id)
            ob = session.get(Obligation, waiting["obligation"])
            task = session.get(Task, ob.task_id)
            kept = people.store_evidence(session, ob, content, name, getattr(attachment, "mime_type", None),
                                         _actor(update), Path(context.bot_data["evidence_folder"]))
            link.awaiting = None
    except people.EvidenceRefused as refused:
        await reply(update, say(lang, "evidence_too_big" if refused.key == "evidence_size" else "evidence_type"))
        return
    await reply(update, say(lang, "evidence_saved", name=kept.file_name, code=task.code))


# --- the coordinator ---------------------------------------------------------------

async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from models.report.render import status_text

    async with database(context) as session:
        link = await _coordinator(update, session)
        if link is None:
            return
        plans = session.exec(select(Plan.id).where(Plan.coordinator_unit_id == link.unit_id)).all()
        now = utcnow()
        blocks = [status_text(rollup(session, "area", now, plan_id=plan), link.lang, plan) for plan in plans]
    await reply(update, "\n\n".join(blocks)[:4000] or say(link.lang, "mine_empty"))


async def overdue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with database(context) as session:
        link = await _coordinator(update, session)
        if link is None:
            return
        now = utcnow()
        units = [t for plan in session.exec(select(Plan.id).where(Plan.coordinator_unit_id == link.unit_id))
                 for t in rollup(session, "unit", now, plan_id=plan) if t[Category.open_overdue]]
        units.sort(key=lambda t: -t[Category.open_overdue])
        lines = [say(link.lang, "overdue_line", unit=t.key[1], count=t[Category.open_overdue]) for t in units[:30]]
    await reply(update, "\n".join(lines) or say(link.lang, "overdue_none"))


async def full_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a digest: the period's report as an Excel file, to a coordinator of that plan."""
    from models.report.digest import report_scope
    from models.report.period import build_report, report_file_name, report_xlsx

    query = update.callback_query
    async with database(context) as session:
        link = people.active_link(session, update.effective_chat.id)
        run = session.get(DigestRun, int(query.data.split(":")[1]))
        plan = session.get(Plan, run.plan_id) if run else None
        if link is None or link.role != "coordinator" or plan is None or plan.coordinator_unit_id != link.unit_id:
            await query.answer(say(_user_lang(update), "not_allowed"), show_alert=True)
            return
        period = report_scope(session, run, schedule_of(plan).basis)
        now = utcnow()
        content = report_xlsx(build_report(session, plan.id, now, period=period))
    await query.answer()
    await context.bot.send_document(link.chat_id, document=content,
                                    filename=f"{report_file_name(plan.id, period, now)}.xlsx",
                                    caption=f"{plan.number} – {period_words(period, link.lang)}")


async def web_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/web: a single-use sign-in link to the dashboard, for this chat's person only."""
    from models.access.weblogin import create_login_link
    from models.access.signed import login_url

    async with database(context) as session:
        link = await _linked(update, session)
        if link is None:
            return
        if update.effective_chat.type != "private":  # anyone in a group could use the link
            await reply(update, say(link.lang, "web_private_only"))
            return
        role = "coordinator" if link.role == "coordinator" else "assignee"
        token = create_login_link(session, link.unit_id, link.contact, role, _actor(update))
    await reply(update, say(link.lang, "web_link", url=login_url(token)))


async def _linked(update: Update, session: Session) -> ChatLink | None:
    """This chat's link; when it has none, the chat is told how to get one."""
    link = people.active_link(session, update.effective_chat.id)
    if link is None:
        await reply(update, say(_user_lang(update), "not_linked"))
    return link


async def _coordinator(update: Update, session: Session) -> ChatLink | None:
    link = people.active_link(session, update.effective_chat.id)
    if link is None or link.role != "coordinator":
        await reply(update, say(link.lang if link else _user_lang(update), "coordinator_only"))
        return None
    return link


def _user_lang(update: Update) -> str:
    user = update.effective_user
    return "en" if user and (user.language_code or "").startswith("en") else "vi"


def _actor(update: Update) -> str:
    return f"telegram:{update.effective_chat.id}"
