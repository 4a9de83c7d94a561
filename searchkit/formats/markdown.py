"""Markdown to the text a reader sees once it is rendered, its title and date.

Parsed with markdown-it-py (CommonMark with tables) rather than stripped of its marks
with patterns, so that `*`, `#`, `>` and URLs are gone from what is indexed and shown in
snippets while the same characters inside code are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from searchkit.dates import date_value
from searchkit.formats import Extracted
from searchkit.formats.html import extract_html_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Created on first use: importing markdown-it-py costs every command that reads no file.
_parser: MarkdownIt | None = None


def extract_markdown(text: str) -> Extracted:
    """The rendered text of a Markdown document, its title (front matter, else first
    heading, else first line) and the date its front matter gives."""
    text = text.removeprefix("\ufeff")
    front, text = _split_front_matter(text)
    blocks, first_heading = _render(_markdown().parse(text))
    body = "".join(separator + block for separator, block in blocks).strip("\n")
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    title = front.get("title") or first_heading or ""
    date = date_value(front["date"]) if "date" in front else None
    return Extracted(text=body, title=title, date=date)


def _markdown() -> MarkdownIt:
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        _parser = MarkdownIt("commonmark").enable("table")
    return _parser


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The `title` and `date` of a YAML front matter block at the very start, and the
    text after it. Only these two keys are read, line by line: no YAML parser is needed."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        return {}, text
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        key, colon, value = line.partition(":")
        key = key.lower()
        if colon and key in ("title", "date") and key not in fields:
            fields[key] = _yaml_scalar(value)
    return {key: value for key, value in fields.items() if value}, "".join(lines[end + 1 :])


def _yaml_scalar(value: str) -> str:
    """A one-line YAML value, unquoted: `"Tiêu đề"`, `'Tiêu đề'`, or plain up to a comment."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'").strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').strip()
    if value[:1] in ("|", ">", "[", "{", "&", "*", "!"):
        return ""  # A block, a list, a mapping or a tagged value: not a title.
    return value.partition(" #")[0].strip()


def _render(tokens: Sequence[Token]) -> tuple[list[tuple[str, str]], str]:
    """The text blocks of a document, each with the separator that goes before it, and
    the text of its first heading."""
    blocks: list[tuple[str, str]] = []
    first_heading = ""
    rows: list[str] = []
    cells: list[str] = []
    in_heading = in_table = False
    previous_tight = False
    lists = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            # A list that follows another is a block of its own.
            previous_tight = previous_tight and lists > 0
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "table_open":
            in_table, rows = True, []
        elif token.type == "tr_open":
            cells = []
        elif token.type == "tr_close":
            rows.append("\t".join(cells))
        elif token.type == "table_close":
            in_table = False
            blocks.append(("\n\n", "\n".join(rows)))
            previous_tight = False
        elif token.type == "inline" and token.children is not None:
            inline = _inline_text(token.children).strip()
            if in_table:
                cells.append(inline)
                continue
            if in_heading and not first_heading:
                first_heading = " ".join(inline.split())
            # The paragraphs of a tight list are hidden: its items go one to a line.
            tight = index > 0 and tokens[index - 1].type == "paragraph_open" and tokens[index - 1].hidden
            blocks.append(("\n" if tight and previous_tight else "\n\n", inline))
            previous_tight = tight
        elif token.type in ("fence", "code_block"):
            blocks.append(("\n\n", token.content.rstrip("\n")))
            previous_tight = False
        elif token.type == "html_block":
            blocks.append(("\n\n", extract_html_text(token.content).text))
            previous_tight = False
    return [(separator, block) for separator, block in blocks if block.strip()], first_heading


def _inline_text(children: Sequence[Token]) -> str:
    """What a reader sees of inline Markdown: no marks, no URLs, no HTML tags."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image" and child.children is not None:
            parts.append(_inline_text(child.children))
    return "".join(parts)
