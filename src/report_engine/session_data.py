"""The macros that print data: ``fact``, ``data_table`` and ``org``."""

from __future__ import annotations

from typing import Any

from . import positions, tables
from .errors import ReportError, did_you_mean
from .facts import Guarded, fact_text
from .records import AnonymousMention, DownloadUse, FactUse, PendingCheck, placeholder
from .session_core import SessionBase, macro


class DataMacros(SessionBase):
    """Facts, tables of records and participants' names, as each audience may read them."""

    @macro
    def fact(self, path: str, words: bool = False) -> str:
        """The value at a dotted path, formatted for prose; ``words=true``: a count below ten as a word."""
        if not isinstance(words, bool):
            raise ReportError(f"words takes true or false, got {words!r}", suggestion=f'write fact("{path}", words=true)')
        with self._frame() as token:
            text = fact_text(self.namespaces, path, self._check_owner, words)
        if self.current is None:
            return text
        self.fact_records.append(FactUse(path, text, (token,)))
        return positions.Anchored(text, token)

    @macro
    def data_table(self, source: str, columns: Any = None, sort: str | None = None, caption: str | None = None,
                   id: str | None = None, download: str | None = None) -> str:
        """A table of records from data/, numbered by its caption, with CSV and JSON of the same rows."""
        with self._frame() as token:
            return self._data_table(token, source, columns, sort, caption, id, download)

    def _data_table(self, token: str, source: str, columns: Any, sort: str | None, caption: str | None,
                    id: str | None, download: str | None) -> str:
        spec = tables.columns_of(columns)
        rows = tables.rows_at(self.variables, source)
        if sort is not None:
            rows = sorted_rows(rows, sort)
        if caption is not None and not isinstance(caption, str):
            raise ReportError("data_table: caption is text", suggestion='write caption="Incidents by date."')
        caption = positions.plain(caption) if caption is not None else None
        if id is not None and caption is None:
            raise ReportError("data_table: an id names the table's caption; give it a caption",
                              suggestion='write caption="...", id="tab-..."')

        def participant_text(pid: str, anonymous: bool) -> tuple[str, str]:
            participant = self._participant(pid)
            anonymous = anonymous or pid in self.anonymising
            shown = self.org(pid, anonymous=anonymous)
            knows = self.audience.knows(pid) or (participant.named and not anonymous)
            return shown, participant.name if knows else (participant.pseudonym or "")

        unnamed = {p.id for p in self.data.participants.values() if not p.named}
        shown, plain = [], []
        for row in rows:
            for column in spec:      # a never-named participant's id printed as it is names it
                value = (row.get(column.field) if unnamed and isinstance(row, dict)
                         and column.how not in ("participant", "pseudonym") else None)
                if isinstance(value, str) and value in unnamed:
                    raise ReportError(f"data_table: column '{column.heading}' would print '{value}', the id of a "
                                      "participant that is never named in public (named: false)",
                                      suggestion=f'format the column as a participant: ["{column.heading}", '
                                                 f'"{column.field}", "participant"]')
            cells = [tables.cell(row, column, self.variables, participant_text) for column in spec]
            shown.append([page_text for page_text, _ in cells])
            plain.append([positions.plain(text) for _, text in cells])
        parts = [tables.markdown_table(spec, shown)]
        if caption is not None:
            parts.append(tables.caption_block(caption, id))
        if download is not None:
            name = tables.check_name(download)
            if self.visible and self.current is not None:
                # Written where the table is shown, decided in pass two by where its anchor lands;
                # the links stand in place of the anchor there.
                where = self.location()
                source_file = self.data.files.get(source.split(".", 1)[0], f"data/{source.split('.', 1)[0]}.yml")
                text_csv, text_json = tables.download_files(spec, plain, source, source_file, caption)
                self.download_records.append(DownloadUse(
                    tables.Download(name, self.current.src, str(where), text_csv, text_json), (token,), where,
                    tables.download_links(name, self.current.url)))
                parts.append(token)
        return "\n\n".join(parts)

    @macro
    def org(self, pid: str, anonymous: bool = False) -> str:
        """A participant's name, or its pseudonym for audiences that may not know it."""
        participant = self._participant(pid)
        if not isinstance(anonymous, bool):
            raise ReportError(f"anonymous takes true or false, got {anonymous!r}", suggestion="write anonymous=true")
        anonymous = anonymous or pid in self.anonymising        # inside its own anonymised block
        if self.gone(pid) and pid not in {frame.redaction.owner for frame in self.stack}:
            # Decided where the mention lands: only inside the participant's own redactions.
            self.pending.append(PendingCheck(
                (placeholder(len(self.deferred)),) + self.frame_tokens(),
                ReportError(f"'{pid}' left the assessment silently (exited: true): a mention in open text tells "
                            "readers it took part",
                            suggestion=f'mention it only inside {{% call redact("{pid}") %}}...{{% endcall %}}, or '
                                       "cite its published work as literature").located(*self.here()),
                pid, nowhere_ok=True))
            self.anonymous.append(AnonymousMention(pid, self.location()))
            return self._defer("org", pid, len(self.anonymous) - 1)
        if not anonymous and participant.named:
            return participant.name
        if not participant.pseudonym:
            raise ReportError(f"participant '{pid}' has no pseudonym for an anonymous mention",
                              suggestion=f"add 'pseudonym: ...' to {pid} in data/report.yml")
        self.anonymous.append(AnonymousMention(pid, self.location()))
        return self._defer("org", pid, len(self.anonymous) - 1)


def sorted_rows(rows: list[Any], sort: str) -> list[Any]:
    """A data_table's records in the order of one field (type name first: numbers apart from text)."""
    missing = [row for row in rows if sort not in row]
    if missing:
        raise ReportError(f"data_table: a record has no field '{sort}' to sort by",
                          suggestion=did_you_mean(sort, list(missing[0]), "fields"))

    def order(row: Any) -> tuple[str, Any]:
        value = row[sort].unwrap() if isinstance(row[sort], Guarded) else row[sort]
        return type(value).__name__, value

    try:
        return sorted(rows, key=order)
    except TypeError:
        raise ReportError(f"data_table: the records' '{sort}' values cannot be put in order",
                          suggestion="sort by a field that every record has as plain text, a number "
                                     "or a date (a private value cannot be sorted on outside its redaction)") from None
