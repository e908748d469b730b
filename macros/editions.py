"""Editions, courtesy drafts and reproducible builds (to be built: issue 5)."""

from __future__ import annotations


def configure(config, report, audience) -> None:
    """Adjust the MkDocs configuration for the edition being built."""
