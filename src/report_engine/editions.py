"""Editions, courtesy drafts and reproducible builds.

A report is repeated on a schedule. Each edition is published with mike as a
"version" named by ``edition`` in ``data/report.yml`` and titled by its
``edition_label``; ``latest`` names the newest edition and the site's root
redirects there (see :mod:`report_engine.publish`, which does the deploying). An id names the
period the edition covers, a month, a quarter or a year (:func:`parse_edition`); every ordering
of editions (``latest``, the selector, the changes page's previous edition, ``editions``) uses
:func:`edition_order`, and one report keeps one scheme (:func:`scheme_conflict`). A new edition
that still carries an earlier one's DOI stops the build (:func:`check_doi`, called with what the
earlier editions' tags say by :func:`report_engine.gitrepo.check_doi`).

:func:`configure` runs once per build, from the configure stage
(:mod:`report_engine.stages.configure`), before the site directory is chosen.
It decides four things, and returns what the theme shows of them:

* **The build date.** MkDocs stamps the sitemap (and the gzip header of
  ``sitemap.xml.gz``) with each page's ``update_date``: ``SOURCE_DATE_EPOCH``,
  falling back to the clock. The clock would make two builds of the same
  source differ, so the plugin dates every page by the report's ``published``
  date unless the caller set ``SOURCE_DATE_EPOCH`` (:func:`page_date`).
* **Courtesy drafts.** ``REPORT_DRAFT=1`` or ``REPORT_DRAFT=YYYY-MM-DD`` marks
  every page "Courtesy draft — not for distribution" with the date it was
  shared, and asks search engines not to index it. Any audience can be drafted;
  a draft is never published.
* **The version selector.** Material lists editions from mike's
  ``versions.json`` when ``extra.version.provider`` is ``mike``; reports whose
  ``mkdocs.yml`` does not say so still get it on publishable builds.
* **Edition builds.** When ``MIKE_DOCS_VERSION`` is set (``python -m macros
  publish`` sets it for the build it deploys), the build must be the public,
  non-draft build of the edition ``data/report.yml`` names, and its canonical
  URLs point at the edition's own folder, the address that stays stable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from typing import Any, Iterable, Mapping

from . import settings
from .audience import Audience
from .settings import Environment, Settings, environment
from .errors import ReportError
from .formatting import format_date

log = logging.getLogger("mkdocs.plugins.report.editions")

# The variables' names, kept here for code that imports them from this module (settings.py names them).
DRAFT_ENV, RECIPIENT_ENV, EPOCH_ENV, EDITION_ENV, MIKE_ENV, REVISIONS_ENV = (
    settings.DRAFT_ENV, settings.RECIPIENT_ENV, settings.EPOCH_ENV, settings.EDITION_ENV, settings.MIKE_ENV,
    settings.REVISIONS_ENV)
LATEST = "latest"
EDITION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# The ids `publish` accepts: the period an edition covers, then an optional suffix. A month
# ("2026-03"), a quarter ("2026-q3"; "2026-Q3" too) or a year ("2026", for an annual report), then
# "-" and lowercase letters or digits ("2026-03-b", "2026-03-15", "2026-q3-b", "2026-b"). A bare
# year's suffix starts with a letter other than q, so "2026-13" and "2026-q5" are refused rather
# than read as a year with a suffix. One report keeps one scheme (monthly,
# quarterly or annual): :func:`scheme_conflict`. Ids sort by the period they cover
# (:func:`edition_order`), never as text.
EDITION_SCHEME = re.compile(
    r"(?P<year>\d{4})"
    r"(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<month_suffix>[a-z0-9]+))?"
    r"|-[qQ](?P<quarter>[1-4])(?:-(?P<quarter_suffix>[a-z0-9]+))?"
    r"|(?:-(?P<year_suffix>(?![qQ])[a-z][a-z0-9]*))?)")
SCHEME_EXAMPLE = ('edition: "2026-03" (a month), "2026-q3" (a quarter) or "2026" (a year), then an optional '
                  'suffix such as "2026-03-b"')
SCHEMES = {"month": "monthly (YYYY-MM)", "quarter": "quarterly (YYYY-qN)", "year": "annual (YYYY)"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DRAFT_NOTICE = "Courtesy draft — not for distribution."
REPORT_FILE = "data/report.yml"


@dataclasses.dataclass(frozen=True)
class EditionBuild:
    """What the edition being built adds to the theme's ``extra.report_build``: an erratum's
    revisions, and a courtesy draft's notice and the day it names."""

    revisions: tuple[Mapping[str, str], ...] = ()
    draft: str | None = None
    draft_date: str | None = None

    def theme_keys(self) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        if self.revisions:
            keys["revisions"] = [dict(revision) for revision in self.revisions]
        if self.draft is not None:
            keys["draft"], keys["draft_date"] = self.draft, self.draft_date
        return keys


