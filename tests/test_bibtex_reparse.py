"""A bibliography saved again under `mkdocs serve`: only the entries that differ are parsed, and
the result is exactly a whole parse of the file (keys, lines, fields, names), or the whole file is
parsed (and its mistakes named as always)."""

from __future__ import annotations

import pathlib

import pytest

from report_engine import bibtex
from report_engine.bibtex import load_bibtex, parse_bibtex, reparse
from report_engine.errors import ReportError

BIB = pathlib.Path(__file__).parent / "bib"

pytestmark = pytest.mark.unit


def shape(entries: list[bibtex.BibEntry]) -> list[tuple]:
    return [(e.key, e.line, e.entry.type, dict(e.entry.fields),
             {role: [str(p) for p in people] for role, people in e.entry.persons.items()}) for e in entries]


def sample() -> str:
    """Every fixture export that has no @string macro, one after another: real entries in real shapes."""
    texts = [path.read_text(encoding="utf-8-sig") for path in sorted(BIB.glob("*.bib"))]
    usable = [text for text in texts if not bibtex.MACROS.search(text)]
    whole = "% exported for the tests\n\n" + "\n".join(usable)
    seen: set[str] = set()
    kept = []
    for piece in bibtex._chunks(whole):          # one entry per key across the exports
        key = piece.split("{", 1)[1].split(",", 1)[0].strip().lower() if piece.startswith("@") else None
        if key is None or key not in seen:
            kept.append(piece)
            seen.add(key or "")
    return "".join(kept)


def edits(text: str) -> dict[str, str]:
    pieces = bibtex._chunks(text)
    middle = len(pieces) // 2
    entry = pieces[middle]
    title_at = entry.lower().index("title")
    return {
        "a field changed": text.replace(entry, entry[:title_at] + "note = {Seen again},\n  " + entry[title_at:]),
        "an entry added": text.replace(entry, "@misc{added-one,\n  title = {Added},\n  year = {2026}\n}\n\n" + entry),
        "an entry deleted": text.replace(entry, ""),
        "lines added above the first entry": text.replace("% exported for the tests\n", "% exported\n%\n%\n", 1),
        "the last entry changed": text[:text.rindex("}")] + ",\n  note = {Last}\n}\n",
        "two entries apart changed": text.replace(pieces[2], pieces[2].replace("{", "{ ", 1))
                                         .replace(pieces[-3], pieces[-3].replace("\n", "\n\n", 1)),
    }


@pytest.mark.parametrize("kind", ["a field changed", "an entry added", "an entry deleted",
                                  "lines added above the first entry", "the last entry changed",
                                  "two entries apart changed"])
def test_an_edit_parses_only_what_differs_and_equals_a_whole_parse(kind: str, monkeypatch) -> None:
    old = sample()
    new = edits(old)[kind]
    assert new != old
    entries = parse_bibtex(old, "bibliography.bib")
    parsed: list[int] = []
    real = bibtex.parse_bibtex

    def counting(text: str, filename: str) -> list[bibtex.BibEntry]:
        found = real(text, filename)
        parsed.append(len(found))
        return found
    monkeypatch.setattr(bibtex, "parse_bibtex", counting)
    again = reparse(old, entries, new, "bibliography.bib")
    assert again is not None, kind
    most = len(entries) - 3 if kind == "two entries apart changed" else 2     # from the first to the last
    assert max(parsed) <= most < len(entries), "only the entries that differ are parsed"
    assert shape(again) == shape(real(new, "bibliography.bib"))


