"""What the bot does to the database, as plain functions over a Session: invitations and
chat links, who may act on what, evidence, and update de-duplication. No Telegram here."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from pathlib import Path

from sqlmodel import Session, select

from models.engine.lifecycle import ACTIVE
from models.access.weblogin import end_sessions_of
from models.common.text import plain_text
from models.store.tables import ChatLink, Contact, Event, Evidence, Invitation, Obligation, Plan, SeenUpdate, Task, utcnow

INVITATION_LIFETIME = dt.timedelta(days=7)
MAX_EVIDENCE = 20 << 20  # what the bot can download (getFile's limit)


class InvitationError(Exception):
    """An invitation that cannot be used: unknown, used or expired."""


class NotAllowed(Exception):
    """This chat may not act on this obligation."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- invitations and links -------------------------------------------------------

# assignee: reports on the unit's obligations; head: the unit's leader, also gets escalations;
# coordinator: of the plan's coordinating unit, approves extensions and gets digests.
ROLES = ("assignee", "head", "coordinator")


def create_invitation(session: Session, unit_id: str, contact: str, role: str = "assignee",
                      now: dt.datetime | None = None, lifetime: dt.timedelta = INVITATION_LIFETIME,
                      actor: str = "cli") -> str:
    """A new single-use token (32 characters of A-Za-z0-9_-, fits a /start payload)."""
    token = secrets.token_urlsafe(24)
    new_invitation(session, unit_id, contact, role, actor, now, lifetime=lifetime).token_hash = token_digest(token)
    return token


def new_invitation(session: Session, unit_id: str, contact: str, role: str, actor: str,
                   now: dt.datetime | None = None, channel: str = "telegram", address: str | None = None,
                   lifetime: dt.timedelta = INVITATION_LIFETIME) -> Invitation:
    """An invitation, on the record; the caller sets the hash of the token it hands out."""
    if role not in ROLES:
        raise ValueError(f"role is one of {', '.join(ROLES)}, not {role!r}")
    now = now or utcnow()
    invitation = Invitation(token_hash=secrets.token_hex(32), unit_id=unit_id, contact=contact, role=role,
                            created_at=now, expires_at=now + lifetime, channel=channel, address=address)
    session.add(invitation)
    session.add(Event(kind="invitation_created", actor=actor, after={"unit": unit_id, "contact": contact, "role": role}
                      | ({"channel": channel} if channel != "telegram" else {})))
    return invitation


def usable_invitation(session: Session, token: str, now: dt.datetime, channels: tuple[str, ...]) -> Invitation:
    """The invitation a token names, locked, if it can still be used on one of these channels."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token or ""):
        raise InvitationError("unknown")
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == token_digest(token))
                              .with_for_update()).first()
    if invitation is None or invitation.channel not in channels:
        raise InvitationError("unknown")
    if invitation.used_at is not None:
        raise InvitationError("used")
    if invitation.expires_at <= now:
        raise InvitationError("expired")
    return invitation


def redeem_invitation(session: Session, token: str, chat_id: int, lang: str, now: dt.datetime | None = None) -> ChatLink:
    """Link a chat to the invitation's unit and contact; the token cannot be used again."""
    now = now or utcnow()
    invitation = usable_invitation(session, token, now, ("telegram",))
    invitation.used_at, invitation.used_by_chat = now, chat_id
    for old in session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id, ChatLink.active)):
        old.active, old.unlinked_at = False, now  # one chat speaks for one unit at a time
    link = ChatLink(chat_id=chat_id, unit_id=invitation.unit_id, contact=invitation.contact, role=invitation.role,
                    lang=lang if lang in ("vi", "en") else "vi", linked_at=now)
    session.add(link)
    session.add(Event(kind="chat_linked", actor=f"telegram:{chat_id}",
                      after={"unit": invitation.unit_id, "contact": invitation.contact, "role": invitation.role}))
    return link


