"""The project: one directory holding ``project.sqlite``, and the API over it.

:class:`Project` is what the command line drives and what a notebook imports. It
opens the store once, runs each public operation in one transaction, and returns
pandas DataFrames with documented columns. Feature modules (auto-coding, sheets,
aggregates, quotes, exchange) take a Project and use its store; this module holds
what they share: documents, turns, segments, participants and the codebook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .codings import CodingsMixin
from .errors import ImportConflict, MpspQualError, ProjectError, RegisterError, TranscriptError
from .ingest import SUPPORTED_EXTENSIONS, read_transcript
from .model import AUTO_CODER, Codebook, Document, Participant, PathLike
from .register import RESERVED, read_register
from .segment import UNITS, segment_documents
from .store import PROJECT_FILE, Store, now
from .withdraw import blank_speakers, purged_speakers

Progress = Callable[[int, str], None]

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
PARTICIPANT_COLUMNS = list(RESERVED)


@dataclass
class ImportReport:
    """What an import did: file names imported, left unchanged and replaced, and warnings."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    segments: int = 0


def expand_paths(paths: Iterable[PathLike]) -> list[Path]:
    """Files to import: each file as given, and the supported files inside each folder."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            # A README beside the transcripts is documentation, not an interview.
            out.extend(
                sorted(
                    f
                    for f in p.iterdir()
                    if f.is_file()
                    and f.suffix.lower() in SUPPORTED_EXTENSIONS
                    and not f.name.lower().startswith("readme")
                    and not f.name.startswith((".", "~$"))
                )
            )
        else:
            out.append(p)
    return out


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Project(CodingsMixin):
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
            from .codebook import load_codebook

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
            from .codebook import load_codebook_text

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
        from .codebook import codebook_to_yaml, load_codebook

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

    # -- participants ------------------------------------------------------------------

    def load_register(self, path: PathLike) -> list[str]:
        """Load (or update) the participants register; returns warnings.

        A participant once withdrawn stays withdrawn, whatever a later register says.

        Raises:
            RegisterError: the register is malformed.
        """
        people = read_register(path)
        with self.store.transaction():
            self._save_participants(people, source=str(path))
        return self._register_warnings(Path(path).name)

    def _save_participants(self, people: Sequence[Participant], *, source: str) -> None:
        """Upsert the register's rows.

        Raises:
            RegisterError: a row gives a speaker that the project already knows under
                another participant id (that would undo a withdrawal or a refusal).
        """
        conn = self.store.conn
        known = {
            (" ".join(t.split()).casefold(), " ".join(s.split()).casefold()): pid
            for pid, t, s in conn.execute(
                "SELECT participant_id, transcript, speaker FROM participants"
            )
            if t and s
        }
        for row, person in enumerate(people, start=2):
            key = (
                " ".join(person.transcript.split()).casefold(),
                " ".join(person.speaker.split()).casefold(),
            )
            other = known.get(key)
            if all(key) and other is not None and other != person.participant_id:
                raise RegisterError(
                    f"{Path(source).name}, row {row}: speaker {person.speaker!r} in "
                    f"{person.transcript} is already participant {other} in this project; "
                    f"keep the id {other} (a register may not give a speaker a new id)."
                )
        before = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT participant_id, transcript, speaker, name, organisation, role, consent_quotes, consent_named, attribution, withdrawn, attributes FROM participants"
            )
        }
        rows = [
            (
                p.participant_id,
                p.transcript,
                p.speaker,
                p.name,
                p.organisation,
                p.role,
                int(p.consent_quotes),
                int(p.consent_named),
                p.attribution,
                int(p.withdrawn),
                json.dumps(dict(p.attributes), ensure_ascii=False),
                i,
            )
            for i, p in enumerate(people)
        ]
        conn.executemany(
            """INSERT INTO participants (participant_id, transcript, speaker, name, organisation,
                   role, consent_quotes, consent_named, attribution, withdrawn, attributes, position)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(participant_id) DO UPDATE SET
                   transcript = excluded.transcript, speaker = excluded.speaker,
                   name = excluded.name, organisation = excluded.organisation,
                   role = excluded.role, consent_quotes = excluded.consent_quotes,
                   consent_named = excluded.consent_named, attribution = excluded.attribution,
                   withdrawn = MAX(participants.withdrawn, excluded.withdrawn),
                   attributes = excluded.attributes, position = excluded.position""",
            rows,
        )
        after = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT participant_id, transcript, speaker, name, organisation, role, consent_quotes, consent_named, attribution, withdrawn, attributes FROM participants"
            )
        }
        if after != before:
            self.store.audit("register", {"file": source, "participants": len(people)})

    def _register_warnings(self, register_name: str) -> list[str]:
        conn = self.store.conn
        docs = {r[0].casefold() for r in conn.execute("SELECT name FROM documents")}
        warnings = []
        for pid, transcript, speaker in conn.execute(
            "SELECT participant_id, transcript, speaker FROM participants ORDER BY position"
        ):
            if not transcript:
                continue
            if transcript.casefold() not in docs:
                warnings.append(
                    f"{register_name}: participant {pid} names transcript {transcript}, "
                    "which is not imported; import it, or fix the file name in the register."
                )
                continue
            spoken = conn.execute(
                "SELECT 1 FROM turns t JOIN documents d ON d.id = t.document_id "
                "WHERE d.name = ? COLLATE NOCASE AND t.speaker = ? COLLATE NOCASE LIMIT 1",
                (transcript, speaker),
            ).fetchone()
            if speaker and not spoken:
                warnings.append(
                    f"{register_name}: participant {pid} is speaker {speaker!r}, who never speaks "
                    f"in {transcript}; check the label."
                )
        return warnings

    def participants(self, *, include_withdrawn: bool = True) -> pd.DataFrame:
        """The register: the reserved columns (consent as booleans), then one per attribute."""
        rows = []
        where = "" if include_withdrawn else "WHERE withdrawn = 0"
        for r in self.store.execute(
            f"SELECT * FROM participants {where} ORDER BY position, participant_id"
        ):
            row = {c: r[c] for c in PARTICIPANT_COLUMNS}
            for c in ("consent_quotes", "consent_named", "withdrawn"):
                row[c] = bool(row[c])
            row.update(json.loads(r["attributes"]))
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else PARTICIPANT_COLUMNS)

    def participant(self, participant_id: str) -> Participant:
        """One participant.

        Raises:
            UnknownParticipant: no such id in the register.
        """
        r = self.store.execute(
            "SELECT * FROM participants WHERE participant_id = ?", (participant_id,)
        ).fetchone()
        if r is None:
            from .errors import UnknownParticipant

            raise UnknownParticipant(
                f"no participant {participant_id!r} in the register; `mpsp-qual participants` lists them."
            )
        return _participant(r)

    def participant_objects(self) -> dict[str, Participant]:
        """Every participant by id."""
        return {
            r["participant_id"]: _participant(r)
            for r in self.store.execute("SELECT * FROM participants ORDER BY position")
        }

    # -- import ------------------------------------------------------------------------

    def import_transcripts(
        self,
        paths: Iterable[PathLike],
        *,
        register: PathLike | None = None,
        unit: str | None = None,
        replace: bool = False,
        speaker: str | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import transcripts (and optionally the register), segmenting each.

        All or nothing: every file is read and checked before anything is written, and
        the writes are one transaction. Re-importing an unchanged file does nothing.

        Args:
            paths: files, or folders whose supported files are all imported.
            register: a participants register to load first.
            unit: ``turn`` or ``sentence``; None keeps an imported document's unit
                and uses ``turn`` for new ones. A different unit for an imported,
                unchanged document needs ``replace`` (it is then segmented again).
            replace: re-import files that changed since they were imported (their
                segments and codings are dropped).
            speaker: who speaks in transcripts that have no speaker labels.
            progress: called with (files done, file name) as each file is segmented.

        Raises:
            TranscriptError: a file cannot be read (the message names it).
            ImportConflict: a file changed since its import and ``replace`` is off.
            RegisterError: the register is malformed.
        """
        if unit is not None and unit not in UNITS:
            raise TranscriptError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}.")
        report = ImportReport()
        people = read_register(register) if register is not None else None
        given = [Path(p) for p in paths]
        files = expand_paths(given)
        if not files:
            names = ", ".join(str(p) for p in given) or "nothing"
            raise TranscriptError(
                f"no transcript files in {names}; give .txt, .md, .docx, .vtt or .srt files "
                "or folders holding them."
            )
        known = self._known_speakers(people)
        existing = {
            r["name"]: (r["sha256"], r["unit"])
            for r in self.store.execute("SELECT name, sha256, unit FROM documents")
        }
        to_write: list[tuple[Document, Path, str]] = []
        seen: dict[str, Path] = {}
        purged = purged_speakers(self)
        for path in files:
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
                read_transcript(path)  # raises the unknown-format error
            if not path.is_file():
                raise TranscriptError(f"{path}: no such file.")
            if path.name in seen:
                raise TranscriptError(
                    f"{path} has the same file name as {seen[path.name]}; rename one of them."
                )
            seen[path.name] = path
            digest = sha256_file(path)
            old_digest, old_unit = existing.get(path.name, (None, None))
            resegment = unit is not None and old_unit is not None and unit != old_unit
            if old_digest == digest and not resegment:
                report.unchanged.append(path.name)
                continue
            if old_digest == digest and not replace:
                raise ImportConflict(
                    f"{path.name} was imported by {old_unit}; pass --replace to segment it again "
                    f"by {unit} (its codings are dropped and must be redone)."
                )
            if path.name in existing and not replace:
                raise ImportConflict(
                    f"{path.name} has changed since it was imported; pass --replace to re-import it "
                    "(its segments and codings are dropped and must be redone)."
                )
            document = read_transcript(
                path, speaker=speaker, known_speakers=known.get(path.name.casefold(), frozenset())
            )
            report.warnings.extend(document.warnings)
            # A purged participant's words never come back, whatever file is imported.
            document = blank_speakers(document, purged.get(path.name.casefold(), set()))
            to_write.append((document, path, digest))

        with self.store.transaction() as conn:
            if people is not None:
                self._save_participants(people, source=str(register))
            done = len(report.unchanged)
            pending = ((doc, frozenset()) for doc, _, _ in to_write)
            for (document, segments), (_, path, digest) in zip(
                segment_documents(pending, unit=unit or "turn"), to_write
            ):
                if document.name in existing:
                    conn.execute("DELETE FROM documents WHERE name = ?", (document.name,))
                    report.replaced.append(document.name)
                else:
                    report.imported.append(document.name)
                self._write_document(document, path, digest, segments, unit or "turn")
                report.segments += len(segments)
                done += 1
                if progress:
                    progress(done, document.name)
            if to_write:
                self.store.audit(
                    "import",
                    {
                        "imported": report.imported,
                        "replaced": report.replaced,
                        "unit": unit or "turn",
                    },
                )
        if people is not None or to_write:
            name = Path(register).name if register is not None else "the register"
            report.warnings.extend(self._register_warnings(name))
        return report

    def _known_speakers(self, people: Sequence[Participant] | None) -> dict[str, frozenset[str]]:
        pairs = (
            [(p.transcript, p.speaker) for p in people]
            if people is not None
            else [
                (r[0], r[1])
                for r in self.store.execute("SELECT transcript, speaker FROM participants")
            ]
        )
        known: dict[str, set[str]] = {}
        for transcript, speaker in pairs:
            if transcript and speaker:
                known.setdefault(transcript.casefold(), set()).add(speaker)
        return {k: frozenset(v) for k, v in known.items()}

    def _write_document(
        self, document: Document, path: Path, digest: str, segments, unit: str
    ) -> None:
        conn = self.store.conn
        cur = conn.execute(
            "INSERT INTO documents (name, path, format, sha256, text, metadata, unit, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.name,
                str(path),
                document.format,
                digest,
                document.text,
                json.dumps(dict(document.metadata), ensure_ascii=False),
                unit,
                now(),
            ),
        )
        doc_id = cur.lastrowid
        conn.executemany(
            "INSERT INTO turns (document_id, idx, speaker, start, end, start_time, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (doc_id, t.index, t.speaker, t.start, t.end, t.start_time, t.text)
                for t in document.turns
            ],
        )
        rows = []
        for segment, tokens in segments:
            lemmas, offsets = tokens.encode()
            seq = int(segment.segment_id.rsplit(".", 1)[1])
            rows.append(
                (
                    segment.segment_id,
                    doc_id,
                    segment.turn,
                    seq,
                    segment.speaker,
                    segment.start,
                    segment.end,
                    segment.text,
                    lemmas,
                    offsets,
                )
            )
        conn.executemany(
            "INSERT INTO segments (id, document_id, turn_idx, seq, speaker, start, end, text, "
            "lemmas, offsets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

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

    def turns(self, *, document: str | None = None) -> pd.DataFrame:
        """Every turn, the interviewer's included: columns :data:`TURN_COLUMNS`."""
        sql = """SELECT d.name AS document, t.idx AS turn, t.speaker, p.participant_id,
                        t.start_time, t.start, t.end, t.text
                 FROM turns t JOIN documents d ON d.id = t.document_id
                 LEFT JOIN participants p ON p.transcript = d.name COLLATE NOCASE
                                          AND p.speaker = t.speaker COLLATE NOCASE"""
        params: tuple = ()
        if document:
            sql += " WHERE d.name = ?"
            params = (document,)
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
        """Auto-code participant segments; see :func:`mpsp_qual.autocode.autocode`."""
        from .autocode import autocode

        return autocode(self, dry_run=dry_run, progress=progress)

    def prevalence(self, *, coder: str | None = None, by: str | None = None) -> pd.DataFrame:
        """Prevalence by code; see :func:`mpsp_qual.aggregate.prevalence`."""
        from .aggregate import prevalence

        return prevalence(self, coder=coder, by=by)

    def quotes(self, **options) -> pd.DataFrame:
        """The consent-gated quote bank; see :func:`mpsp_qual.quotes.quote_bank`."""
        from .quotes import quote_bank

        return quote_bank(self, **options)

    def verify(self, draft: PathLike) -> pd.DataFrame:
        """Check a report draft's quotes; see :func:`mpsp_qual.verify.verify_draft`."""
        from .verify import verify_draft

        return verify_draft(self, draft)

    def withdraw(self, participant_id: str, *, purge: bool = False):
        """Withdraw a participant; see :func:`mpsp_qual.withdraw.withdraw`."""
        from .withdraw import withdraw

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


def _participant(r) -> Participant:
    return Participant(
        participant_id=r["participant_id"],
        transcript=r["transcript"],
        speaker=r["speaker"],
        name=r["name"],
        organisation=r["organisation"],
        role=r["role"],
        consent_quotes=bool(r["consent_quotes"]),
        consent_named=bool(r["consent_named"]),
        attribution=r["attribution"],
        withdrawn=bool(r["withdrawn"]),
        attributes=json.loads(r["attributes"]),
    )