@pytest.mark.parametrize("new, why", [
    ("@string{pub = {Press}}\n", "a macro a piece would need"),
    ("@comment{not an entry}\n", "an @ line that starts no entry"),
    ("@misc{open,\n  title = {Never closed}\n", "a piece that does not parse alone"),
    ("@misc{{key}}\n", "a mistake"),
])
def test_what_cannot_be_parsed_piece_by_piece_is_parsed_whole(new: str, why: str) -> None:
    old = sample()
    entries = parse_bibtex(old, "bibliography.bib")
    at = old.index("\n@", len(old) // 2) + 1
    assert reparse(old, entries, old[:at] + new + old[at:], "bibliography.bib") is None, why


def test_a_repeated_key_is_named_at_both_places_as_always(tmp_path: pathlib.Path) -> None:
    old = sample()
    first = parse_bibtex(old, "bibliography.bib")[0]
    bib = tmp_path / "bibliography.bib"
    bib.write_text(old, encoding="utf-8")
    load_bibtex(bib, tmp_path / "cache")
    bib.write_text(old + f"\n@misc{{{first.key},\n  title = {{Again}}\n}}\n", encoding="utf-8")
    with pytest.raises(ReportError) as raised:
        load_bibtex(bib, tmp_path / "cache")
    assert f"duplicate BibTeX key '{first.key}': already defined at line {first.line}" in raised.value.message
    assert raised.value.line == old.count("\n") + 2


def test_a_mistake_in_a_saved_entry_is_named_at_its_line(tmp_path: pathlib.Path) -> None:
    old = sample()
    bib = tmp_path / "bibliography.bib"
    bib.write_text(old, encoding="utf-8")
    load_bibtex(bib, tmp_path / "cache")
    at = old.index("\n@", len(old) // 2) + 1
    bib.write_text(old[:at] + "@misc{broken,\n  title = {Open\n\n" + old[at:], encoding="utf-8")
    with pytest.raises(ReportError) as whole:
        parse_bibtex(bib.read_text(encoding="utf-8"), str(bib))
    with pytest.raises(ReportError) as saved:
        load_bibtex(bib, tmp_path / "cache")
    assert (saved.value.message, saved.value.line) == (whole.value.message, whole.value.line)


def test_a_saved_bibliography_formats_again_only_the_entries_it_changed(tmp_path: pathlib.Path, monkeypatch) -> None:
    from report_engine import citestyles
    from report_engine.citations import CitationEngine

    old = sample()
    bib = tmp_path / "bibliography.bib"
    bib.write_text(old, encoding="utf-8")
    first = CitationEngine(load_bibtex(bib, tmp_path / "cache"))
    keys = first.database.keys()
    first.set_order(keys)
    first.reference_list(keys)
    changed = keys[len(keys) // 2]
    entry = bibtex._chunks(old)[len(keys) // 2 + 1]
    assert entry.split("{", 1)[1].startswith(changed)
    bib.write_text(old.replace(entry, entry.replace("\n", "\n  note = {Seen again},\n", 1)), encoding="utf-8")
    formatted: list[str] = []
    real = citestyles.ReferenceFormatter.format

    def counting(self, work, year_label):
        formatted.append(work.key)
        return real(self, work, year_label)
    monkeypatch.setattr(citestyles.ReferenceFormatter, "format", counting)
    again = CitationEngine(load_bibtex(bib, tmp_path / "cache"))
    again.set_order(keys)
    listed = again.reference_list(keys)
    inheriting = {key for key in keys if {"crossref", "xdata"} & set(again.work(key).fields)}
    assert set(formatted) <= {changed} | inheriting and changed in formatted
    assert "Seen again" in listed
    fresh = CitationEngine(bibtex.BibDatabase(bib, parse_bibtex(bib.read_text(encoding="utf-8"), str(bib))))
    fresh.set_order(keys)
    assert listed == fresh.reference_list(keys)


def test_the_preview_keeps_a_new_parse_once_its_pages_are_shown(tmp_path: pathlib.Path, monkeypatch) -> None:
    from report_engine import caches

    old = sample()
    bib = tmp_path / "bibliography.bib"
    bib.write_text(old, encoding="utf-8")
    monkeypatch.setattr(bibtex, "_LAST_PARSE", {})
    caches.take_later()
    load_bibtex(bib, tmp_path / "cache", write_later=True)
    data = bib.read_bytes()
    cache = bibtex._cache_entry(bib, data, tmp_path / "cache")
    assert cache is not None and not cache.store.has(cache.key, bibtex.SUFFIX)
    writes = caches.take_later()
    assert len(writes) == 1 and caches.take_later() == []
    for write in writes:
        write()
    entry = bibtex._chunks(old)[3]                              # a save whose build fails, then undone:
    bib.write_text(old.replace(entry, entry.replace("\n", "\n  note = {Undone},\n", 1)), encoding="utf-8")
    load_bibtex(bib, tmp_path / "cache", write_later=True)
    bib.write_text(old, encoding="utf-8")
    load_bibtex(bib, tmp_path / "cache", write_later=True)      # the cached parse again: nothing to write
    stale = caches.take_later()
    assert len(stale) == 1
    stale[0]()                                                  # the undone parse does not replace it
    assert cache.store.has(cache.key, bibtex.SUFFIX)
    assert sum(1 for path in (tmp_path / "cache").rglob("bibtex-*") if bibtex.INDEX_SUFFIX not in path.name) == 1
    whole = shape(parse_bibtex(old, str(bib)))
    monkeypatch.setattr(bibtex, "_LAST_PARSE", {})              # a new process reads it from the cache
    monkeypatch.setattr(bibtex, "parse_bibtex", lambda *args: pytest.fail("parsed again"))
    assert shape(load_bibtex(bib, tmp_path / "cache").entries()) == whole


def test_the_last_parse_is_read_ahead_for_the_next_save(tmp_path: pathlib.Path, monkeypatch) -> None:
    old = sample()
    bib = tmp_path / "bibliography.bib"
    bib.write_text(old, encoding="utf-8")
    load_bibtex(bib, tmp_path / "cache")                       # kept in the cache
    monkeypatch.setattr(bibtex, "_LAST_PARSE", {})
    cached = load_bibtex(bib, tmp_path / "cache")              # keys only, as a server starting warm
    assert cached._entries is None
    bibtex.hold_last_parse()
    assert cached._entries is not None
    entry = bibtex._chunks(old)[3]
    bib.write_text(old.replace(entry, entry.replace("\n", "\n  note = {Seen again},\n", 1)), encoding="utf-8")
    monkeypatch.setattr(bibtex, "_read_cache", lambda cache: pytest.fail("the last parse was read again"))
    again = load_bibtex(bib, tmp_path / "cache")
    assert again.since is not None and len(again.since[1]) == 1
    assert shape(again.entries()) == shape(parse_bibtex(bib.read_text(encoding="utf-8"), str(bib)))
