"""``python -m macros publish``: put one edition online, keeping every other one.

Publishing is the one step that cannot be taken back: readers and search
engines copy what they see, and a cited edition must stay at its address. So
the command checks everything before it touches the ``gh-pages`` branch, in
this order, and refuses with one line at the first problem:

1. the process is set up for the public, final build (``REPORT_AUDIENCE`` unset
   or ``public``; no ``REPORT_DRAFT``);
2. the report is a git repository (with ``--push``, the remote is fetched, so
   an edition someone else already pushed counts as published);
3. the edition id from ``data/report.yml`` is not already published (unless
   ``--force``, which replaces that edition and nothing else);
4. the public build passes, including the leak audit that ends every build.

What publish writes itself (withdrawal notices and reasons, errata notes, the root feed,
``versions.json``, the root redirect and ``404.html``, ``latest/`` redirects, its commit messages
on the branch) is audited too, like a build's output and with the same machinery
(:func:`audit.audit_site`), against :func:`published_fingerprints`: what no public output may
hold, read from the report's data. A ``--reason`` or ``--erratum`` that names what it must not is
refused before anything is changed; whatever else the commits would put online is audited before
the branch is pushed, and a finding puts the branch back (:func:`audit_written`).

The build runs in a child process (``mkdocs build``, as an author runs it) into
a temporary folder, with ``REPORT_EDITION`` set so that
:mod:`report_engine.editions` points canonical URLs at the edition's folder. mike's
Python API then commits that folder: the edition under its id and label,
``latest`` moved to it if it is the newest edition (as redirects, which GitHub
Pages serves from a branch, unlike symlinks), and the root redirecting to
``latest/``. We do not call ``mike deploy``: it reads the configuration in its
own process, where the engine's staging folder is not the folder the build
ends in, and it would overwrite an existing edition without asking.

The package, one job a module:

* :mod:`.command`: the command line and the publish flow;
* :mod:`.checks`: what is checked before anything changes, and the audit of what publish writes;
* :mod:`.plan`: what a run deploys, decided from the editions already on the branch;
* :mod:`.branch`: the ``gh-pages`` branch, its remote (a transaction, never forced) and the tags;
* :mod:`.deploy`: the edition built, audited and committed with mike;
* :mod:`.feed`: the site's root: its redirect, ``404.html`` and the feed of every edition;
* :mod:`.withdrawal`: ``--retract``, an edition's pages replaced by a notice;
* :mod:`.listing`: ``editions`` and ``preview``, what is online.

Git itself is :mod:`report_engine.gitrepo`'s. The names imported below are those of the single
``publish.py`` module this package replaces (and the few its unit tests read): they stay
importable from ``report_engine.publish``.
"""

from __future__ import annotations

from ..settings import AUDIENCE_ENV, PDF_ENV  # noqa: F401
from ..gitrepo import TAG_PREFIX  # noqa: F401
from .branch import (PUSH_ATTEMPTS, fetch, local_tip, on_remote, published_from, published_versions,  # noqa: F401
                     push, reconcile, restore, source_commit, tag_source, versions_at)
from .checks import (INPUTS, Refusal, audit_written, check_environment, check_text, git_checks,  # noqa: F401
                     one_line, published_fingerprints, read_edition, today)
from .command import add_parser, already_done, publish, refuse, run  # noqa: F401
from .deploy import audit_built_site, build, deploy, failing_lines, use_directory_urls  # noqa: F401
from .feed import ROOT_MESSAGE, entry_as_published, feed_entries, not_found_page, root_feed, root_pages  # noqa: F401
from .listing import edition_status, run_editions, run_preview  # noqa: F401
from .plan import (ALIASES_OF_NEWEST, NEWSLETTER_DIR, Plan, check_edition, edition_exists,  # noqa: F401
                   newest_aliases, revisions_of, same_source)
from .withdrawal import (PURGE, Withdrawal, drop_alias, retract, tag_withdrawn, withdrawal,  # noqa: F401
                         withdrawn_page)