def configure(config: Any, report: Mapping[str, Any], settings: Settings) -> EditionBuild:
    """Adjust the MkDocs configuration for the edition being built (see the module docstring)."""
    refuse_plain_mike_deploy(settings.env)
    audience, shared = settings.audience, settings.draft
    edition = edition_id(report)
    if settings.deploying is not None:
        check_edition_build(settings.deploying, edition, audience, drafted=shared is not False)
        config["site_url"] = edition_url(str(config.get("site_url") or report["canonical_url"]), edition)
    problem = scheme_problem(report)
    if problem is not None:                         # other reports keep building; publish refuses
        log.info(f"note: {problem}; `python -m macros publish` will refuse it. Write {SCHEME_EXAMPLE}")
    revisions: tuple[Mapping[str, str], ...] = ()
    if settings.revisions and audience.is_public and shared is False:
        revisions = tuple({"date": format_date(dt.date.fromisoformat(r["date"])), "note": r["note"]}
                          for r in settings.revisions)
    if shared is not False:
        day = shared if isinstance(shared, dt.date) else settings.caller_epoch
        notice = draft_notice(day, report["published"], recipient_name(report, settings.recipient))
        log.info(f"Courtesy draft: {notice}")
        return EditionBuild(revisions, notice, format_date(day or _as_date(report["published"])))
    if audience.is_public and settings.deploying is not None:
        # Only an edition `publish` deploys stands among others: elsewhere (a local build, the
        # preview) there is no versions.json for the selector to read, and reading it fails.
        enable_version_selector(config["extra"])
    return EditionBuild(revisions)


# ---- editions ----------------------------------------------------------------------


def edition_id(report: Mapping[str, Any]) -> str:
    """The edition's folder name on the published site: checked here, so a bad id fails every build early."""
    edition = str(report["edition"])
    if not EDITION_ID.fullmatch(edition) or edition == LATEST:
        line = report.line_of("edition") if hasattr(report, "line_of") else None
        raise ReportError(f"edition '{edition}' cannot name a folder of the published site", REPORT_FILE, line,
                          "use letters, digits, '.', '-' or '_', e.g. edition: \"2026-03\" (and not 'latest')")
    return edition


def scheme_problem(report: Mapping[str, Any]) -> str | None:
    """Why the edition id is not one ``publish`` accepts, or None."""
    raw = report.get("edition")
    if not isinstance(raw, str):
        return (f"edition {raw!r} in {REPORT_FILE} is a {type(raw).__name__}, not text (YAML reads 2026.10 as "
                "the number 2026.1): quote it")
    if parse_edition(raw) is None:
        return f"edition '{raw}' in {REPORT_FILE} does not sort by time (not a month, a quarter or a year)"
    return None


