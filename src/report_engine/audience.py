"""Who a build is for, and what they may see.

``REPORT_AUDIENCE`` is ``public`` (the default), ``participant:ID`` or
``internal``. Owners are participant ids: a participant sees its own
redactions, internal readers see everything, public readers see none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import ReportError, did_you_mean
from .settings import AUDIENCE_ENV

ENV_VAR = AUDIENCE_ENV                       # kept for reports that import the old name


@dataclass(frozen=True)
class Audience:
    kind: str                      # "public" | "participant" | "internal"
    participant: str | None = None

    @property
    def is_public(self) -> bool:
        return self.kind == "public"

    @property
    def slug(self) -> str:
        """A file-name-safe name: ``public``, ``participant-helios``, ``internal``."""
        return f"participant-{self.participant}" if self.participant else self.kind

    def __str__(self) -> str:
        return f"participant:{self.participant}" if self.participant else self.kind

    def can_see(self, owner: str) -> bool:
        """May this audience read content owned by ``owner``?"""
        return self.kind == "internal" or self.participant == owner

    def knows(self, participant: str) -> bool:
        """May this audience learn who ``participant`` is behind a pseudonym?"""
        return self.can_see(participant)


def parse_audience(value: str | None, participants: Iterable[str], source: str = ENV_VAR) -> Audience:
    """Parse and validate an audience; unknown kinds or ids fail with a suggestion."""
    ids = sorted(participants)
    text = (value or "public").strip()
    if text in ("public", "internal"):
        return Audience(text)
    if text.startswith("participant:"):
        pid = text.split(":", 1)[1]
        if pid not in ids:
            raise ReportError(f"unknown participant '{pid}' in {ENV_VAR}={text}", source, None,
                              did_you_mean(pid, ids, "participant ids"))
        if getattr(participants.get(pid), "exited", False) if isinstance(participants, Mapping) else False:
            raise ReportError(f"participant '{pid}' left the assessment (exited: true in data/report.yml): "
                              "no report is built for it", source, None,
                              "build the internal report, which keeps what it shared and its decisions")
        return Audience("participant", pid)
    choices = ["public", "internal"] + [f"participant:{i}" for i in ids]
    raise ReportError(f"unknown audience '{text}' in {ENV_VAR}", source, None,
                      did_you_mean(text, choices, "audiences"))

