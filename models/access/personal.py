"""A person's data: everything dondoc holds on one contact of one unit, exported or erased on
request (Decree 13/2023/NĐ-CP; the Law on Personal Data Protection, in force 1/1/2026).

A person is found by unit and name. What they leave behind: their directory entry, their
chat links (Telegram chat ids, Zalo ids, e-mail addresses, phone numbers), invitations,
sign-in links and sessions, the events they caused or that name them, the messages sent to
them, the evidence they uploaded. Erasing replaces names, addresses and chat ids by a
pseudonym everywhere; the obligations and what was done on them stay, so reports still add up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import String, cast, or_
from sqlmodel import Session, select

from models.access.weblogin import end_sessions_of
from models.store.tables import (ChatLink, Contact, Event, Evidence, Invitation, Outbox, ReminderSent, WebLogin,
                                 ReportExport, WebSession, utcnow)

ERASED_TEXT = "[đã xóa theo yêu cầu của người được nhắn]"


class NoSuchPerson(LookupError):
    """Nobody of that name in that unit, in the directory or among the links."""


@dataclass
class Person:
    unit_id: str
    contact: str
    links: list[ChatLink]

    @property
    def chat_ids(self) -> set[int]:
        return {link.chat_id for link in self.links if link.chat_id is not None}

    @property
    def addresses(self) -> set[str]:
        return {link.address for link in self.links if link.address}

    @property
    def actors(self) -> set[str]:
        """How the audit trail names what this person did, on every channel."""
        return ({f"telegram:{chat}" for chat in self.chat_ids}
                | {f"{link.channel}:{link.address}" for link in self.links if link.address}
                | {f"web:{self.contact} ({self.unit_id})", f"web:{self.contact}"})

    @property
    def pseudonym(self) -> str:
        return "Người đã xóa " + hashlib.sha256(f"{self.unit_id}|{self.contact}".encode()).hexdigest()[:8]


def find_person(session: Session, unit_id: str, contact: str) -> Person:
    links = list(session.exec(select(ChatLink).where(ChatLink.unit_id == unit_id, ChatLink.contact == contact)))
    listed = session.exec(select(Contact).where(Contact.unit_id == unit_id, Contact.name == contact)).first()
    invited = session.exec(select(Invitation).where(Invitation.unit_id == unit_id, Invitation.contact == contact)).first()
    if not links and listed is None and invited is None:
        raise NoSuchPerson(f'nobody named "{contact}" in {unit_id}: no directory entry, link or invitation')
    return Person(unit_id, contact, links)


def _events(session: Session, person: Person) -> list[Event]:
    """Events the person caused, or whose details name them (their name, chat or address)."""
    marks = [json.dumps(v)[1:-1] for v in [person.contact, *person.addresses]] + [str(c) for c in person.chat_ids]
    named = or_(*[cast(column, String).contains(mark) for column in (Event.before, Event.after) for mark in marks])
    found = session.exec(select(Event).where(or_(Event.actor.in_(person.actors), named)).order_by(Event.id)).all()
    return [e for e in found if e.actor in person.actors or _names(e.before, person) or _names(e.after, person)]


def _is_theirs(value, person: Person) -> bool:
    """Whether a detail's value is the person's name, address or chat id."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return value == person.contact or value in person.addresses or value in person.chat_ids


def _names(details: dict | None, person: Person) -> bool:
    return any(_is_theirs(value, person) for value in (details or {}).values())


def _messages(session: Session, person: Person) -> list[Outbox]:
    to_them = []
    if person.chat_ids:
        to_them.append(Outbox.chat_id.in_(person.chat_ids))
    if person.addresses:
        to_them.append(Outbox.address.in_(person.addresses))
    return list(session.exec(select(Outbox).where(or_(*to_them)).order_by(Outbox.id))) if to_them else []


def _of_unit_and_name(session: Session, table, person: Person) -> list:
    return list(session.exec(select(table).where(table.unit_id == person.unit_id, table.contact == person.contact)))


