"""Stage six, finish: clean the published images, audit everything written, stamp it, put it in place.

The audit searches every file of the staging folder for what the audience may not read (its
fingerprints: made once per outcome of the passes, on another core while MkDocs writes the
pages). A build with a finding stops and the staging folder is discarded, so the previous site
stays as it was; a clean one is stamped (``publish`` and ``audit`` check the stamp) and promoted.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from .. import ahead, audit, caches, outputs, published, stamps
from ..session import Session
from ..settings import Settings
from .configure import Configured

log = logging.getLogger("mkdocs.plugins.report")


class Fingerprints:
    """What the audit searches for, remembered per outcome of the passes and made ahead."""

    def __init__(self, settings: Settings, session: Session, passes_key: str) -> None:
        self.session = session
        self.memo = caches.PassMemo(settings.project_dir, "fingerprints")
        # What the audit searches for depends only on the passes' outcome and the files left out.
        self.key = caches.digest(passes_key, repr(sorted(session.withheld_assets)))
        self.helper: ahead.Helper | None = None

    def make_ahead(self, site: Path, files: Any, theme_dirs: list[str], project_dir: Path) -> None:
        """On another core, while MkDocs writes the site: the fingerprints, then the audit of the
        files MkDocs' ``files`` copies and writes into ``site``, in its order, behind it
        (:func:`audit.audit_as_written`); the build's own audit reads what this one found clean."""
        written = [file for file in files if file.inclusion.is_included()]     # what `mkdocs build` writes
        targets = [Path(file.abs_dest_path) for file in written if not file.is_documentation_page()]
        targets += [Path(file.abs_dest_path) for file in written if file.is_documentation_page()]

        def make(key: str) -> None:
            prints = audit.fingerprints(self.session)
            self.memo.save(key, prints)
            settings = audit.build_audit_settings(self.session, theme_dirs, project_dir, prints)
            audit.audit_as_written(site, targets, ahead.stopping, **settings)
        # Fingerprints remembered mean the passes' outcome is too: the audit's memo knows the files.
        self.helper = ahead.Helper("fingerprints", [self.key], self.memo.has, make)

    def stop(self) -> None:
        if self.helper is not None:
            self.helper.stop()
            self.helper = None

    def get(self) -> list[audit.Fingerprint]:
        self.stop()                     # the helper ends the one it has in hand: read here
        prints = self.memo.load(self.key)
        if not isinstance(prints, list):
            prints = audit.fingerprints(self.session)
            self.memo.save(self.key, prints)
        return prints


def clean_images(site: Path, session: Session) -> None:
    """Metadata no reader sees (EXIF, XMP, IPTC, text chunks, comments) removed from the published
    copies of the report's raster images, before the PDF embeds them and the audit reads them
    (see :func:`published.clean_image`); docs/ is never touched."""
    cleaned = published.clean_images(site, skip=session.theme_outputs)
    if cleaned:
        log.info(f"Hidden metadata removed from {len(cleaned)} published image(s): {', '.join(cleaned[:5])}"
                 + (f" and {len(cleaned) - 5} more" if len(cleaned) > 5 else ""))


def run_audit(settings: Settings, session: Session, site: Path, theme_dirs: list[str],
              fingerprints: Fingerprints) -> list[audit.Finding]:
    """Every file of ``site`` searched for what the audience may not read."""
    return audit.audit_build(site, session, theme_dirs, settings.project_dir, fingerprints.get(),
                             ahead_helper=not settings.serving)


def finish(settings: Settings, configured: Configured, session: Session, site: Path, theme_dirs: list[str],
           fingerprints: Fingerprints) -> Path:
    """Audit the staging folder; stamp it and put it in place, or discard it and stop. Returns
    where the site now is."""
    started = time.perf_counter()
    findings = run_audit(settings, session, site, theme_dirs, fingerprints)
    if findings:
        outputs.discard(configured.staging)
        raise audit.findings_error(findings, site)
    draft = "draft " if configured.draft else ""
    stamps.write_stamp(settings.project_dir, site, draft + str(settings.audience))
    outputs.promote(configured.staging, configured.final_site_dir)
    log.info(f"Leak audit passed for the {settings.audience} build in {time.perf_counter() - started:.2f} s")
    return configured.final_site_dir