ADDRESS_PATTERNS = {"email": r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", "sms": r"(\+?84|0)\d{9,10}"}


def invite_by_address(session: Session, channel: str, unit_id: str, contact: str, address: str,
                      role: str = "assignee", actor: str = "cli", now: dt.datetime | None = None) -> Invitation:
    """An invitation sent to an e-mail address or a phone number: the person opens its link
    and confirms, and from then on reminders reach them there. Its token is derived from the
    site's secret (models.access.signed.invitation_token) when the message leaves; only its hash is stored."""
    from models.access.signed import invitation_token

    address = address.strip() if channel == "email" else re.sub(r"[\s.-]", "", address)
    too_long = channel == "email" and (len(address) > 254 or len(address.partition("@")[0]) > 64)  # RFC 5321
    if channel not in ADDRESS_PATTERNS or too_long or not re.fullmatch(ADDRESS_PATTERNS[channel], address):
        shown = address if len(address) <= 80 else address[:77] + "…"
        raise ValueError(f"not {'an e-mail address' if channel == 'email' else 'a phone number'}: {shown!r}")
    invitation = new_invitation(session, unit_id, contact, role, actor, now, channel, address)
    session.flush()  # its id names the token
    invitation.token_hash = token_digest(invitation_token(invitation.id))
    return invitation


def redeem_address_invitation(session: Session, token: str, now: dt.datetime | None = None) -> ChatLink:
    """The person confirmed the invitation sent to their address: it speaks for the unit."""
    now = now or utcnow()
    invitation = usable_invitation(session, token, now, tuple(ADDRESS_PATTERNS))
    return link_address(session, invitation, invitation.address, now)


def link_address(session: Session, invitation: Invitation, address: str, now: dt.datetime) -> ChatLink:
    """Use the invitation: from now on `address` on its channel (an e-mail address, a phone,
    a Zalo chat) speaks for its unit, and for no other."""
    invitation.used_at = now
    for old in session.exec(select(ChatLink).where(ChatLink.channel == invitation.channel,
                                                   ChatLink.address == address, ChatLink.active)):
        old.active, old.unlinked_at = False, now
    link = ChatLink(channel=invitation.channel, address=address, unit_id=invitation.unit_id,
                    contact=invitation.contact, role=invitation.role, linked_at=now)
    session.add(link)
    session.add(Event(kind="chat_linked", actor=f"{invitation.channel}:{address}",
                      after={"unit": invitation.unit_id, "contact": invitation.contact, "role": invitation.role,
                             "channel": invitation.channel}))
    return link


def active_link(session: Session, chat_id: int) -> ChatLink | None:
    return session.exec(select(ChatLink).where(ChatLink.chat_id == chat_id, ChatLink.active)).first()


def unlink(session: Session, chat_id: int, actor: str) -> bool:
    link = active_link(session, chat_id)
    if link is None:
        return False
    link.active, link.unlinked_at = False, utcnow()
    session.add(Event(kind="chat_unlinked", actor=actor, before={"chat": chat_id, "unit": link.unit_id}))
    end_sessions_of(session, link.unit_id, link.contact)  # no longer speaks for the unit anywhere
    return True


# --- who may act on what ---------------------------------------------------------

def authorize(session: Session, chat_id: int, obligation_id: int, as_coordinator: bool = False) -> tuple[ChatLink, Obligation]:
    """The chat's link and the obligation, if this chat may act on it; else NotAllowed
    (and the attempt is recorded)."""
    link = active_link(session, chat_id)
    # the obligation with its task, in one read (every action shows the task next)
    found = session.exec(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                         .where(Obligation.id == obligation_id)).first()
    ob = found[0] if found else None
    allowed = link is not None and ob is not None and (
        _coordinates(session, link, ob) if as_coordinator else link.unit_id == ob.unit_id)
    if not allowed:
        session.add(Event(kind="refused", actor=f"telegram:{chat_id}",
                          obligation_id=ob.id if ob else None,
                          note=f"{'coordinator' if as_coordinator else 'assignee'} action on obligation "
                               f"{obligation_id} from a chat not linked to it"))
        raise NotAllowed(obligation_id)
    return link, ob


def _coordinates(session: Session, link: ChatLink, ob: Obligation) -> bool:
    if link.role != "coordinator":
        return False
    plan = session.exec(select(Plan).join(Task, Task.plan_id == Plan.id).where(Task.id == ob.task_id)).one()
    return plan.coordinator_unit_id == link.unit_id


def coordinator_chats(session: Session, obligation: Obligation) -> list[ChatLink]:
    plan = session.exec(select(Plan).join(Task, Task.plan_id == Plan.id).where(Task.id == obligation.task_id)).one()
    return list(session.exec(select(ChatLink).where(ChatLink.unit_id == plan.coordinator_unit_id,
                                                    ChatLink.role == "coordinator", ChatLink.active)))


def open_for_unit(session: Session, unit_id: str) -> list[tuple[Obligation, Task]]:
    """The unit's obligations being worked on, soonest deadline first (check-ins last)."""
    rows = session.exec(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == unit_id, Obligation.status.in_([s.value for s in ACTIVE]))
                        .order_by(Obligation.no_deadline, Obligation.due_at, Task.code))
    return list(rows)


