"""Editions, courtesy drafts and reproducible builds.

A report is repeated on a schedule. Each edition is published with mike as a
"version" named by ``edition`` in ``data/report.yml`` and titled by its
``edition_label``; ``latest`` names the newest edition and the site's root
redirects there (see :mod:`report_engine.publish`, which does the deploying).

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
from typing import Any, Mapping

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
# The ids `publish` accepts: the year and month the edition covers, then an optional suffix
# ("2026-03", "2026-03-b", "2026-03-15"). They sort as text in time order, and the newest is the
# largest; mike alone would sort ids that do not start with a digit first.
EDITION_SCHEME = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-[a-z0-9]+)?")
SCHEME_EXAMPLE = 'edition: "2026-03" (year and month, then an optional suffix such as "2026-03-b")'
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
    if audience.is_public:
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
    if not EDITION_SCHEME.fullmatch(raw):
        return f"edition '{raw}' in {REPORT_FILE} does not sort by time"
    return None


def newest(ids: list[str]) -> str | None:
    """The newest of some edition ids: the largest in the scheme; ids outside it count as oldest."""
    ranked = sorted(ids, key=lambda i: (bool(EDITION_SCHEME.fullmatch(i)), i))
    return ranked[-1] if ranked else None


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
