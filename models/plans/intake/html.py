"""Reading a plan saved as a web page (.html) through lxml: every table, with rowspan and
colspan honoured, and <br> or a paragraph inside a cell separating its lines."""

from __future__ import annotations

from models.plans.intake.rows import Cell, Document, ReadError, Row

_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section"}


def read_html(text: str) -> Document:
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fromstring(text)
    except (ParserError, ValueError) as exc:
        raise ReadError(f"not an HTML page that can be read ({exc})") from None
    for junk in root.xpath("//script|//style|//noscript"):
        junk.drop_tree()
    tables = [_grid(table, n) for n, table in enumerate(root.iter("table"), start=1)]
    body = root.find("body") if root.find("body") is not None else root
    captions = [_caption(table) for table in root.iter("table")]
    return Document(tables, "\n".join(lines_of(body, skip_tables=True)), captions)


def _caption(table) -> str:
    """The table's own <caption>, or the last text before it among its siblings."""
    if (caption := table.find("caption")) is not None:
        return " ".join(caption.text_content().split())
    for sibling in table.itersiblings(preceding=True):
        if sibling.tag == "table":
            return ""
        if text := " ".join(sibling.text_content().split()):
            return text
    return ""


def lines_of(element, skip_tables: bool = False) -> list[str]:
    """An element's text as lines: a <br> or a block element starts a new line."""
    parts: list[str] = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if skip_tables and tag == "table":
            parts.append("\n")
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "br" or tag in _BLOCKS:
            parts.append("\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCKS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(element)
    return [line for line in "".join(parts).split("\n") if line.strip()]


def _grid(table, number: int) -> list[Row]:
    """The table's rows on a grid: a cell spanning rows appears in each (spanned), one
    spanning columns fills them (merged)."""
    pending: dict[int, tuple[int, Cell]] = {}  # column → rows left, the cell spanning down
    rows: list[Row] = []
    for r, tr in enumerate(tr for tr in table.iter("tr") if _own(tr, table)):
        cells: list[Cell] = []
        column = 0
        for td in (c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")):
            column = _fill_spans(cells, pending, column)
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            bold = td.tag == "th" or bool(td.xpath(".//b|.//strong"))
            cell = Cell.of(lines_of(td), paragraphs=True, bold=bold)
            cells.append(cell)
            cells += [Cell(merged=True, paragraphs=True) for _ in range(colspan - 1)]
            if rowspan > 1:
                for k in range(colspan):
                    pending[column + k] = (rowspan - 1, cell)
            column += colspan
        _fill_spans(cells, pending, column, to_end=True)
        rows.append(Row(cells, where=f"table {number}, row {r + 1}"))
    return rows


def _own(tr, table) -> bool:
    """A row of this table, not of a table nested inside one of its cells."""
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent is table


def _fill_spans(cells: list[Cell], pending: dict, column: int, to_end: bool = False) -> int:
    while column in pending or (to_end and any(c >= column for c in pending)):
        if column in pending:
            left, above = pending[column]
            cells.append(Cell(above.lines, paragraphs=True, spanned=True, bold=above.bold))
            if left > 1:
                pending[column] = (left - 1, above)
            else:
                del pending[column]
        else:
            cells.append(Cell(paragraphs=True))
        column += 1
    return column


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