# ---- the period an edition covers, and the order of editions ----------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    """The time an edition id covers: a month, a quarter or a year, and the suffix that follows.

    Editions sort by :attr:`key`: the first month covered, then the last, then the suffix as text
    (none first). So ``2026-03`` < ``2026-03-b`` < ``2026-04``, ``2026-q1`` < ``2026-q2``, and
    ``2025`` < ``2026``; across schemes (which one report never mixes) ``2026-01`` < ``2026-q1``
    < ``2026`` < ``2026-02``."""

    scheme: str                 # "month", "quarter" or "year" (:data:`SCHEMES`)
    year: int
    first: int                  # the first month covered, 1-12
    last: int                   # the last month covered
    suffix: str = ""            # what follows the period ("b" in 2026-03-b), or ""

    @property
    def key(self) -> tuple[tuple[int, int], tuple[int, int], str]:
        return (self.year, self.first), (self.year, self.last), self.suffix

    @property
    def name(self) -> str:
        """The id as the engine writes it to people: a quarter with a capital Q (``2026-Q3``)."""
        period = {"month": f"{self.year}-{self.first:02d}", "quarter": f"{self.year}-Q{(self.last + 2) // 3}",
                  "year": f"{self.year}"}[self.scheme]
        return f"{period}-{self.suffix}" if self.suffix else period


def parse_edition(edition: str) -> Period | None:
    """The period an edition id covers, or None for an id outside the scheme (``pilot``, ``2026-13``)."""
    found = EDITION_SCHEME.fullmatch(edition)
    if found is None:
        return None
    year = int(found["year"])
    if found["month"]:
        month = int(found["month"])
        return Period("month", year, month, month, found["month_suffix"] or "")
    if found["quarter"]:
        quarter = int(found["quarter"])
        return Period("quarter", year, 3 * quarter - 2, 3 * quarter, found["quarter_suffix"] or "")
    return Period("year", year, 1, 12, found["year_suffix"] or "")


def edition_order(edition: str) -> tuple[bool, tuple[tuple[int, int], tuple[int, int], str], str]:
    """The sort key of an edition id, the one every ordering of editions uses: by the period it
    covers (:class:`Period`); ids outside the scheme count as oldest, among themselves as text."""
    period = parse_edition(edition)
    return (True, period.key, edition) if period else (False, ((0, 0), (0, 0), ""), edition)


def in_order(ids: Iterable[str], newest_first: bool = False) -> list[str]:
    """Edition ids oldest first (or newest first), by :func:`edition_order`."""
    return sorted(ids, key=edition_order, reverse=newest_first)


def newest(ids: Iterable[str]) -> str | None:
    """The newest of some edition ids: the latest period; ids outside the scheme count as oldest."""
    return max(ids, key=edition_order, default=None)


def older(edition: str, than: str) -> bool:
    """Does ``edition`` come before ``than``?"""
    return edition_order(edition) < edition_order(than)


def display_name(edition: str) -> str:
    """An edition id as the engine writes it in messages (``2026-q3`` is ``2026-Q3``); folders,
    tags and addresses keep the id as written."""
    period = parse_edition(edition)
    return period.name if period else edition


def scheme_conflict(edition: str, earlier: Iterable[str]) -> str | None:
    """Why ``edition`` may not follow the ``earlier`` editions (their ``edition-<id>`` tags), or None.

    One report keeps one scheme, so its editions sort by time: a quarterly report's next edition is
    a quarter. An id that names the same period and suffix as an earlier one in another spelling
    (``2026-Q3`` after ``2026-q3``) is that edition again, in a second folder. Ids outside the
    scheme (published before it) are ignored."""
    period = parse_edition(edition)
    if period is None:
        return None
    others = [(other, found) for other in in_order(set(earlier) - {edition})
              if (found := parse_edition(other)) is not None]
    for other, found in others:
        if found.key == period.key:
            return (f"edition '{edition}' names the same period as edition '{other}', tagged before: "
                    f"write edition: \"{other}\" to revise it, or a new period")
    differing = [(other, found.scheme) for other, found in others if found.scheme != period.scheme]
    if differing:
        schemes = " and ".join(dict.fromkeys(SCHEMES[scheme] for _, scheme in differing))
        return (f"edition '{edition}' is {SCHEMES[period.scheme]} but earlier editions are {schemes} "
                f"({', '.join(other for other, _ in differing[-3:])}): one report keeps one scheme, so its "
                "editions sort by time; name this edition in theirs (README: Edition ids)")
    return None


# ---- DOIs ----------------------------------------------------------------------------------


def doi_text(value: Any) -> str:
    """A DOI as compared: without its resolver prefix, in lowercase (DOIs ignore case)."""
    text = str(value or "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    return text.lower()


def reused_doi(edition: str, doi: Any, earlier: Mapping[str, Any]) -> str | None:
    """The earlier edition whose DOI ``edition`` still carries, or None.

    ``earlier`` maps the ids of editions tagged ``edition-<id>`` to the ``doi`` their
    ``data/report.yml`` had at the tag. A DOI names one edition: a new edition made by changing
    ``edition`` and ``edition_label`` alone would cite the earlier one everywhere (the landing
    page, "How to cite", report.bib, the PDF)."""
    mine = doi_text(doi)
    if not mine:
        return None
    for other in in_order(earlier, newest_first=True):
        if other != edition and doi_text(earlier[other]) == mine:
            return other
    return None


def check_doi(report: Mapping[str, Any], report_file: str, earlier: Mapping[str, Any]) -> None:
    """Stop the build when ``doi`` is an earlier edition's (:func:`reused_doi`); a DOI is never invented."""
    edition = str(report.get("edition"))
    other = reused_doi(edition, report.get("doi"), earlier)
    if other is None:
        return
    line = report.line_of("doi") if hasattr(report, "line_of") else None
    raise ReportError(f"doi {doi_text(report.get('doi'))} is the DOI of edition {other}, but this is edition "
                      f"{edition}: every citation of this edition would point at that one", report_file, line,
                      f"register a DOI for edition {edition} and write it here (doi: 10.NNNN/...), "
                      "or remove the doi line until it is registered")


