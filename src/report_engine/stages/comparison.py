"""Part of the passes stage: the changes page's body, this edition against the previous one.

The previous edition still standing is read for the same audience (:mod:`report_engine.changes`);
what this audience does not get (redacted text, private values, facts printed only where it does
not read, participants that left since) is withheld from the comparison.
"""

from __future__ import annotations

import dataclasses
import logging

from .. import changes, editions, snapshots
from ..data import ReportData, records_of
from ..facts import private_values, text_leaves
from ..session import Session
from ..settings import Settings
from .configure import Configured
from .withheld import hidden_texts

log = logging.getLogger("mkdocs.plugins.report")


def body(settings: Settings, configured: Configured, data: ReportData, session: Session) -> str | None:
    """The changes page's body for this audience; None when nothing it follows changed (then
    there is no changes page)."""
    report = data.report
    project = settings.project_dir
    previous = changes.previous_edition(project, editions.edition_id(report))
    if previous is None:          # a first edition, or every earlier one withdrawn
        return changes.markdown(None, withdrawn=changes.withdrawn_before(project, editions.edition_id(report)))
    edition, commit = previous
    try:
        old = snapshots.previous_snapshot(project, commit, str(settings.audience))
    except RuntimeError as error:
        log.info(f"{changes.PAGE}: edition {edition} (tag {changes.TAG_PREFIX}{edition}) could not be read "
                 f"for the comparison: {error}")
        return changes.markdown(None, note=f"the sources of edition {edition} could not be read by this "
                                            "version of the report engine")
    hidden, _ = hidden_texts(session, settings.audience)
    private = [text for value in private_values(data.namespaces) if not settings.audience.can_see(value.owner)
               for text in text_leaves(value)]
    current = changes.take_snapshot(session, session.namespaces, editions.edition_id(report),
                                    str(report["edition_label"]))
    compared = changes.withhold(changes.compare(without_exited(old, configured, data), current),
                                hidden + private, session.hidden_facts)
    if compared.empty():
        return None
    return changes.markdown(compared, editions.edition_url(str(report["canonical_url"]), edition))


def without_exited(old: changes.Snapshot, configured: Configured, data: ReportData) -> changes.Snapshot:
    """The previous edition as if participants that left since had never taken part (their exit is
    silent): their pages, the facts printed there and their records are not compared."""
    if not configured.gone_ids:
        return old
    pages = configured.exited_pages
    records = records_of(data.namespaces, configured.gone_ids)
    return dataclasses.replace(
        old, pages=[page for page in old.pages if page["src"] not in pages],
        facts={path: fact for path, fact in old.facts.items() if fact.get("page") not in pages},
        records={key: value for key, value in old.records.items() if key not in records},
        withheld_records=[key for key in old.withheld_records if key not in records],
        sentences={src: text for src, text in old.sentences.items() if src not in pages})
