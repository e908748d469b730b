"""The kinds of edit an author makes under ``mkdocs serve``, on a report made by ``generate.py``.

Shared by the benchmark (``measure.py`` times each one) and the test suite
(``tests/test_instant_preview.py`` checks that, once the preview settles, it equals a clean build).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Edit:
    name: str                    # as the benchmark's table names it
    file: Path                   # the file saved
    old: str | None              # the text replaced (None: the file is written whole)
    new: str | None              # what replaces it (None: the file is deleted)
    page: str                    # the page that shows the edit (its address under the site)
    marker: str | None           # text the page shows once the edit is in (None: the page is gone)
    first: tuple[tuple[Path, str | None, str | None], ...] = ()   # files saved before this one
    also: tuple[tuple[Path, str | None, str | None], ...] = ()    # files saved after it

    def apply(self) -> None:
        """Save the edit: ``first``, the file, ``also``, each as an editor saves (one write)."""
        for path, old, new in (*self.first, (self.file, self.old, self.new), *self.also):
            save(path, old, new)


def save(path: Path, old: str | None, new: str | None) -> None:
    if new is None:
        path.unlink()
    elif old is None:
        path.write_text(new, encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def prose(root: Path, marker: str) -> Edit:
    """A few words of running text on a section page."""
    page = root / "docs" / "section-1.md"
    text = page.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line and not line.startswith(("#", "{", "[")))
    words = first.split()[0]
    return Edit("prose edit", page, words, f"{marker}prose {words}", "section-1/", f"{marker}prose")


def engine_edits(root: Path, entries: int, marker: str) -> list[Edit]:
    """Every other kind of edit the benchmark times, in the order it times them."""
    public = 'id: INC-001, participant: boreal, severity: medium, summary: "'      # not a !private row
    section = root / "docs" / "section-2.md"
    label = re.search(r"\{#sec-2-1[^}]*\}", section.read_text(encoding="utf-8"))   # an earlier round renamed it
    assert label is not None
    added = root / "docs" / "section-added.md"
    config = root / "mkdocs.yml"
    return [
        Edit("data edit", root / "data" / "incidents.yml", public, public + f"{marker}data ",
             "appendices/incidents/", f"{marker}data"),
        Edit(".bib edit", root / "bibliography.bib", "Study 0 of", f"{marker}bib Study 0 of", "references/",
             f"{marker}bib"),
        Edit("heading that renumbers", section, "\n## ", f"\n## {marker}heading\n\nA new subsection.\n\n## ",
             "section-2/", f"{marker}heading"),
        Edit("new citation", section, "\n\n", f"\n\n{marker}cite {{{{ cite('ref{entries - 2}') }}}}\n\n",
             "section-2/", f"{marker}cite"),
        Edit("redaction, statement changes", section, "\n\n",
             f"\n\n{{% call redact('aurora', material=true, replacement='{marker}redaction') %}}\n"
             "Aurora described a new internal review process to us in some detail.\n{% endcall %}\n\n",
             "section-2/", f"{marker}redaction"),
        Edit("label rename", section, label.group(0), f"{{#sec-2-1-{marker.lower()}}}", "section-2/",
             f"sec-2-1-{marker.lower()}"),
        Edit("page added", config, "  - references.md", "  - section-added.md\n  - references.md", "section-added/",
             f"{marker}added", first=((added, None, f"# Added section\n\n{marker}added text.\n"),)),
        Edit("page removed", config, "  - section-added.md\n", "", "section-added/", None,
             also=((added, "", None),)),
    ]
