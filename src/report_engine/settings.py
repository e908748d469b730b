"""What a build is told from outside the report's files: the environment and the plugin's settings.

The engine's documented environment variables are named here, once, and this is the only module
that reads the process environment (:func:`environment`) or makes one for a process the engine
starts (:func:`child_environment`). A build reads it once, into :class:`Settings`, a frozen value
every stage receives; commands read it once, into :class:`Environment`.

=====================  ========================================================================
``REPORT_AUDIENCE``    the audience to build for (``public``, ``internal``, ``participant:ID``)
``REPORT_PDF``         ``1``: make the whole report as one PDF too
``REPORT_HELPERS``     ``0``: no helper processes on other cores (:mod:`report_engine.ahead`)
``REPORT_DRAFT``       ``1`` or a date: a courtesy draft (shared that day)
``REPORT_DRAFT_FOR``   the participant a courtesy copy is made for
``REPORT_EDITION``     the edition ``publish`` is deploying (set by the engine)
``REPORT_REVISIONS``   an erratum's revisions, as JSON (set by ``publish --force --erratum``)
``REPORT_SNAPSHOT``    where a build of an earlier edition writes its snapshot (set by the engine)
``REPORT_REVIEW_ITEMS`` where a review packet's build writes its items (set by the engine)
``MIKE_DOCS_VERSION``  set by ``mike deploy``: such a build is refused
``SOURCE_DATE_EPOCH``  the date every page carries (MkDocs reads it too)
=====================  ========================================================================

The base a report builds on is not a variable: it is what the report installs (:func:`base`).
ProperDocs, the maintained fork of MkDocs 1.x, when the ``properdocs`` package is installed;
MkDocs 1.6.1 otherwise. Every process the engine starts to build runs that base
(:meth:`Base.command`), and the engine's own commands build on it in process (:meth:`Base.activate`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from .audience import Audience

AUDIENCE_ENV = "REPORT_AUDIENCE"
PDF_ENV = "REPORT_PDF"
HELPERS_ENV = "REPORT_HELPERS"
DRAFT_ENV = "REPORT_DRAFT"
RECIPIENT_ENV = "REPORT_DRAFT_FOR"
EDITION_ENV = "REPORT_EDITION"
REVISIONS_ENV = "REPORT_REVISIONS"
SNAPSHOT_ENV = "REPORT_SNAPSHOT"
ITEMS_ENV = "REPORT_REVIEW_ITEMS"
MIKE_ENV = "MIKE_DOCS_VERSION"
EPOCH_ENV = "SOURCE_DATE_EPOCH"
# MkDocs 1.6.1 prints a notice about MkDocs 2.0 on every run unless this is set.
QUIET_ENV = "NO_MKDOCS_2_WARNING"


@dataclasses.dataclass(frozen=True)
class Environment:
    """The engine's variables as the process was given them (``None``: unset)."""

    audience: str | None = None
    pdf: str | None = None
    helpers: str | None = None
    draft: str | None = None
    recipient: str | None = None
    edition: str | None = None
    revisions: str | None = None
    snapshot: str | None = None
    review_items: str | None = None
    mike_version: str | None = None
    epoch: str | None = None

    @property
    def helpers_allowed(self) -> bool:
        return self.helpers != "0"


_FIELDS = {AUDIENCE_ENV: "audience", PDF_ENV: "pdf", HELPERS_ENV: "helpers", DRAFT_ENV: "draft",
           RECIPIENT_ENV: "recipient", EDITION_ENV: "edition", REVISIONS_ENV: "revisions",
           SNAPSHOT_ENV: "snapshot", ITEMS_ENV: "review_items", MIKE_ENV: "mike_version", EPOCH_ENV: "epoch"}


def environment(source: Mapping[str, str] | None = None) -> Environment:
    """The engine's variables, read from ``source`` (the process environment unless given)."""
    values = os.environ if source is None else source
    return Environment(**{field: values.get(name) for name, field in _FIELDS.items()})


def child_environment(*, drop: tuple[str, ...] = (), **values: str) -> dict[str, str]:
    """The environment for a process the engine starts: this one's, without ``drop``, with ``values``
    (keyed by variable name) and with MkDocs' 2.0 notice silenced."""
    env = {name: value for name, value in os.environ.items() if name not in drop}
    env[QUIET_ENV] = "1"
    env.update(values)
    return env


@dataclasses.dataclass(frozen=True)
class Base:
    """The MkDocs 1.x a report builds on: its name for people, and the module that is its program."""

    name: str                       # "ProperDocs" or "MkDocs"
    module: str                     # "properdocs" or "mkdocs": ``python -m MODULE build``

    def command(self, verb: str, *arguments: str, project_dir: Path | None = None) -> list[str]:
        """``python -m <base> VERB ARGUMENTS`` with this interpreter. The report's ``mkdocs.yml`` is
        named when no ``--config-file`` is given and it is there (in ``project_dir``, else the
        current folder): ProperDocs looks for ``properdocs.yml`` first and notes the fallback."""
        named = any(a in ("-f", "--config-file") or a.startswith("--config-file=") for a in arguments)
        where = project_dir if project_dir is not None else Path.cwd()
        config = [] if named or not (where / CONFIG_FILE).is_file() else ["--config-file", CONFIG_FILE]
        return [sys.executable, "-m", self.module, verb, *config, *arguments]

    def activate(self) -> None:
        """Make ``import mkdocs`` in this process load this base. ProperDocs redirects ``mkdocs.*``
        imports only when it is the program run; the engine's commands that build in process (the
        audit, a review packet's items, an earlier edition's snapshot) turn the redirect on here,
        before anything imports MkDocs."""
        if self.module == PROPERDOCS.module:
            importlib.import_module("properdocs.replacement")


PROPERDOCS = Base("ProperDocs", "properdocs")
MKDOCS = Base("MkDocs", "mkdocs")
CONFIG_FILE = "mkdocs.yml"


@functools.lru_cache(maxsize=1)
def base() -> Base:
    """ProperDocs when it is installed, else MkDocs: a report chooses its base by what its
    requirements install (mike decides the same way)."""
    return PROPERDOCS if importlib.util.find_spec(PROPERDOCS.module) is not None else MKDOCS


def quiet_mkdocs() -> None:
    """Silence MkDocs' 2.0 notice in this process (the engine's commands run MkDocs in process)."""
    os.environ.setdefault(QUIET_ENV, "1")


def yes(value: str | None) -> bool:
    """A variable that switches something on: ``1``, ``true``, ``yes`` or ``on``."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclasses.dataclass(frozen=True)
class Settings:
    """One build's settings: made once (:mod:`report_engine.stages.configure`), read by every stage.

    ``draft`` is ``False`` for no courtesy draft, ``None`` for a draft with no date given, or the
    day it is shared. ``caller_epoch`` is the day of a ``SOURCE_DATE_EPOCH`` the caller set.
    """

    project_dir: Path
    docs_dir: Path
    config_file: Path
    audience: Audience
    serving: bool                   # under `mkdocs serve`: checks that change no output come after
    make_pdf: bool
    draft: dt.date | None | bool
    recipient: str | None
    deploying: str | None           # the edition `publish` deploys, if this build is its
    revisions: tuple[Mapping[str, str], ...]
    caller_epoch: dt.date | None
    reading_snapshot: bool          # this build reads an earlier edition for the changes page
    helpers: bool
    env: Environment = dataclasses.field(repr=False, default_factory=Environment)
