"""Charts drawn on the server as SVG: the four-way split per area, a rate over periods, an
index over years. Colours are the Okabe–Ito set, told apart with colour-blindness; every
bar and point also carries its number, in text and in a tooltip."""

from __future__ import annotations

from markupsafe import Markup, escape

from models.report.rollup import REPORT_FOUR, Category, Tally

COLOURS = {Category.done_on_time: "#007A5A", Category.done_late: "#56B4E9",
           Category.open_on_time: "#F0E442", Category.open_overdue: "#B34700"}


def split_bars(rows: list[tuple[str, Tally]], labels: dict, width: int = 760) -> Markup:
    """One horizontal bar per row (an area's title and its four-way split)."""
    label_width, bar_height, gap = 280, 18, 8
    scale = max((sum(t[c] for c in REPORT_FOUR) for _, t in rows), default=0) or 1
    bar_room = width - label_width - 60
    parts = []
    for i, (label, tally) in enumerate(rows):
        y = i * (bar_height + gap)
        short = label if len(label) <= 42 else label[:40] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" class="label">'
                     f'<title>{escape(label)}</title>{escape(short)}</text>')
        x = label_width
        for category in REPORT_FOUR:
            count = tally[category]
            if not count:
                continue
            w = count / scale * bar_room
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{COLOURS[category]}">'
                         f'<title>{escape(labels[category])}: {count}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="value">{sum(tally[c] for c in REPORT_FOUR)}</text>')
    height = max(len(rows), 1) * (bar_height + gap)
    return _svg(width, height, parts, "split")


def legend(labels: dict) -> Markup:
    # a class, not a style attribute: the Content-Security-Policy allows no inline style
    items = "".join(f'<span class="key"><i class="{c.value}"></i>{escape(labels[c])}</span>' for c in REPORT_FOUR)
    return Markup(f'<div class="legend">{items}</div>')


def line(points: list[tuple[str, float | None]], top: float, unit: str = "", width: int = 560,
         height: int = 180) -> Markup:
    """A line over labelled points (periods, years); gaps where a value is missing."""
    if not points:
        return Markup("")
    left, bottom, right = 44, 28, 16
    room_x, room_y = width - left - right, height - bottom - 12
    step = room_x / max(len(points) - 1, 1)
    parts = [f'<line x1="{left}" y1="{12 + room_y}" x2="{width - right}" y2="{12 + room_y}" class="axis"/>',
             f'<text x="{left - 6}" y="16" text-anchor="end" class="label">{_number(top)}{unit}</text>',
             f'<text x="{left - 6}" y="{12 + room_y}" text-anchor="end" class="label">0</text>']
    path, previous = [], None
    for i, (label, value) in enumerate(points):
        x = left + i * step if len(points) > 1 else left + room_x / 2
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="label">{escape(label)}</text>')
        if value is None:
            previous = None
            continue
        y = 12 + room_y * (1 - min(value, top) / top)
        path.append(f'{"L" if previous else "M"}{x:.1f},{y:.1f}')
        previous = (x, y)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"><title>{escape(label)}: '
                     f'{_number(value)}{unit}</title></circle>'
                     f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" class="value">{_number(value)}{unit}</text>')
    parts.insert(0, f'<path d="{" ".join(path)}" class="trend"/>')
    return _svg(width, height, parts, "line")


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def _svg(width: int, height: int, parts: list[str], kind: str) -> Markup:
    return Markup(f'<svg class="chart {kind}" role="img" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
