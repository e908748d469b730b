"""Social cards: the picture a shared link shows (Open Graph and Twitter ``summary_large_image``).

One card for the edition (shared by every page outside a nav section, with the report's subtitle)
and one for each section of the nav ("Appendices"), 1200×630 pixels, drawn with Pillow in the report's own
face (Caladea, bundled with the theme under the SIL Open Font License, so nothing is downloaded):
the organisation, the report's title, the edition and the section. Cards are made at build time,
kept in the cache by their content, and written as ``assets/cards/edition.png`` and
``assets/cards/section-<section>.png``: a handful however long the report.

A card holds only text that is already on the public pages (titles from this build's nav), and
the names of card files come from those titles; both are audited like every output.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import caches

FONTS = Path(__file__).resolve().parent / "theme" / "assets" / "fonts"
SIZE = (1200, 630)
MARGIN = 80
INK = (24, 28, 33)
MUTED = (84, 94, 104)
PAPER = (250, 248, 243)
ACCENT = (55, 71, 79)                      # the theme's blue grey
FOLDER = "assets/cards"
EDITION_CARD = "edition"


@dataclass(frozen=True)
class Card:
    organization: str
    title: str
    edition_label: str
    section: str

    def key(self) -> str:
        return caches.entry_key("cards", self.organization, self.title, self.edition_label, self.section)


def _font(weight: str, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONTS / f"caladea-{weight}.woff2"), size,
                              layout_engine=ImageFont.Layout.BASIC)   # the same pixels wherever it is drawn


def _wrap(draw: Any, text: str, font: Any, width: int, lines: int) -> list[str]:
    """Words onto at most ``lines`` lines no wider than ``width``; the last ends with … if cut."""
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            break
    else:
        if current:
            out.append(current)
        return out[:lines]
    last = out[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    out[-1] = last + "…"
    return out


def draw(card: Card) -> bytes:
    """The card as PNG bytes (no text chunks, no date: the same card gives the same bytes)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", SIZE, PAPER)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, 24, SIZE[1]), fill=ACCENT)
    width = SIZE[0] - 2 * MARGIN
    y = MARGIN - 10
    small = _font("bold", 30)
    pen.text((MARGIN, y), _wrap(pen, card.organization.upper(), small, width, 1)[0], font=small, fill=MUTED)
    y += 70
    size = 84
    title_font = _font("bold", size)
    title = _wrap(pen, card.title, title_font, width, 2)
    for line in title:
        pen.text((MARGIN, y), line, font=title_font, fill=INK)
        y += int(size * 1.12)
    y += 18
    label_font = _font("regular", 38)
    pen.text((MARGIN, y), card.edition_label, font=label_font, fill=MUTED)
    pen.line((MARGIN, SIZE[1] - 190, SIZE[0] - MARGIN, SIZE[1] - 190), fill=(200, 196, 188), width=2)
    section_font = _font("italic", 48)
    for index, line in enumerate(_wrap(pen, card.section, section_font, width, 2)):
        pen.text((MARGIN, SIZE[1] - 165 + index * 56), line, font=section_font, fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def render(card: Card, store: caches.Store | None) -> bytes:
    """The card's PNG, from the cache when the same card was drawn before."""
    key = f"card-{card.key()[:32]}"
    cached = store.read_bytes(key, ".png") if store is not None else None
    if cached is not None:
        return cached
    data = draw(card)
    if store is not None:
        try:
            store.write(key, data, ".png")
        except OSError:
            pass                            # a cache that cannot be written only costs time
    return data
