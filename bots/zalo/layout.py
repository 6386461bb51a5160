"""What the Zalo bot says, laid out for Zalo: plain text, numbered lines (no buttons), at
most 2,000 characters a message. The words are in templates/locale/vi/LC_MESSAGES/zalo.po."""

from __future__ import annotations

from models.calendar.periods import period_words
from models.common.text import cut_at_word
from models.common.texts import catalogue, day_text, stage_text
from models.store.tables import ChatLink, Obligation, Task

MAX_TEXT = 2000

def word(key: str, **values) -> str:
    """What the Zalo bot says (templates/locale/vi/LC_MESSAGES/zalo.po; plain text)."""
    return catalogue("zalo", "vi")[key].format(**values)


def due(ob: Obligation) -> str:
    """A deadline as a line shows it; a check-in has none."""
    return word("no_deadline") if ob.no_deadline else day_text(ob.due_at)


def line(key: str, n: int, ob: Obligation, task: Task, **extra) -> str:
    return word(key, n=n, code=task.code, task=cut_at_word(task.text, 120), period=period_words(ob.period),
                due=due(ob), **extra)


def reminder_text(link: ChatLink, items: list, plan: str) -> str:
    """A combined reminder on Zalo: a numbered line per task; the reply's number opens it.
    The list is remembered on the link, so "2" means the second line. A list longer than one
    message is paged, never cut: the numbers run on across pages, and "TIẾP" sends the next."""
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    lines = []
    for n, item in enumerate(items, 1):
        task = Task(code=item.code, text=item.task, timing_kind="")
        lines.append(line("reminder_line", n, item.obligation, task, stage=stage_text("vi", item.stage)))
    pages = paged(word("reminder_head", count=len(items), plan=plan), lines)
    ids = [i.obligation.id for i in items]
    waiting = {"list": ids, "more": pages[1:]}
    # In the middle of an answer, the answer goes on; the list waits for it to end.
    link.awaiting = {**link.awaiting, **waiting} if (link.awaiting or {}).get("obligation") else waiting
    return pages[0]


def paged(head: str, lines: list[str]) -> list[str]:
    """Messages of at most MAX_TEXT characters holding every line: the head on the first, and
    "trang 1/3 …" at the foot of each when there is more than one."""
    room = MAX_TEXT - len(head) - len(word("page_foot", page=99, pages=99)) - 2
    chunks: list[list[str]] = [[]]
    for text in (fit(line_) for line_ in lines):
        if chunks[-1] and sum(len(t) + 1 for t in chunks[-1]) + len(text) > room:
            chunks.append([])
        chunks[-1].append(text)
    if len(chunks) == 1:
        return ["\n".join([head, *chunks[0]])]
    return ["\n".join([head] * (n == 1) + chunk +
                      [word("page_foot" if n < len(chunks) else "page_last", page=n, pages=len(chunks))])
            for n, chunk in enumerate(chunks, 1)]


def fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"
