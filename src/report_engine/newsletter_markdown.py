"""The newsletter post as Markdown (``site/newsletter/summary.md``).

Why a converter of our own rather than a general HTML-to-Markdown library: by
the time it gets here the post has been reduced (see :mod:`report_engine.newsletter`)
to a small, known subset of HTML: headings, paragraphs, emphasis, links,
lists, quotes, images, figures, tables, code and ``<sup>[n]</sup>`` endnote
markers, with no classes that matter and every URL absolute. A short
converter that writes exactly CommonMark plus GFM tables for that subset is
easier to trust than a general one, and its output is stable byte for byte.

The file is plain Markdown, with no raw HTML (newsletter tools that take
Markdown differ in what HTML they let through): an endnote marker
``<sup>[1]</sup>`` becomes the text ``[1]`` (escaped, so that no renderer reads
a link), and other superscripts and subscripts their Unicode characters where
every character has one (10²⁶, CO₂), otherwise ``^(…)`` and ``_(…)``.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "ul", "ol", "blockquote", "pre", "table", "figure", "figcaption", "hr", "div",
          "dl", "dt", "dd", "li", "section", "details", "summary", *HEADINGS}
SPACE = re.compile(r"[ \t\r\n\f]+")          # HTML white space; not the no-break space
SPECIAL = re.compile(r"([\\`*_\[\]<])")        # characters that start Markdown inline syntax
QUOTE_BREAK = "&nbsp;"                          # a paragraph of one no-break space
ENTITY = re.compile(r"&(?=#?\w+;)")
LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|[-+*](?=\s)|>|\d+(?=[.)]\s)|=+\s*$|-+\s*$)")


def to_markdown(root: HtmlElement) -> str:
    """The Markdown of everything inside ``root``, ending with one newline."""
    return "\n\n".join(_blocks(root)).strip() + "\n"


# ---- blocks ------------------------------------------------------------------------

def _blocks(element: HtmlElement) -> list[str]:
    """The Markdown blocks of an element's content: runs of inline content become paragraphs."""
    out: list[str] = []
    run: list[str] = [_text(element.text)]

    def flush() -> None:
        paragraph = "".join(run).strip()
        run.clear()
        if paragraph:
            out.append(_guard_line_start(paragraph))

    for child in element:
        if isinstance(child.tag, str) and child.tag in BLOCKS:
            flush()
            for block in _block(child):
                if not block.strip():
                    continue
                if block.startswith(">") and out and out[-1].startswith(">"):
                    # Python-Markdown joins a quote to the quote before it even across a blank line,
                    # where CommonMark keeps two: an empty paragraph keeps them apart in both.
                    out.append(QUOTE_BREAK)
                out.append(block)
        elif isinstance(child.tag, str):
            run.append(_inline(child))
        run.append(_text(child.tail))
    flush()
    return out


def _block(element: HtmlElement) -> list[str]:
    tag = element.tag
    if tag in HEADINGS:
        return ["#" * HEADINGS[tag] + " " + _inline_content(element).strip()]
    if tag == "p":
        paragraph = _inline_content(element).strip()
        return [_guard_line_start(paragraph)] if paragraph else []
    if tag in ("ul", "ol"):
        return [_list(element)]
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(element))
        return ["\n".join(("> " + line).rstrip() for line in inner.split("\n"))]
    if tag == "pre":
        code = element.text_content().rstrip("\n")
        fence = "```" + "`" * max((len(run) - 2 for run in re.findall(r"`{3,}", code)), default=0)
        return [f"{fence}\n{code}\n{fence}"]
    if tag == "hr":
        return ["---"]
    if tag == "table":
        return [_table(element)]
    if tag == "dt":
        term = _inline_content(element).strip()
        return [f"**{term}**"] if term else []
    return _blocks(element)


def _list(element: HtmlElement) -> str:
    ordered = element.tag == "ol"
    number = int(element.get("start") or 1) if (element.get("start") or "1").isdigit() else 1
    items: list[str] = []
    for item in element.iterchildren("li"):
        marker = f"{number}. " if ordered else "- "
        lines = ("\n\n".join(_blocks(item)) or "").split("\n")
        indent = " " * len(marker)
        items.append("\n".join([marker + lines[0]] + [indent + line if line else "" for line in lines[1:]]))
        number += 1
    # A list whose items hold several blocks is "loose": blank lines between items.
    return ("\n\n" if any("\n\n" in item for item in items) else "\n").join(items)


def _table(element: HtmlElement) -> str:
    rows = [[_inline_content(cell).strip().replace("|", "\\|") for cell in row if cell.tag in ("th", "td")]
            for row in element.iter("tr")]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def _guard_line_start(text: str) -> str:
    """Text that would read as a heading, list item or quote at the start of a line is escaped."""
    match = LINE_START.match(text)
    if not match:
        return text
    if match.group(0)[0].isdigit():
        return text[:match.end()] + "\\" + text[match.end():]
    return "\\" + text


# ---- inline content -----------------------------------------------------------------

def _text(value: str | None) -> str:
    if not value:
        return ""
    return ENTITY.sub("&amp;", SPECIAL.sub(r"\\\1", SPACE.sub(" ", value)))


def _inline_content(element: HtmlElement) -> str:
    parts = [_text(element.text)]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_block_as_inline(child) if child.tag in BLOCKS else _inline(child))
        parts.append(_text(child.tail))
    return "".join(parts)


def _block_as_inline(element: HtmlElement) -> str:
    """A block inside inline context (a paragraph in a table cell): its text, on one line."""
    return " ".join(block.replace("\n", " ") for block in _blocks(element))


def _inline(element: HtmlElement) -> str:
    tag = element.tag
    if tag == "br":
        return "\\\n"
    if tag == "img":
        return f"![{_text(element.get('alt'))}]({_url(element.get('src') or '')})"
    if tag in ("sup", "sub"):
        return _script(tag, SPACE.sub(" ", element.text_content()).strip())
    if tag == "code":
        code = SPACE.sub(" ", element.text_content())
        ticks = "`" * (max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{ticks}{pad}{code}{pad}{ticks}"
    content = _inline_content(element)
    if tag in ("em", "i", "cite"):
        return _wrap("*", content)
    if tag in ("strong", "b"):
        return _wrap("**", content)
    if tag in ("del", "s"):
        return _wrap("~~", content)
    if tag == "a" and element.get("href"):
        return f"[{content.strip()}]({_url(element.get('href'))})" if content.strip() else ""
    return content


SUPERSCRIPT = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
ENDNOTE_MARKER = re.compile(r"\[\d+\]")


def _script(tag: str, text: str) -> str:
    """A superscript or subscript in plain text: an endnote marker as ``[n]``, else Unicode."""
    if not text or ENDNOTE_MARKER.fullmatch(text):
        return _text(text)
    table = SUPERSCRIPT if tag == "sup" else SUBSCRIPT
    if all(ord(char) in table for char in text):
        return text.translate(table)
    return ("^" if tag == "sup" else "\\_") + "(" + _text(text) + ")"


def _wrap(mark: str, content: str) -> str:
    """Emphasis around the words only: ``* word*`` is not emphasis in CommonMark."""
    core = content.strip()
    if not core:
        return content
    lead = content[:len(content) - len(content.lstrip())]
    trail = content[len(content.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


def _url(url: str) -> str:
    """A link destination Markdown reads whole: no spaces, no unbalanced parentheses."""
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")