# --- evidence and updates ----------------------------------------------------------

# Evidence is a document or a picture: minutes, a decision, a photo of a meeting. A page, a
# script or a program is refused (an HTML file served back would run in the dashboard's origin).
EVIDENCE_TYPES = {
    ".pdf": "application/pdf", ".doc": "application/msword", ".rtf": "application/rtf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain", ".csv": "text/csv", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".gif": "image/gif", ".webp": "image/webp", ".heic": "image/heic", ".tif": "image/tiff", ".tiff": "image/tiff"}


class EvidenceRefused(ValueError):
    """A file that cannot be kept as evidence; the key names why (evidence_size, evidence_type)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def evidence_name(file_name: str) -> str:
    """The name a file is kept and shown under: its last path part, printable, no bidi tricks."""
    name = plain_text(file_name.replace("\\", "/").rsplit("/", 1)[-1]).strip()[:200]
    return name or "tep"


def store_evidence(session: Session, ob: Obligation, content: bytes, file_name: str, mime_type: str | None,
                   actor: str, folder: Path) -> Evidence:
    """Keep the file under its sha256 (the same file twice is stored once) and link it. Its type
    is the one its name says, from EVIDENCE_TYPES, never what the sender claimed."""
    if len(content) > MAX_EVIDENCE or not content:
        raise EvidenceRefused("evidence_size")
    file_name = evidence_name(file_name)
    mime_type = EVIDENCE_TYPES.get(Path(file_name).suffix.lower())
    if mime_type is None:
        raise EvidenceRefused("evidence_type")
    digest = hashlib.sha256(content).hexdigest()
    path = folder / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(path)  # never a half-written file under the final name
    evidence = Evidence(obligation_id=ob.id, sha256=digest, size=len(content), file_name=file_name,
                        mime_type=mime_type, uploaded_by=actor)
    session.add(evidence)
    session.add(Event(kind="evidence", actor=actor, obligation_id=ob.id,
                      after={"sha256": digest, "file_name": file_name, "size": len(content)}))
    return evidence


def seen_before(connection, update_id: int) -> bool:
    """Whether an update id was handled before (Telegram redelivered it): one indexed read."""
    return connection.execute(select(SeenUpdate.update_id).where(SeenUpdate.update_id == update_id)).first() is not None


def record_seen(session: Session, update_id: int) -> None:
    """Record an update as handled, in the transaction of what handling it changed: one commit
    per update. Two deliveries handled at once cannot both commit (the id is the key)."""
    session.add(SeenUpdate(update_id=update_id))


def coordinator_address(session: Session, plan: Plan) -> str | None:
    """Where a reply about the plan should go: the e-mail of its coordinating unit's linked
    coordinator, else of a contact of that unit with one ("Name <address>")."""
    from email.utils import formataddr

    linked = session.exec(select(ChatLink).where(ChatLink.unit_id == plan.coordinator_unit_id, ChatLink.active,
                                                 ChatLink.channel == "email", ChatLink.role == "coordinator")).first()
    if linked is not None:
        return formataddr((linked.contact, linked.address))
    contact = session.exec(select(Contact).where(Contact.unit_id == plan.coordinator_unit_id,
                                                 Contact.email.is_not(None)).order_by(Contact.id)).first()
    return formataddr((contact.name, contact.email)) if contact is not None else None
