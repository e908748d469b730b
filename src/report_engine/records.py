"""What the session records while it renders: pages, placeholders, uses.

Plain dataclasses shared by the two passes (:mod:`report_engine.session`,
:mod:`report_engine.linking`) and read by the leak audit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .errors import ReportError
from .redaction import Redaction
from .sources import Location

if TYPE_CHECKING:
    from .tables import Download

# Pass one leaves ``\x02N\x03`` where deferred N will be printed; pass two replaces it.
PLACEHOLDER = re.compile("\x02(\\d+)\x03")


def placeholder(index: int) -> str:
    return f"\x02{index}\x03"


class StoredTexts:
    """What pass one made of every page of a remembered build, and each page's open text (see
    :meth:`PageRecord.open`): read from the passes' memo the first time a page asks (a build
    whose leak audit is remembered too never does)."""

    def __init__(self, load: Callable[[], dict[str, tuple[str, str]] | None]) -> None:
        self._load = load
        self._texts: dict[str, tuple[str, str]] | None = None

    def of(self, src: str) -> tuple[str, str]:
        if self._texts is None:
            texts = self._load()
            if texts is None:
                raise ReportError("the passes' remembered texts are gone or damaged", None, None,
                                  "delete the .cache folder next to mkdocs.yml and build again")
            self._texts = texts
        return self._texts[src]


@dataclass
class PageRecord:
    """A page of the report as the engine sees it."""

    src: str                       # docs-relative, e.g. "appendices/helios.md"
    path: str                      # project-relative, for messages
    url: str                       # the page's URL in the site
    raw: str                       # the file as written
    body: str | int                # the Markdown after front matter, or where it starts in raw
    offset: int                    # lines of front matter
    meta: dict
    in_nav: bool
    output: str = ""               # after pass two
    html: str = ""                 # as MkDocs converted it
    title: str = ""
    stored: StoredTexts | None = None     # where ``rendered`` and ``open`` are, until read
    _rendered: str = ""
    _open: str = ""

    @property
    def template(self) -> str:
        """The Markdown after front matter, as MkDocs reads it (most often the end of ``raw``)."""
        return self.raw[self.body:] if isinstance(self.body, int) else self.body

    def read(self, raw: str, template: str) -> None:
        """The page's source, and its Markdown after front matter (kept as a place in it when it is its end)."""
        self.raw = raw
        self.body = len(raw) - len(template) if raw.endswith(template) else template

    @property
    def rendered(self) -> str:
        """After pass one."""
        self._take_stored()
        return self._rendered

    @rendered.setter
    def rendered(self, value: str) -> None:
        self._take_stored()
        self._rendered = value

    @property
    def open(self) -> str:
        """The rendered text outside every redaction (editors' notes removed)."""
        self._take_stored()
        return self._open

    @open.setter
    def open(self, value: str) -> None:
        self._take_stored()
        self._open = value

    def _take_stored(self) -> None:
        if self.stored is not None:
            stored, self.stored = self.stored, None
            self._rendered, self._open = stored.of(self.src)


@dataclass
class Deferred:
    kind: str
    args: tuple
    page: str
    location: Location
    visible: bool


@dataclass
class Frame:
    redaction: Redaction
    visible: bool


@dataclass
class CiteUse:
    key: str
    page: str
    visible: bool
    location: Location
    deferred: int = -1         # the placeholder that prints it


@dataclass
class HiddenBlock:
    redaction: Redaction
    page: str
    body: str


@dataclass
class RedactedBody:
    """A redaction's rendered body and every owner whose redaction encloses it."""

    redaction: Redaction
    page: str
    body: str
    owners: tuple[str, ...]


@dataclass
class AnonymousMention:
    participant: str
    location: Location
    before: str = ""
    after: str = ""


@dataclass
class Relocated:
    """A footnote definition written in the open but used only inside redactions of ``owners``:
    it left the page for this audience."""

    page: str
    text: str
    owners: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class UncheckedCite:
    """A citation pass one made, whose keys are checked against the bibliography after it (see
    ``ReferenceMacros.check_cites``): where it was made, and what a reference naming a never-named
    participant is then decided by (the tokens, the owners of the redactions around it, and the
    place of its check among the session's pending checks)."""

    keys: tuple[str, ...]
    where: tuple[str | None, int | None]
    tokens: tuple[str, ...]
    owners: frozenset[str]
    pending: int


@dataclass
class PendingCheck:
    """A rule pass one could not decide where the macro ran (see :mod:`positions`): decided in pass
    two by where the first of ``tokens`` that reached the text landed."""

    tokens: tuple[str, ...]
    error: ReportError              # what the build stops with when the rule is broken, located
    owner: str | None               # must be among the owners around it; None: no redaction around it
    nowhere_ok: bool                # whether landing nowhere keeps the rule


@dataclass
class FactUse:
    """A ``fact()`` printed by pass one: the changes page lists it where the audience reads it."""

    path: str
    text: str
    tokens: tuple[str, ...]


@dataclass
class DownloadUse:
    """A ``data_table(download=...)``: its files are written only where its table is shown."""

    download: "Download"
    tokens: tuple[str, ...]
    location: Location
    links: str                      # what stands in place of its anchor where it is shown


@dataclass
class BibliographyUse:
    page: str
    scope: str
    token: str
