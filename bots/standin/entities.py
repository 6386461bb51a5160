"""What Telegram shows of a formatted message, and its errors for bad formatting.

Only what dondoc sends is modelled closely: Telegram's HTML subset. Markdown gets the
one check that matters (an entity left open)."""

from __future__ import annotations

import html
import re

HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
             "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class EntityError(Exception):
    """Telegram's "can't parse entities" reason."""


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _html_text(text: str) -> str:
    shown, stack, index = [], [], 0
    while index < len(text):
        if text[index] != "<":
            stop = text.find("<", index)
            stop = len(text) if stop < 0 else stop
            shown.append(_ENTITY.sub(lambda m: html.unescape(m.group()), text[index:stop]))
            index = stop
            continue
        match = _TAG.match(text, index)
        if match is None:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, index)}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in HTML_TAGS:
            kind = "end" if closing else "start"
            raise EntityError(f'Unsupported {kind} tag "{name}" at byte offset {_byte_offset(text, index)}')
        if closing:
            if not stack or stack[-1] != name:
                raise EntityError(f"Unmatched end tag at byte offset {_byte_offset(text, index)}, "
                                  f'expected "</{stack[-1]}>", found "</{name}>"' if stack else
                                  f'Unexpected end tag at byte offset {_byte_offset(text, index)}')
            stack.pop()
        else:
            stack.append(name)
        index = match.end()
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(shown)


def _markdown_text(text: str) -> str:
    for marker in ("*", "_", "`"):
        unescaped = [m.start() for m in re.finditer(rf"(?<!\\){re.escape(marker)}", text)]
        if len(unescaped) % 2:
            offset = _byte_offset(text, unescaped[-1])
            raise EntityError(f"Can't find end of the entity starting at byte offset {offset}")
    return re.sub(r"(?<!\\)[*_`]", "", text)


def visible_text(text: str, parse_mode: str) -> str:
    """The text as shown: markup removed, entities decoded; raises EntityError."""
    mode = parse_mode.lower()
    if mode == "html":
        return _html_text(text)
    if mode in ("markdown", "markdownv2"):
        return _markdown_text(text)
    raise EntityError(f'Unsupported parse_mode "{parse_mode}"')
