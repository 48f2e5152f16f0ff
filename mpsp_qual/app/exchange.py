"""Project exchange in: another tool's ``.qdpx`` (or bare ``.qde``) as a new project.

What comes in:

- **Sources**: each ``TextSource`` becomes a document whose text is the source's plain
  text (``sources/`` member of the zip, found whatever the folder's or file's case, or
  ``PlainTextContent`` in the XML), with one turn. A bare ``.qde`` brings in the sources
  whose text it embeds; every other source is reported missing, one warning each.
  Picture, PDF, audio and video sources are skipped with a warning; their codes and
  cases still come in. External files (``relative://``, ``absolute://``) are never read:
  a file from someone else must not make us read our own disk.
- **Segments**: each ``PlainTextSelection`` becomes a segment at its offsets (selections
  with the same offsets become one segment; overlapping ones are fine), lemmatised like
  any segment so that auto-coding works on the imported project. Codings of the whole
  source become a segment spanning it.
- **Codes**: the codebook, ids made from names (see :mod:`.qdc`).
- **Codings**: one per ``Coding``, under the coder named by its ``creatingUser`` (the
  ``User``'s name); the tools' GUIDs are kept so a later export gives them back.
- **Memos**: notes referred to from a selection, and a selection's description.
- **Cases**: each becomes a participant whose speaker label is the case name; a segment
  belongs to the case that refers to its selection, or else to the only case that refers
  to its source (by ``SourceRef`` or a selection); with several such cases it is
  ``Unknown``, as is every segment of a source no case refers to. Variables become
  attributes; Boolean ``consent_quotes`` and ``consent_named`` become consent (anything
  else leaves consent off).

:mod:`.qde_reader` reads the file; this module writes what it read into a new project.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from mpsp_qual.app.project import Project
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.model import Document, PathLike, Segment, Turn
from mpsp_qual.formats.refi import guids as G
from mpsp_qual.formats.refi.qde_reader import QdeReader
from mpsp_qual.inputs.segment import TokenData, get_nlp, lemmatize
from mpsp_qual.store.db import PROJECT_FILE, now

__all__ = ["QdpxImport", "import_qdpx"]


@dataclass
class QdpxImport:
    """What an import brought in, and what it left out (one warning per loss)."""

    directory: Path
    documents: int = 0
    segments: int = 0
    codes: int = 0
    codings: int = 0
    memos: int = 0
    participants: int = 0
    coders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _tokens(nlp, texts: list[str]) -> list[TokenData]:
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        lemmas = lemmatize(doc)
        keep = [i for i, token in enumerate(doc) if not token.is_space]
        offsets = array("I")
        for i in keep:
            offsets.extend((doc[i].idx, doc[i].idx + len(doc[i].text)))
        out.append(TokenData(tuple(lemmas[i] for i in keep), offsets))
    return out


def _write(project: Project, reader: QdeReader, report: QdpxImport) -> None:
    store = project.store
    with store.transaction():
        if reader.codebook is not None:
            project.set_codebook(reader.codebook.codebook, force=True)
            G.store_guids(project, "codes", reader.codebook.guids)
            report.codes = len(reader.codebook.codebook)
        if reader.people:
            project._participants.save(reader.people, source=str(reader.path))
        nlp = get_nlp()
        codings, memos = [], {}
        for source in reader.sources:
            speaker = reader.turn_speaker(source)
            ordered = sorted(source.selections.values(), key=lambda s: (s.start, s.end))
            segments = []
            for k, selection in enumerate(ordered):
                sid = f"{source.name}#0.{k}"
                segments.append(
                    Segment(
                        segment_id=sid,
                        document=source.name,
                        turn=0,
                        speaker=reader.speaker(source, selection),
                        participant_id=None,
                        start=selection.start,
                        end=selection.end,
                        text=source.text[selection.start : selection.end],
                    )
                )
                codings += [(sid, code, coder) for code, coder in sorted(selection.codings)]
                for coder, memo in selection.memos:
                    memos[(sid, coder)] = (
                        f"{memos[(sid, coder)]}\n\n{memo}" if (sid, coder) in memos else memo
                    )
            tokens = _tokens(nlp, [s.text for s in segments])
            document = Document(
                name=source.name,
                text=source.text,
                turns=(Turn(0, speaker, source.text, 0, len(source.text)),),
                format="refi",
                metadata={"refi_guid": source.guid, "imported_from": str(reader.path)},
            )
            digest = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
            store.documents.write(
                document, reader.path, digest, list(zip(segments, tokens)), "turn", now()
            )
            report.segments += len(segments)
        store.codings.add(codings, memos, stamp=now())
        G.store_guids(
            project, "sources", {s.name: s.guid for s in reader.sources if G.is_guid(s.guid)}
        )
        G.store_guids(project, "users", reader.user_guids)
        report.documents = len(reader.sources)
        report.codings = len(set(codings))
        report.memos = len(memos)
        report.participants = len(reader.people)
        report.coders = sorted({coder for _, _, coder in codings})
        store.audit(
            "import-qdpx",
            {
                "file": str(reader.path),
                "documents": report.documents,
                "segments": report.segments,
                "codings": report.codings,
                "warnings": len(report.warnings),
            },
        )


def import_qdpx(path: PathLike, directory: PathLike) -> QdpxImport:
    """Create a project in ``directory`` from a REFI-QDA ``.qdpx`` (or bare ``.qde``) file.

    All or nothing: the file is read and checked in full, the project is built in a
    temporary folder beside ``directory`` and moved into place only when complete.

    Args:
        path: The ``.qdpx`` or ``.qde`` file another tool exported.
        directory: The new project's directory; it must not hold a project yet.

    Returns:
        Counts of what came in, the coders, and one warning per thing left out.

    Raises:
        ExchangeError: the file is unsafe (entities, a zip path escaping its folder),
            not well-formed, or not a REFI-QDA project.
        ProjectError: ``directory`` already holds a project, or is a file, or cannot be
            created.

    Example:
        >>> report = import_qdpx("from-nvivo.qdpx", "study")  # doctest: +SKIP
        >>> Project.open("study").codings().groupby("coder").size()  # doctest: +SKIP
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ProjectError(f"{target} is a file, not a folder; give a new folder for the project.")
    if (target / PROJECT_FILE).exists():
        raise ProjectError(
            f"{target} already holds a project; import into a new folder (e.g. {{hint}}).",
            hint="import-qdpx FILE.qdpx NEW_DIR",
        )
    reader = QdeReader(Path(path))
    try:
        reader.read()
    finally:
        reader.close()
    report = QdpxImport(directory=target, warnings=reader.warnings)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.import-", dir=target.parent))
    except OSError as exc:
        raise ProjectError(f"cannot create the project in {target} ({exc.strerror}).") from None
    try:
        with Project.init(staging) as project:
            _write(project, reader, report)
        try:
            if target.exists():
                for name in os.listdir(staging):
                    os.replace(staging / name, target / name)
            else:
                os.replace(staging, target)
        except OSError as exc:
            raise ProjectError(f"cannot create the project in {target} ({exc.strerror}).") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
