"""The simulated Telegram behind the Bot API stand-in: users, chats, messages, updates,
files, and the rules Telegram enforces, answering with Telegram's own errors.

Shapes and error texts follow `shared/TELEGRAM.md` (tdlib/telegram-bot-api and the live
API). Everything here is synchronous and guarded by one lock; the HTTP layer in
`server.py` maps requests onto it, and tests or the demo act as people through the
`user_*` / `group_*` methods.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import re
import threading
import time
from urllib.parse import urlparse
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from bots.standin.entities import EntityError, visible_text
from models.chase.outbox import Limits  # the same limits dondoc keeps: Telegram's, from its FAQ

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 << 20  # getFile refuses bigger files
MAX_UPLOAD = 50 << 20
CALLBACK_LIFETIME = 150.0  # seconds an answerCallbackQuery is accepted for
SENDING = {"sendMessage", "sendDocument"}
EDITING = {"editMessageText", "editMessageReplyMarkup"}


async def until(check, timeout: float = 10.0, poll: float = 0.02):
    """Wait for the bot (running in the same event loop) to make `check()` true; return its
    value. For the tests and the demo, which act as people and wait for the bot's answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(poll)
    raise TimeoutError(f"the bot did not answer within {timeout:g} s")


class ApiError(Exception):
    """An answer Telegram gives as {"ok": false, ...}."""

    def __init__(self, code: int, description: str, **parameters: Any):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> dict:
        body = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _true(value: Any) -> bool:
    return value in (True, "true", "True", "1")


def bad_request(text: str, **parameters: Any) -> ApiError:
    return ApiError(400, f"Bad Request: {text}", **parameters)


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


@dataclass
class Faults:
    """Failures to inject into sending and editing: a share answered 429, a share 5xx, and a
    share delivered but never answered (the client times out: did it go or not?)."""
    share_429: float = 0.0
    retry_after: int = 1
    share_5xx: float = 0.0
    share_unanswered: float = 0.0
    seed: int | None = None


@dataclass
class User:
    id: int
    first_name: str
    language_code: str = "vi"
    started: bool = False
    blocked: bool = False
    deactivated: bool = False

    def as_json(self) -> dict:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}


@dataclass
class Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str | None = None
    user: User | None = None  # for a private chat
    migrated_to: int | None = None
    bot_member: bool = True
    messages: list[dict] = field(default_factory=list)
    next_message_id: int = 1

    def as_json(self) -> dict:
        if self.type == "private":
            return {"id": self.id, "first_name": self.user.first_name, "type": "private"}
        return {"id": self.id, "title": self.title, "type": self.type}


@dataclass
class Received:
    """A message as the chat received it, for tests to read back."""
    chat_id: int
    message_id: int
    at: float
    text: str | None
    reply_markup: dict | None
    document: dict | None = None
    edited_at: float | None = None


class RateWindow:
    """Sliding-window counter: at most `limit` events per `window` seconds per key."""

    def __init__(self):
        self.events: dict[Any, deque] = {}

    def wait(self, key: Any, limit: int, window: float, now: float) -> float:
        """Seconds until one more event is allowed (0: allowed now)."""
        stamps = self.events.setdefault(key, deque())
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        return 0.0 if len(stamps) < limit else stamps[0] + window - now

    def add(self, key: Any, now: float) -> None:
        self.events.setdefault(key, deque()).append(now)


