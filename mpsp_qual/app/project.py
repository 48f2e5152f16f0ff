"""The project: one directory holding ``project.sqlite``, and the API over it.

:class:`Project` is what the command line drives and what a notebook imports. It
opens the store once, runs each public operation in one transaction, and returns
pandas DataFrames with documented columns. Feature modules (auto-coding, sheets,
aggregates, quotes, exchange) take a Project and use its store; this module holds
opening and closing, the codebook, the listings of documents, turns and segments,
and the feature entry points. The import, participants and codings APIs come from
mixins in :mod:`~mpsp_qual.app.importing`, :mod:`~mpsp_qual.app.participants` and
:mod:`~mpsp_qual.app.codings`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mpsp_qual.app.codings import CodingsMixin
from mpsp_qual.app.importing import ImportMixin, ImportReport, Progress, expand_paths, sha256_file
from mpsp_qual.app.participants import PARTICIPANT_COLUMNS, ParticipantsMixin
from mpsp_qual.core.errors import MpspQualError, ProjectError
from mpsp_qual.core.model import AUTO_CODER, Codebook, PathLike
from mpsp_qual.inputs.register import read_register
from mpsp_qual.store.db import PROJECT_FILE, Store

__all__ = [
    "DOCUMENT_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "SEGMENT_COLUMNS",
    "TURN_COLUMNS",
    "ImportReport",
    "Project",
    "expand_paths",
    "sha256_file",
]

TURN_COLUMNS = [
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start_time",
    "start",
    "end",
    "text",
]
SEGMENT_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start_time",
    "start",
    "end",
    "text",
]
DOCUMENT_COLUMNS = ["document", "format", "turns", "segments", "words", "sha256", "imported_at"]


class Project(ImportMixin, ParticipantsMixin, CodingsMixin):
    """An mpsp-qual project directory and its open project file.

    Example:
        >>> project = Project.init("my-study", codebook="codebooks/partnerships.yaml")
        >>> project.import_transcripts(["interviews/"], register="participants.csv")
        >>> project.segments().head()
    """

    def __init__(self, directory: PathLike, store: Store) -> None:
        self.directory = Path(directory)
        self.store = store
        self._codebook: Codebook | None = None

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, directory: PathLike = ".") -> Project:
        """Open an existing project.

        Raises:
            ProjectError: the directory holds no project file.
        """
        d = Path(directory)
        return cls(d, Store(d / PROJECT_FILE))

    @classmethod
    def init(
        cls,
        directory: PathLike = ".",
        *,
        codebook: PathLike | Codebook | None = None,
        register: PathLike | None = None,
    ) -> Project:
        """Create a project (or open the one already there) and load its inputs.

        Raises:
            ProjectError: the directory cannot be created.
            CodebookError, RegisterError: the codebook or register is invalid; then no
                project file is left behind.
        """
        d = Path(directory)
        existed = (d / PROJECT_FILE).exists()
        cb = None
        if codebook is not None and not isinstance(codebook, Codebook):
            from mpsp_qual.inputs.codebook import load_codebook

            cb = load_codebook(codebook)
        elif isinstance(codebook, Codebook):
            cb = codebook
        people = read_register(register) if register is not None else None
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"cannot create project directory {d} ({exc.strerror}).") from None
        project = cls(d, Store(d / PROJECT_FILE, create=True))
        try:
            with project.store.transaction():
                if not existed:
                    project.store.audit("init", {"directory": str(d)})
                if cb is not None:
                    project.set_codebook(cb, force=not existed)
                if people is not None:
                    project._save_participants(people, source=str(register))
        except MpspQualError:
            project.close()
            if not existed:
                for suffix in ("", "-wal", "-shm"):
                    (d / (PROJECT_FILE + suffix)).unlink(missing_ok=True)
            raise
        return project

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """One transaction for several operations (they each join it)."""
        return self.store.transaction()

    # -- codebook ----------------------------------------------------------------------

    @property
    def codebook(self) -> Codebook:
        """The project's codebook.

        Raises:
            ProjectError: no codebook was loaded.
        """
        if self._codebook is None:
            text = self.store.get_setting("codebook")
            if text is None:
                raise ProjectError(
                    f"the project in {self.directory} has no codebook; "
                    "load one with `mpsp-qual codebook set FILE`."
                )
            from mpsp_qual.inputs.codebook import load_codebook_text

            self._codebook = load_codebook_text(text, source="the project's codebook")
        return self._codebook

    def has_codebook(self) -> bool:
        return self.store.get_setting("codebook") is not None

    def set_codebook(self, codebook: Codebook | PathLike, *, force: bool = False) -> list[str]:
        """Replace the codebook; returns the ids of codes whose codings were dropped.

        Raises:
            CodebookError: the new codebook is invalid.
            ProjectError: the change would orphan existing codings and ``force`` is off.
        """
        from mpsp_qual.inputs.codebook import codebook_to_yaml, load_codebook

        cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        with self.store.transaction() as conn:
            new_ids = {c.id for c in cb}
            used = [
                r[0]
                for r in conn.execute("SELECT DISTINCT code FROM codings ORDER BY code")
                if r[0] not in new_ids
            ]
            if used and not force:
                raise ProjectError(
                    f"the new codebook drops {len(used)} code(s) that have codings "
                    f"({', '.join(used[:5])}{'...' if len(used) > 5 else ''}); "
                    "to drop those codings too, run `mpsp-qual codebook set FILE --force`."
                )
            marks = ",".join("?" * len(new_ids))
            conn.execute(f"DELETE FROM codings WHERE code NOT IN ({marks})", tuple(new_ids))
            conn.execute(f"DELETE FROM codes WHERE id NOT IN ({marks})", tuple(new_ids))
            conn.executemany(
                "INSERT INTO codes (id, parent, name, position) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET parent = excluded.parent, name = excluded.name, "
                "position = excluded.position",
                [(c.id, c.parent, c.name, i) for i, c in enumerate(cb)],
            )
            self.store.set_setting("codebook", codebook_to_yaml(cb))
            self.store.audit(
                "codebook set",
                {"name": cb.name, "version": cb.version, "codes": len(cb), "dropped": used},
            )
        self._codebook = cb
        return used

    # -- listings ----------------------------------------------------------------------

    def documents(self) -> pd.DataFrame:
        """One row per document: ``document, format, turns, segments, words, sha256, imported_at``."""
        rows = self.store.execute(
            """SELECT d.name AS document, d.format,
                      (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id) AS turns,
                      (SELECT COUNT(*) FROM segments s WHERE s.document_id = d.id) AS segments,
                      d.text AS text, d.sha256, d.imported_at
               FROM documents d ORDER BY d.name"""
        ).fetchall()
        data = [
            {
                **{k: r[k] for k in ("document", "format", "turns", "segments")},
                "words": len(r["text"].split()),
                "sha256": r["sha256"],
                "imported_at": r["imported_at"],
            }
            for r in rows
        ]
        return pd.DataFrame(data, columns=DOCUMENT_COLUMNS)

    def document_text(self, name: str) -> str:
        """The plain text of one document (what offsets point into)."""
        row = self.store.execute("SELECT text FROM documents WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ProjectError(
                f"no document {name!r} in the project; `mpsp-qual documents` lists them."
            )
        return row[0]

    def turns(self, *, document: str | None = None, include_withdrawn: bool = True) -> pd.DataFrame:
        """Every turn, the interviewer's included: columns :data:`TURN_COLUMNS`.

        Args:
            document: only this document's turns.
            include_withdrawn: keep the turns of withdrawn participants.
        """
        sql = """SELECT d.name AS document, t.idx AS turn, t.speaker, p.participant_id,
                        t.start_time, t.start, t.end, t.text
                 FROM turns t JOIN documents d ON d.id = t.document_id
                 LEFT JOIN participants p ON p.transcript_key = mpsp_fold(d.name)
                 AND p.speaker_key = mpsp_fold(t.speaker)"""
        params: tuple = ()
        clauses = [] if include_withdrawn else ["COALESCE(p.withdrawn, 0) = 0"]
        if document:
            clauses.append("d.name = ?")
            params = (document,)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY d.name, t.idx"
        return pd.read_sql_query(sql, self.store.conn, params=params).reindex(columns=TURN_COLUMNS)

    def segments(
        self,
        *,
        participants_only: bool = False,
        include_withdrawn: bool = True,
        document: str | None = None,
    ) -> pd.DataFrame:
        """Every segment: columns :data:`SEGMENT_COLUMNS`.

        Args:
            participants_only: only segments spoken by a participant in the register.
            include_withdrawn: keep segments of withdrawn participants.
            document: only this document's segments.
        """
        clauses, params = [], []
        if participants_only:
            clauses.append("participant_id IS NOT NULL")
        if not include_withdrawn:
            clauses.append("withdrawn = 0")
        if document:
            clauses.append("document = ?")
            params.append(document)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT * FROM segment_view {where} ORDER BY document, turn, seq"
        return pd.read_sql_query(sql, self.store.conn, params=params).reindex(
            columns=SEGMENT_COLUMNS
        )

    # -- feature entry points: the command line mirrors these -----------------------------

    def autocode(self, *, dry_run: bool = False, progress: Progress | None = None) -> pd.DataFrame:
        """Auto-code participant segments; see :func:`mpsp_qual.coding.autocode.autocode`."""
        from mpsp_qual.coding.autocode import autocode

        return autocode(self, dry_run=dry_run, progress=progress)

    def prevalence(self, *, coder: str | None = None, by: str | None = None) -> pd.DataFrame:
        """Prevalence by code; see :func:`mpsp_qual.analysis.aggregate.prevalence`."""
        from mpsp_qual.analysis.aggregate import prevalence

        return prevalence(self, coder=coder, by=by)

    def quotes(self, **options) -> pd.DataFrame:
        """The consent-gated quote bank; see :func:`mpsp_qual.consent.quotes.quote_bank`."""
        from mpsp_qual.consent.quotes import quote_bank

        return quote_bank(self, **options)

    def verify(self, draft: PathLike) -> pd.DataFrame:
        """Check a report draft's quotes; see :func:`mpsp_qual.consent.verify.verify_draft`."""
        from mpsp_qual.consent.verify import verify_draft

        return verify_draft(self, draft)

    def withdraw(self, participant_id: str, *, purge: bool = False):
        """Withdraw a participant; see :func:`mpsp_qual.consent.withdraw.withdraw`."""
        from mpsp_qual.consent.withdraw import withdraw

        return withdraw(self, participant_id, purge=purge)

    def coders(self) -> list[str]:
        """Every coder with codings or coded segments, ``auto`` first."""
        names = {
            r[0]
            for r in self.store.execute(
                "SELECT coder FROM codings UNION SELECT coder FROM coded_segments"
            )
        }
        return sorted(names, key=lambda n: (n != AUTO_CODER, n))