def revisions_from_env(env: Environment | None = None) -> list[dict[str, str]]:
    """The revisions (date, what changed) of the edition being published again with an erratum."""
    raw = (env or environment()).revisions
    if not raw:
        return []
    try:
        value = json.loads(raw)
        return [{"date": str(dt.date.fromisoformat(str(r["date"]))), "note": str(r["note"])} for r in value]
    except (ValueError, TypeError, KeyError) as error:
        raise ReportError(f"{REVISIONS_ENV} is not a list of revisions: {error}", REVISIONS_ENV, None,
                          "let `python -m macros publish --force --erratum TEXT` set it") from None


def check_edition_build(deploying: str, edition: str, audience: Audience, *, drafted: bool) -> None:
    """Only the public, final build of the edition data/report.yml names may be deployed as that edition."""
    if deploying != edition:
        raise ReportError(f"deploying as edition '{deploying}' but data/report.yml says edition '{edition}'",
                          REPORT_FILE, None, "publish with `python -m macros publish`, which reads it from there")
    if not audience.is_public:
        raise ReportError(f"refusing to deploy a {audience} build as an edition", EDITION_ENV, None,
                          "only the public build is published; unset REPORT_AUDIENCE")
    if drafted:
        raise ReportError("refusing to deploy a courtesy draft as an edition", DRAFT_ENV, None,
                          f"unset {DRAFT_ENV} to publish")


def edition_url(site_url: str, edition: str) -> str:
    """The edition's own folder under the report's address (mike's plugin may already have added it)."""
    base = site_url.rstrip("/")
    if base.rsplit("/", 1)[-1] == edition:
        return base + "/"
    return f"{base}/{edition}/"


def enable_version_selector(extra: Any) -> None:
    """Material's version selector and outdated notice read mike's versions.json; ``latest`` is never outdated."""
    version = extra.get("version")
    version = dict(version) if isinstance(version, Mapping) else {}
    version["provider"] = "mike"
    version.setdefault("default", LATEST)
    version.setdefault("alias", True)
    extra["version"] = version


