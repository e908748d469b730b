"""What a publish run deploys, decided from the editions already on the branch (mike's ``Versions``).

Nothing here changes anything: each function reads the branch's editions and says what to do, or
refuses.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from mike.versions import Versions

from .. import editions
from .branch import published_from
from .checks import Refusal

ALIASES_OF_NEWEST = (editions.LATEST,)
NEWSLETTER_DIR = "newsletter"


@dataclass
class Plan:
    """What a publish run deploys, shown by --dry-run and by the final summary."""

    edition: str
    title: str
    aliases: list[str]
    branch: str
    replaces: bool
    files: int = 0
    newsletter: int = 0

    def describe(self) -> list[str]:
        replaces = f"the published edition {self.edition} (--force)" if self.replaces else "nothing (new edition)"
        shown = editions.display_name(self.edition)           # a quarter as 2026-Q3 beside its folder's id
        return [f"  edition:  {self.edition}" + (f" ({shown})" if shown != self.edition else ""),
                f"  title:    {self.title}",
                f"  aliases:  {', '.join(self.aliases) or '(none: a newer edition keeps latest)'}",
                f"  branch:   {self.branch}",
                f"  files:    {self.files} (newsletter: {self.newsletter})",
                f"  replaces: {replaces}",
                f"  root:     redirects to {editions.LATEST}/"]


def edition_exists(versions: Versions, edition: str) -> bool:
    found = versions.find(edition)
    return bool(found) and len(found) == 1


def same_source(base: str, versions: Versions, edition: str, head: str) -> bool:
    """Is the edition on the branch already the one built from ``head``?"""
    return bool(head and base and edition_exists(versions, edition) and published_from(base, edition) == head)


def check_edition(versions: Versions, edition: str, args: argparse.Namespace) -> None:
    """Refuse an id that is an alias, a published edition without ``--force`` and a withdrawn one."""
    existing = versions.find(edition)
    if existing and len(existing) == 2:
        raise Refusal(f"edition id '{edition}' is already an alias of edition '{existing[0]}' on {args.branch}")
    if existing and not args.force:
        raise Refusal(f"edition {edition} is already published on {args.branch} as "
                      f"\"{versions[edition].title}\"; to correct it, pass --force --erratum \"what changed\"")
    if existing and (versions[edition].properties or {}).get("retracted"):
        raise Refusal(f"edition {edition} was withdrawn; publish the correction as a new edition")


def revisions_of(versions: Versions, edition: str) -> list[dict[str, str]]:
    """The errata already recorded for the edition (a new list: an erratum appends to it)."""
    if not versions.find(edition):
        return []
    properties = versions[edition].properties or {}
    return [dict(r) for r in properties.get("revisions", []) if isinstance(r, dict)]


def newest_aliases(versions: Versions, edition: str) -> list[str]:
    """``latest`` goes to this edition only if it is the newest that is not withdrawn, so republishing an
    old one never moves it back."""
    ids = [str(info.version) for info in versions if not (info.properties or {}).get("retracted")]
    return list(ALIASES_OF_NEWEST) if editions.newest(ids + [edition]) == edition else []