def export_person(session: Session, unit_id: str, contact: str) -> dict:
    """Everything held on the person, as plain data (JSON-ready)."""
    person = find_person(session, unit_id, contact)

    def rows(items, *leave_out: str) -> list[dict]:
        return [_plain(item.model_dump(exclude=set(leave_out))) for item in items]
    listed = session.exec(select(Contact).where(Contact.unit_id == unit_id, Contact.name == contact)).all()
    return {
        "person": {"unit": unit_id, "contact": contact}, "exported_at": utcnow().isoformat(),
        "directory": rows(listed),
        "links": rows(person.links),
        "invitations": rows(_of_unit_and_name(session, Invitation, person), "token_hash"),
        "sign_in_links": rows(_of_unit_and_name(session, WebLogin, person), "token_hash"),
        "web_sessions": rows(_of_unit_and_name(session, WebSession, person), "token_hash", "link_signature"),
        "report_files": rows(_report_files(session, person), "content"),
        "events": rows(_events(session, person)),
        "messages": rows(_messages(session, person)),
        "evidence": rows(session.exec(select(Evidence).where(Evidence.uploaded_by.in_(person.actors))).all()),
    }


def _plain(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v for k, v in data.items()}


def erase_person(session: Session, unit_id: str, contact: str) -> dict[str, int]:
    """Replace the person's name, addresses and chat ids by a pseudonym everywhere dondoc keeps
    them, end their sessions, and empty the messages sent to them. Returns what changed, per kind."""
    person = find_person(session, unit_id, contact)
    alias, erased_actor = person.pseudonym, "erased:" + person.pseudonym[-8:]
    end_sessions_of(session, unit_id, contact)
    counts = {"events": 0, "messages": 0}
    for event in _events(session, person):
        event.actor = erased_actor if event.actor in person.actors else event.actor
        event.before, event.after = _scrubbed(event.before, person, alias), _scrubbed(event.after, person, alias)
        counts["events"] += 1
    for row in _messages(session, person):
        for sent in session.exec(select(ReminderSent).where(ReminderSent.outbox_key == row.idempotency_key)):
            sent.outbox_key = f"erased:{row.id}"
        row.idempotency_key, row.chat_id, row.address = f"erased:{row.id}", None, None
        row.payload = {"text": ERASED_TEXT}
        counts["messages"] += 1
    for evidence in session.exec(select(Evidence).where(Evidence.uploaded_by.in_(person.actors))):
        evidence.uploaded_by = erased_actor
    for login in session.exec(select(WebLogin).where(WebLogin.issued_by.in_(person.actors))):
        login.issued_by = erased_actor  # the link their chat asked for (someone else's, too)
    for link in person.links:
        link.contact, link.address, link.chat_id, link.awaiting = alias, None, None, None
        link.active, link.dead_reason = False, link.dead_reason or "erased on request"
    for report_file in _report_files(session, person):  # what they asked for goes with them
        session.delete(report_file)
    for table in (Invitation, WebLogin, WebSession):
        for item in _of_unit_and_name(session, table, person):
            item.contact = alias
            if table is Invitation:
                item.address, item.used_by_chat = None, None
    for listed in session.exec(select(Contact).where(Contact.unit_id == unit_id, Contact.name == contact)):
        listed.name, listed.phone, listed.email, listed.role = alias, None, None, None
    session.add(Event(kind="person_erased", actor="cli", after={"unit": unit_id, "pseudonym": alias}))
    return counts | {"links": len(person.links)}


def _report_files(session: Session, person: Person) -> list[ReportExport]:
    sessions = [web_session.id for web_session in _of_unit_and_name(session, WebSession, person)]
    return list(session.exec(select(ReportExport).where(ReportExport.session_id.in_(sessions)))) if sessions else []


def _scrubbed(details: dict | None, person: Person, alias: str) -> dict | None:
    if not details:
        return details
    return {k: (alias if v == person.contact else None) if _is_theirs(v, person) else v for k, v in details.items()}