class World:
    def __init__(self, token: str = "123456:TEST-token-for-the-stand-in_000000000",
                 username: str = "dondoc_bot", limits: Limits | None = None,
                 clock: Callable[[], float] = time.time):
        self.lock = threading.RLock()
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.limits = limits or Limits()
        self.faults = Faults()
        self.clock = clock
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict] = []
        self.update_ids = itertools.count(100)
        self.callbacks: dict[str, dict] = {}  # id → {"created": t, "answered": answer or None}
        self.files: dict[str, dict] = {}  # file_id → {"content", "file_name", "mime_type", "path"}
        self.rates = RateWindow()
        self.violations = 0  # sends that broke a per-chat or per-group limit (each got a 429)
        self.answered_429 = 0
        self.fault_log: list[tuple] = []  # (kind, chat_id, at, retry_after) of injected faults
        self.webhook: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_allowed: list | None = None
        self.webhook_error: tuple[int, str] | None = None  # (date, message) of the last failed delivery
        self.http_webhooks_on_localhost = False  # a test-only switch: Telegram posts to https URLs only
        self.on_update: Callable[[], None] = lambda: None  # the server wakes long polls
        self.on_answer: Callable[[str], None] = lambda query_id: None  # benchmarks time answers
        self._random = random.Random()
        self._file_numbers = itertools.count()

    # --- people and chats (the control side) -------------------------------------------

    def add_user(self, user_id: int, first_name: str, language_code: str = "vi") -> User:
        with self.lock:
            user = self.users[user_id] = User(user_id, first_name, language_code)
            self.chats[user_id] = Chat(user_id, "private", user=user)
            return user

    def add_group(self, chat_id: int, title: str, supergroup: bool = False) -> Chat:
        with self.lock:
            chat = self.chats[chat_id] = Chat(chat_id, "supergroup" if supergroup else "group", title)
            return chat

    def user_starts(self, user_id: int, payload: str | None = None) -> dict:
        """The user presses Start (with a deep-link payload: t.me/<bot>?start=<payload>);
        after blocking the bot, this restores it."""
        with self.lock:
            user = self.users[user_id]
            if user.blocked:
                self._bot_status_changes(self.chats[user_id], user, "kicked", "member")
            user.started, user.blocked = True, False
            return self.user_sends(user_id, f"/start {payload}" if payload else "/start")

    def user_blocks(self, user_id: int) -> None:
        with self.lock:
            self.users[user_id].blocked = True
            self._bot_status_changes(self.chats[user_id], self.users[user_id], "member", "kicked")

    def bot_removed_from_group(self, chat_id: int, by_user: int) -> None:
        """A member removes the bot from a group: the bot can no longer write there."""
        with self.lock:
            chat = self.chats[chat_id]
            chat.bot_member = False
            self._bot_status_changes(chat, self.users[by_user], "member", "left")

    def _bot_status_changes(self, chat: Chat, by: User, old: str, new: str) -> None:
        """Telegram tells the bot of a change of its own membership in a chat (my_chat_member)."""
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "Đôn đốc", "username": self.username}

        def member(status: str) -> dict:  # a "kicked" member carries until_date (0: for good)
            return {"user": bot, "status": status} | ({"until_date": 0} if status == "kicked" else {})
        self._push({"my_chat_member": {"chat": chat.as_json(), "from": by.as_json(), "date": int(self.clock()),
                                       "old_chat_member": member(old), "new_chat_member": member(new)}})

    def user_sends(self, user_id: int, text: str, chat_id: int | None = None,
                   reply_to: int | None = None) -> dict:
        """A user writes in a chat (optionally replying to one of its messages). In a group,
        privacy mode lets the bot see only commands, replies to the bot and mentions of it."""
        with self.lock:
            chat = self.chats[chat_id if chat_id is not None else user_id]
            fields: dict = {"text": text}
            if reply_to is not None:
                fields["reply_to_message"] = self._public(next(m for m in chat.messages if m["message_id"] == reply_to))
            message = self._user_message(chat, self.users[user_id], fields)
            command = re.match(r"/\w+(@\w+)?", text)
            if command:
                message["entities"] = [{"offset": 0, "length": command.end(), "type": "bot_command"}]
            if self._bot_sees(chat, message):
                self._push({"message": message})
            return message

    def _bot_sees(self, chat: Chat, message: dict) -> bool:
        if chat.type == "private":
            return True
        replied = message.get("reply_to_message", {}).get("from", {})
        text = message.get("text") or ""
        return bool(message.get("entities")) or replied.get("id") == self.bot_id or f"@{self.username}" in text

    def user_sends_photo(self, user_id: int, content: bytes, chat_id: int | None = None) -> dict:
        with self.lock:
            chat = self.chats[chat_id if chat_id is not None else user_id]
            stored = self._store_file("photo.jpg", content, "image/jpeg")
            size = {"file_id": stored["file_id"], "file_unique_id": stored["file_unique_id"],
                    "file_size": stored["file_size"], "width": 1280, "height": 960}
            message = self._user_message(chat, self.users[user_id], {"photo": [size]})
            self._push({"message": message})
            return message

    def user_uploads(self, user_id: int, file_name: str, content: bytes, mime_type: str = "application/pdf",
                     chat_id: int | None = None, caption: str | None = None) -> dict:
        with self.lock:
            chat = self.chats[chat_id if chat_id is not None else user_id]
            document = self._store_file(file_name, content, mime_type)
            fields = {"document": document} | ({"caption": caption} if caption else {})
            message = self._user_message(chat, self.users[user_id], fields)
            self._push({"message": message})
            return message

    def user_presses(self, user_id: int, message_id: int, button_text: str | None = None,
                     data: str | None = None, chat_id: int | None = None) -> str:
        """Press an inline button of a bot message (by its text), or send `data` as a
        modified client could: returns the callback query id."""
        with self.lock:
            chat = self.chats[chat_id if chat_id is not None else user_id]
            message = next(m for m in chat.messages if m["message_id"] == message_id)
            if data is None:
                buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
                data = next(b["callback_data"] for b in buttons if b["text"] == button_text)
            query_id = str(self._random.randrange(10**15, 10**16))
            self.callbacks[query_id] = {"created": self.clock(), "answer": None, "data": data}
            self._push({"callback_query": {
                "id": query_id, "from": self.users[user_id].as_json(), "message": message,
                "chat_instance": str(-abs(hash((chat.id, self.bot_id))) % 10**18), "data": data}})
            return query_id

    def group_migrates(self, chat_id: int, new_id: int | None = None) -> int:
        """The group becomes a supergroup with a new id; the old id answers 400 + migrate_to_chat_id."""
        with self.lock:
            old = self.chats[chat_id]
            new_id = new_id or int(f"-100{abs(chat_id)}")
            old.migrated_to = new_id
            new = self.chats[new_id] = Chat(new_id, "supergroup", old.title)
            # the service messages both chats show (TBA: migrate_to_chat_id, migrate_from_chat_id)
            someone = next(iter(self.users.values()), None)
            sender = someone.as_json() if someone else {"id": 1, "is_bot": False, "first_name": "?"}
            self._push({"message": self._public(self._new_message(old, sender, {"migrate_to_chat_id": new_id}))})
            self._push({"message": self._public(self._new_message(new, sender, {"migrate_from_chat_id": chat_id}))})
            return new_id

    def received(self, chat_id: int) -> list[Received]:
        """What a chat received from the bot, oldest first, with the time of each."""
        with self.lock:
            return [Received(chat_id, m["message_id"], m["date_float"], m.get("text"), m.get("reply_markup"),
                             m.get("document"), m.get("edited_at"))
                    for m in self.chats[chat_id].messages if m["from"].get("is_bot")]

    def answer_of(self, query_id: str) -> dict | None:
        with self.lock:
            return self.callbacks[query_id]["answer"]

    # --- the Bot API (the server side) --------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Run one Bot API method; raise ApiError as Telegram would answer."""
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        with self.lock:
            return handler(params)

    def check_token(self, token: str) -> None:
        if not token or ":" not in token:
            raise ApiError(404, "Not Found")
        if token.startswith("0") or len(token) > 80 or "/" in token:
            raise ApiError(401, "Unauthorized: invalid token specified")
        if token != self.token:
            raise ApiError(401, "Unauthorized")

    def inject_fault(self, method: str) -> str | None:
        """'429', '5xx', 'unanswered' or None, drawn for a sending or editing method."""
        if method not in SENDING | EDITING:
            return None
        f = self.faults
        if f.seed is not None:
            self._random.seed(f.seed)
            f.seed = None
        draw = self._random.random()
        if draw < f.share_429:
            return "429"
        if draw < f.share_429 + f.share_5xx:
            return "5xx"
        if draw < f.share_429 + f.share_5xx + f.share_unanswered:
            return "unanswered"
        return None

    def api_getme(self, _params: dict) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Đôn đốc", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def api_setwebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        local = urlparse(url).hostname == "127.0.0.1" and self.http_webhooks_on_localhost
        if url and not url.startswith("https://") and not local:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if _true(params.get("drop_pending_updates")):
            self.updates = []
        self.webhook, self.webhook_secret = url or None, params.get("secret_token") or None
        self.webhook_allowed = params.get("allowed_updates")
        self.webhook_error = None
        return True

    def api_deletewebhook(self, params: dict) -> bool:
        if _true(params.get("drop_pending_updates")):
            self.updates = []
        self.webhook = self.webhook_secret = None
        return True

    def api_getwebhookinfo(self, _params: dict) -> dict:
        info = {"url": self.webhook or "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}
        if self.webhook:
            info |= {"max_connections": 40, "ip_address": "127.0.0.1"}
            if self.webhook_allowed:
                info["allowed_updates"] = self.webhook_allowed
            if self.webhook_error:
                info |= {"last_error_date": self.webhook_error[0], "last_error_message": self.webhook_error[1]}
        return info

    def next_for_webhook(self) -> tuple[str, str | None, dict] | None:
        """(url, secret, the oldest update) when a webhook is set and an update waits for it."""
        with self.lock:
            return (self.webhook, self.webhook_secret, self.updates[0]) if self.webhook and self.updates else None

    def webhook_answered(self, update: dict, error: str | None) -> None:
        """The webhook took the update (error None: it is confirmed) or failed (kept, retried)."""
        with self.lock:
            if error is None:
                self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]
            else:
                self.webhook_error = (int(self.clock()), error)

    def pending_updates(self, offset: int | None, limit: int) -> list[dict]:
        """Confirm updates below `offset`, return up to `limit` of the rest (negative offset:
        the last |offset| only)."""
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if offset is not None and offset < 0:
            self.updates = self.updates[offset:]
        elif offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return self.updates[:max(1, min(limit, 100))]

    def api_sendmessage(self, params: dict) -> dict:
        chat = self._target(params)
        text = params.get("text") or ""
        if not text.strip():
            raise bad_request("message text is empty")
        shown = self._visible_text(text, params.get("parse_mode"))
        if len(shown) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = self._markup(params.get("reply_markup"))
        self._count_send(chat)
        return self._bot_message(chat, {"text": shown} | ({"reply_markup": markup} if markup else {}))

    def api_senddocument(self, params: dict) -> dict:
        chat = self._target(params)
        document = params.get("document")
        if isinstance(document, dict):  # an upload: {"file_name", "content", "mime_type"}
            if len(document["content"]) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store_file(document["file_name"], document["content"], document.get("mime_type"))
        else:
            stored = self._known_file(document)
        self._count_send(chat)
        caption = params.get("caption")
        return self._bot_message(chat, {"document": stored} | ({"caption": caption} if caption else {}))

    def api_editmessagetext(self, params: dict) -> dict:
        chat, message = self._bot_message_for_edit(params)
        text = self._visible_text(params.get("text") or "", params.get("parse_mode"))
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = self._markup(params.get("reply_markup"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise bad_request("message is not modified: specified new message content and reply markup are "
                              "exactly the same as a current content and reply markup of the message")
        message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return self._edited(message)

    def api_editmessagereplymarkup(self, params: dict) -> dict:
        _chat, message = self._bot_message_for_edit(params)
        markup = self._markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request("message is not modified: specified new message content and reply markup are "
                              "exactly the same as a current content and reply markup of the message")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return self._edited(message)

    def api_answercallbackquery(self, params: dict) -> bool:
        query = self.callbacks.get(str(params.get("callback_query_id")))
        if query is None or query["answer"] is not None or self.clock() - query["created"] > CALLBACK_LIFETIME:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        query["answer"] = {"text": params.get("text"), "show_alert": bool(params.get("show_alert")),
                           "at": self.clock()}
        self.on_answer(str(params.get("callback_query_id")))
        return True

    def api_getfile(self, params: dict) -> dict:
        file_id = params.get("file_id")
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        result = {"file_id": file_id, "file_unique_id": stored["unique_id"], "file_size": len(stored["content"])}
        if len(stored["content"]) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return result | {"file_path": stored["path"]}

    def download(self, path: str) -> bytes | None:
        with self.lock:
            return next((f["content"] for f in self.files.values() if f["path"] == path), None)

    # --- rules ---------------------------------------------------------------------------

    def _target(self, params: dict) -> Chat:
        """The chat a send goes to, or the error Telegram gives for it."""
        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to:
            raise bad_request("group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to)
        if chat.type == "private":
            user = chat.user
            if user.deactivated:
                raise forbidden("user is deactivated")
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif not chat.bot_member:
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        return chat

    def _count_send(self, chat: Chat) -> None:
        """Telegram's flood control: a send over a limit gets 429 with retry_after."""
        now, lim = self.clock(), self.limits
        checks = [("bot", lim.per_bot, lim.per_bot_window)]
        if chat.type == "private":
            checks.append((("chat", chat.id), lim.per_chat, lim.per_chat_window))
        else:
            checks.append((("group", chat.id), lim.per_group, lim.per_group_window))
        for key, limit, window in checks:
            wait = self.rates.wait(key, limit, window, now)
            if wait > 0:
                self.answered_429 += 1
                if key != "bot":
                    self.violations += 1
                retry = max(1, math.ceil(wait))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        for key, _limit, _window in checks:
            self.rates.add(key, now)

    @staticmethod
    def _visible_text(text: str, parse_mode: str | None) -> str:
        if not parse_mode:
            return text
        try:
            return visible_text(text, parse_mode)
        except EntityError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None

    @staticmethod
    def _markup(markup: Any) -> dict | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup

    def _bot_message_for_edit(self, params: dict) -> tuple[Chat, dict]:
        chat = self._target(params)
        message_id = int(params.get("message_id") or 0)
        message = next((m for m in chat.messages if m["message_id"] == message_id and m["from"].get("is_bot")), None)
        if message is None:
            raise bad_request("message to edit not found")
        return chat, message

    def _edited(self, message: dict) -> dict:
        message["edited_at"] = self.clock()
        message["edit_date"] = int(message["edited_at"])
        return self._public(message)

    # --- storage -------------------------------------------------------------------------

    def _push(self, update: dict) -> None:
        self.updates.append({"update_id": next(self.update_ids), **update})
        self.on_update()

    def _new_message(self, chat: Chat, sender: dict, fields: dict) -> dict:
        now = self.clock()
        message = {"message_id": chat.next_message_id, "from": sender, "chat": chat.as_json(), "date": int(now),
                   "date_float": now, **fields}
        chat.next_message_id += 1
        chat.messages.append(message)
        return message

    def _user_message(self, chat: Chat, user: User, fields: dict) -> dict:
        return self._public(self._new_message(chat, user.as_json(), fields))

    def _bot_message(self, chat: Chat, fields: dict) -> dict:
        sender = {"id": self.bot_id, "is_bot": True, "first_name": "Đôn đốc", "username": self.username}
        return self._public(self._new_message(chat, sender, fields))

    @staticmethod
    def _public(message: dict) -> dict:
        """The message as the API returns it: only an inline keyboard comes back as reply_markup
        (a ForceReply or a reply keyboard is kept for read-back only)."""
        public = {k: v for k, v in message.items() if k not in ("date_float", "edited_at")}
        if "inline_keyboard" not in (public.get("reply_markup") or {"inline_keyboard": 1}):
            del public["reply_markup"]
        return public

    def _store_file(self, file_name: str, content: bytes, mime_type: str | None) -> dict:
        number = next(self._file_numbers)
        file_id = f"BQACAgIAAxkB{number:06d}{self._random.randrange(16**8):08x}"
        unique_id = f"AgAD{number:06d}"
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        self.files[file_id] = {"content": content, "file_name": file_name, "mime_type": mime_type,
                               "unique_id": unique_id, "path": f"documents/file_{number}.{extension}"}
        return {"file_name": file_name, "mime_type": mime_type or "application/octet-stream", "file_id": file_id,
                "file_unique_id": unique_id, "file_size": len(content)}

    def _known_file(self, file_id: Any) -> dict:
        stored = self.files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("wrong remote file identifier specified: Wrong padding in the string")
        return {"file_name": stored["file_name"], "mime_type": stored["mime_type"], "file_id": file_id,
                "file_unique_id": stored["unique_id"], "file_size": len(stored["content"])}
