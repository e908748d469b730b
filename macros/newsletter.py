"""The newsletter edition of the executive summary (to be built: issue 6)."""

from __future__ import annotations

from pathlib import Path


def write_newsletter(site: Path, session, report) -> None:
    """Write the newsletter files of a public build into ``site``."""
