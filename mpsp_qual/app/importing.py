"""Transcript import: reading files, segmenting them and writing them in one go.

:class:`ImportService` is what :class:`~mpsp_qual.app.project.Project` delegates
``import_transcripts`` to: every file is read and checked before anything is written,
unchanged files are skipped by their SHA-256, changed ones need ``replace``, and the
segments of each document are written with its turns. :func:`expand_paths` turns the
files and folders given into the files to import; :class:`ImportReport` says what an
import did.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mpsp_qual.consent.withdraw import blank_speakers, purged_speakers, refuse_purged
from mpsp_qual.core.errors import ImportConflict, TranscriptError
from mpsp_qual.core.labels import label_key
from mpsp_qual.core.memory import release_freed_memory
from mpsp_qual.core.model import Document, PathLike
from mpsp_qual.inputs.register import read_register
from mpsp_qual.inputs.segment import UNITS, iter_segments, versioned_ids
from mpsp_qual.inputs.transcripts import SUPPORTED_EXTENSIONS, read_transcript, summary
from mpsp_qual.store.db import Store, now
from mpsp_qual.store.purged import hashes as purged_hashes

if TYPE_CHECKING:
    from mpsp_qual.app.participants import ParticipantsService

Progress = Callable[[int, str], None]


@dataclass
class ImportReport:
    """What an import did: file names imported, left unchanged and replaced, and warnings.

    ``read`` says, per file read, which layout it was read as and what was found
    (``Read int07.docx as a Teams transcript: 2 speakers, 15 turns, times 0:03-27:41``);
    a dry run fills ``read``, ``imported``/``replaced`` (what would be) and ``warnings``
    and writes nothing.
    """

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    segments: int = 0
    read: list[str] = field(default_factory=list)
    dry_run: bool = False


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
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Counted:
    """An iterable that counts what passes through it."""

    def __init__(self, items) -> None:
        self._items = items
        self.n = 0

    def __iter__(self):
        for item in self._items:
            self.n += 1
            yield item


class ImportService:
    """Transcript import into one project's store (with its register service)."""

    def __init__(self, store: Store, participants: ParticipantsService) -> None:
        self.store = store
        self.participants = participants

    def import_transcripts(
        self,
        paths: Iterable[PathLike],
        *,
        register: PathLike | None = None,
        unit: str | None = None,
        replace: bool = False,
        speaker: str | None = None,
        progress: Progress | None = None,
        dry_run: bool = False,
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
            dry_run: read and check every file (and the register) and report what would
                be imported, but write nothing.

        Raises:
            TranscriptError: a file cannot be read (the message names it).
            ImportConflict: a file changed since its import and ``replace`` is off.
            RegisterError: the register is malformed.
        """
        if unit is not None and unit not in UNITS:
            raise TranscriptError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}.")
        report = ImportReport(dry_run=dry_run)
        people = read_register(register) if register is not None else None
        given = [Path(p) for p in paths]
        files = expand_paths(given)
        if not files:
            names = ", ".join(str(p) for p in given) or "nothing"
            raise TranscriptError(
                f"no transcript files in {names}; give .txt, .md, .docx, .vtt or .srt files "
                "or folders holding them."
            )
        known = self.participants.known_speakers(people)
        existing = self.store.documents.digests()
        to_write: list[tuple[Document, Path, str]] = []
        seen: dict[str, Path] = {}
        purged = purged_speakers(self.store)
        purged_text = purged_hashes(self.store)
        for path in files:
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
                read_transcript(path)  # raises the unknown-format error
            if not path.is_file():
                raise TranscriptError(f"{path}: no such file.")
            # A Mac names files in decomposed Unicode; the project knows them in NFC.
            name = unicodedata.normalize("NFC", path.name)
            if name in seen:
                raise TranscriptError(
                    f"{path} has the same file name as {seen[name]}; rename one of them."
                )
            seen[name] = path
            digest = sha256_file(path)
            old_digest, old_unit = existing.get(name, (None, None))
            resegment = unit is not None and old_unit is not None and unit != old_unit
            if old_digest == digest and not resegment:
                report.unchanged.append(name)
                continue
            if old_digest == digest and not replace:
                raise ImportConflict(
                    f"{path.name} was imported by {old_unit}; pass --replace to segment it again "
                    f"by {unit} (its codings are dropped and must be redone)."
                )
            if name in existing and not replace:
                raise ImportConflict(
                    f"{path.name} has changed since it was imported; pass --replace to re-import it "
                    "(its segments and codings are dropped and must be redone)."
                )
            document = read_transcript(
                path, speaker=speaker, known_speakers=known.get(name.casefold(), frozenset())
            )
            report.read.append(summary(document))
            report.warnings.extend(document.warnings)
            # A purged participant's words never come back, whatever file is imported.
            document = blank_speakers(document, purged.get(label_key(name), set()))
            document, refused = refuse_purged(document, *purged_text)
            report.warnings.extend(refused)
            to_write.append((document, path, digest))

        if dry_run:
            for document, _, _ in to_write:
                (report.replaced if document.name in existing else report.imported).append(
                    document.name
                )
            return report
        with self.store.transaction():
            if people is not None:
                self.participants.save(people, source=str(register))
            done = len(report.unchanged)
            written = bool(to_write)
            # Each document is let go of once written, before its text is settled (see
            # Documents.write): a 200 MB transcript is then never in memory twice over.
            while to_write:
                document, path, digest = to_write.pop(0)
                name = document.name
                self._write(document, path, digest, unit, existing, report)
                del document
                done += 1
                if progress:
                    progress(done, name)
            release_freed_memory()
            self.store.documents.settle_texts()
            if written:
                self.store.audit(
                    "import",
                    {
                        "imported": report.imported,
                        "replaced": report.replaced,
                        "unit": unit or "turn",
                    },
                )
        if people is not None or written:
            name = Path(register).name if register is not None else "the register"
            report.warnings.extend(self.participants.warnings(name))
        if not self.participants.participant_objects():
            # Without a register every speaker is an interviewer: nothing would be counted.
            report.warnings.append(
                "no participants register is loaded, so no speaker is a participant and "
                "nothing imported will be coded, counted or quoted; load the register "
                "(register FILE) and the imported transcripts count."
            )
        return report

    def _write(
        self,
        document: Document,
        path: Path,
        digest: str,
        unit: str | None,
        existing: dict[str, tuple[str, str]],
        report: ImportReport,
    ) -> None:
        """Segment one document and write it with its segments (replacing the old one)."""
        # Segments go to the file as spaCy makes them: a 200 MB transcript's segments are
        # never all in memory at once.
        segments = iter_segments(document, unit=unit or "turn")
        if document.name in existing:
            # A segment whose text changed gets a new id, so that nothing computed on the
            # old text (a coding, a sheet row) can attach to the new one.
            segments = versioned_ids(segments, self.store.documents.segment_texts_of(document.name))
            self.store.documents.delete(document.name)
            report.replaced.append(document.name)
        else:
            report.imported.append(document.name)
        counted = _Counted(segments)
        self.store.documents.write(
            document, path, digest, counted, unit or "turn", now(), defer_text=True
        )
        report.segments += counted.n
