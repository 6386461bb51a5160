"""What the Zalo bot says, laid out for Zalo: plain text, numbered lines (no buttons), at
most 2,000 characters a message. The words are in templates/locale/vi/LC_MESSAGES/zalo.po."""

from __future__ import annotations

from models.calendar.periods import period_words
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
    text = task.text if len(task.text) <= 120 else task.text[:117] + "…"
    return word(key, n=n, code=task.code, task=text, period=period_words(ob.period), due=due(ob), **extra)


def reminder_text(link: ChatLink, items: list, plan: str) -> str:
    """A combined reminder on Zalo: a numbered line per task; the reply's number opens it.
    The list is remembered on the link, so "2" means the second line."""
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    lines = [word("reminder_head", count=len(items), plan=plan)]
    for n, item in enumerate(items, 1):
        task = Task(code=item.code, text=item.task, timing_kind="")
        lines.append(line("reminder_line", n, item.obligation, task, stage=stage_text("vi", item.stage)))
    ids = [i.obligation.id for i in items]
    # In the middle of an answer, the answer goes on; the list waits for it to end.
    link.awaiting = {**link.awaiting, "list": ids} if (link.awaiting or {}).get("obligation") else {"list": ids}
    return fit("\n".join(lines))


def fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"