def refuse_plain_mike_deploy(env: Environment) -> None:
    """``mike deploy`` announces itself to the build it runs through ``MIKE_DOCS_VERSION``; that build
    would skip the publish checks, so it is refused. ``python -m macros publish`` uses its own variable."""
    if env.mike_version and not env.edition:
        raise ReportError("editions are published with `python -m macros publish`, not `mike deploy`", "mike deploy",
                          None, "publish checks the audience, the leak audit and existing editions before deploying")


# ---- the build date -----------------------------------------------------------------


def epoch_of(day: dt.date) -> int:
    """Midnight UTC at the start of ``day``, in seconds since 1970."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def caller_source_date_epoch(env: Environment | None = None) -> dt.date | None:
    """The date of a ``SOURCE_DATE_EPOCH`` the caller set (not one an earlier build in this process set)."""
    value = (env or environment()).epoch
    if value is None:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise ReportError(f"{EPOCH_ENV}={value} is not a whole number of seconds", EPOCH_ENV, None,
                          "unset it to date the build by the report's published date") from None


def page_date(report: Mapping[str, Any], caller_epoch: dt.date | None) -> str | None:
    """The date every page of the build carries (``YYYY-MM-DD``): the report's ``published`` date,
    or ``None`` when the caller chose one with ``SOURCE_DATE_EPOCH`` (MkDocs reads it itself)."""
    if caller_epoch is not None:
        return None
    published = report["published"]
    if isinstance(published, dt.datetime):
        published = published.date()
    return published.isoformat()


# ---- courtesy drafts -------------------------------------------------------------------


def draft_date(value: str | None) -> dt.date | None | bool:
    """Parse ``REPORT_DRAFT``: ``False`` when off, the shared date when given, ``None`` for ``1`` (no date given).

    The date is never today's: a build that reads the clock cannot be repeated.
    """
    text = (value or "").strip()
    if text in ("", "0"):
        return False
    if text == "1":
        return None
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ReportError(f"{DRAFT_ENV}={text} is neither 1 nor a date", DRAFT_ENV, None,
                      f"write {DRAFT_ENV}=1 or {DRAFT_ENV}=2026-05-12 (the day the draft is shared)")


def draft_requested(env: Environment | None = None) -> bool:
    """Is this process building a courtesy draft? (Invalid values raise ReportError.)"""
    return draft_date((env or environment()).draft) is not False


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def draft_notice(shared: dt.date | None, published: dt.date, recipient: str | None = None) -> str:
    """The banner text: the shared date if known (REPORT_DRAFT's, else the caller's SOURCE_DATE_EPOCH's),
    otherwise the planned publication date, which is in the source and so reproducible; a copy made
    for one participant names it."""
    published = _as_date(published)
    notice = DRAFT_NOTICE if recipient is None else DRAFT_NOTICE.replace("draft", f"draft for {recipient}", 1)
    if shared is None:
        return f"{notice} Shared with participants ahead of publication on {format_date(published)}."
    if shared > published:
        log.warning(f"the courtesy draft is dated {shared}, after the published date {published}")
    return f"{notice} Shared with participants on {format_date(shared)}, ahead of publication."


def recipient_name(report: Mapping[str, Any], recipient: str | None) -> str | None:
    """The participant a courtesy copy is made for (``REPORT_DRAFT_FOR``), by name; checked."""
    pid = (recipient or "").strip()
    if not pid:
        return None
    for entry in report.get("participants") or []:
        if str(entry.get("id")) == pid:       # a participant never named in public: by its pseudonym
            return str(entry.get("pseudonym") if entry.get("named") is False else entry.get("name"))
    raise ReportError(f"{RECIPIENT_ENV}={pid} names no participant", RECIPIENT_ENV, None,
                      "give the id of a participant in data/report.yml")
