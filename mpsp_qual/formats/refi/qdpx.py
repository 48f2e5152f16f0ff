"""Project exchange out: the project as a REFI-QDA ``.qdpx`` for NVivo, ATLAS.ti, MAXQDA...

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
and ``sources/``, one UTF-8 plain-text file per transcript named by the source's GUID.
The XML holds, in the schema's order:

- ``Users``: one per coder, ``auto`` included;
- ``CodeBook``: the codebook, as in a ``.qdc``;
- ``Variables`` and ``Cases``: each participant still in the study is a case named by
  their participant id, with a text variable per register attribute, Text variables
  ``name``, ``organisation``, ``role`` and ``attribution`` (what redaction and
  attribution need, so that they survive a round trip) and Boolean variables
  ``consent_quotes`` and ``consent_named``; a case refers to its transcript
  (``SourceRef``) and to the selections of its own segments (``SelectionRef``), which
  is what tells two speakers of a paired interview apart;
- ``Sources``: a ``TextSource`` per transcript whose ``PlainTextSelection`` elements are
  the segments that are coded, carry a memo or belong to a participant, at Unicode
  character offsets from 0, end exclusive; each carries one ``Coding`` per coder and
  code, so a segment coded by two coders keeps both codings and agreement can be
  recomputed in the other tool;
- ``Notes``: the memos, each referred to from its selection.

A withdrawn participant leaves no trace: no case, no selections or codings, and their
turns (with the speaker label before them) are replaced in the exported text by
:data:`WITHDRAWN_MARK`, the other selections' offsets shifted to match. Everyone else's
words travel, so the project's ``Description`` says
:data:`~mpsp_qual.core.vocab.INTERNAL_MARK` (the command line asks for ``--internal``).
"""

from __future__ import annotations

import math
import zipfile
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.labels import label_key
from mpsp_qual.core.model import PathLike
from mpsp_qual.core.vocab import INTERNAL_MARK
from mpsp_qual.formats.refi import guids as G
from mpsp_qual.formats.refi.qdc import add_codes, code_guids, to_bytes
from mpsp_qual.formats.refi.safexml import clean_text
from mpsp_qual.formats.refi.schema import PROJECT_NS
from mpsp_qual.store.codings_spans import exact_segment_codings, passage_codings

__all__ = ["WITHDRAWN_MARK", "ExportReport", "export_qdpx", "project_to_qdpx"]

_INTERNAL_NOTE = (
    "the transcripts hold the words of every participant still in the study, those who "
    "declined quotes included; keep the project within the research team."
)
#: What replaces a withdrawn participant's turns in exported transcript text.
WITHDRAWN_MARK = "[words of a withdrawn participant removed]"
_CONSENT = ("consent_quotes", "consent_named")
#: Register fields that redaction and attribution need; they travel as Text variables
#: (``import-qdpx`` reads them back under these names).
_PROTECTIONS = ("name", "organisation", "role", "attribution")
_PROTECTION_HELP = "From the participants register: quotes are redacted and attributed by it."
_CONSENT_HELP = {
    "consent_quotes": "The participant agreed to be quoted (from the participants register).",
    "consent_named": "The participant agreed to be named under quotes (from the register).",
}


@dataclass
class ExportReport:
    """What an export wrote: counts of each kind of element, and warnings."""

    path: Path | None = None
    users: int = 0
    codes: int = 0
    cases: int = 0
    sources: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    warnings: list[str] = field(default_factory=list)


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PROJECT_NS}}}{tag}")
    for key, value in attrs.items():
        element.set(key, value)
    return element


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


class _Redaction:
    """Spans of one document's text replaced by a mark, and the offset map that follows."""

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self._spans = sorted(spans)
        self._ends: list[int] = []  # end of each span, ascending
        self._shifts: list[int] = []  # total shift of an offset at or after that end
        pieces: list[str] = []
        shift = last = 0
        for start, end in self._spans:
            pieces += [text[last:start], WITHDRAWN_MARK]
            shift += len(WITHDRAWN_MARK) - (end - start)
            self._ends.append(end)
            self._shifts.append(shift)
            last = end
        pieces.append(text[last:])
        self.text = "".join(pieces)

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self._spans)

    def map(self, offset: int) -> int:
        i = bisect_right(self._ends, offset)
        return offset + (self._shifts[i - 1] if i else 0)


def _withdrawn_spans(project) -> dict[str, list[tuple[int, int]]]:
    """Per document, the spans (label line start to turn end) of withdrawn speakers' turns."""
    withdrawn = {
        (label_key(r["transcript"]), label_key(r["speaker"]))
        for r in project.store.participants.rows()
        if r["withdrawn"]
    }
    if not withdrawn:
        return {}
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    rows = project.store.documents.turn_spans()
    previous_end: dict[str, int] = {}
    texts: dict[str, str] = {}
    for name, speaker, start, end in rows:
        if (label_key(name), label_key(speaker)) in withdrawn:
            if name not in texts:
                texts[name] = project.document_text(name)
            # Take the speaker label and timestamp on the turn's first line too.
            line_start = texts[name].rfind("\n", 0, start) + 1
            spans[name].append((max(line_start, previous_end.get(name, 0)), end))
        previous_end[name] = end
    return spans


def project_to_qdpx(project) -> tuple[bytes, dict[str, str], ExportReport]:
    """The project as REFI-QDA: the ``project.qde`` XML, the source texts, and a report.

    Returns:
        ``(xml, sources, report)`` where ``sources`` maps each zip member name
        (``sources/<guid>.txt``) to its text.
    """
    report = ExportReport()
    kept = G.stored_guids(project)
    codebook = project.codebook if project.has_codebook() else None
    code_guid = code_guids(codebook, kept["codes"]) if codebook is not None else {}

    segments = project.segments(include_withdrawn=False)
    # Codings of whole segments ride on the segment's selection; a passage coding is a
    # selection of its own span (mpsp_qual.coding.passages).
    codings = exact_segment_codings(project.store)
    passages: dict[str, dict[tuple[int, int], list]] = defaultdict(lambda: defaultdict(list))
    for row in passage_codings(project.store):
        passages[row["document"]][(row["start"], row["end"])].append(row)
    live = set(segments["segment_id"])
    memos = project.memos()
    memos = memos[memos["segment_id"].isin(live)]
    people = project.participants(include_withdrawn=False)

    coders = sorted(set(project.coders()) | set(memos["coder"]), key=lambda n: (n != "auto", n))
    user_guid = {name: kept["users"].get(name) or G.derive("user", name) for name in coders}

    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS})
    root.set("name", clean_text(codebook.name if codebook else project.directory.resolve().name))
    root.set("origin", G.ORIGIN)
    if user_guid:
        users = _el(root, "Users")
        for name, guid in user_guid.items():
            _el(users, "User", guid=guid, name=clean_text(name))
        report.users = len(user_guid)
    if codebook is not None and len(codebook):
        codes = _el(_el(root, "CodeBook"), "Codes")
        add_codes(codes, codebook, code_guid, PROJECT_NS)
        report.codes = len(codebook)

    # -- which segments become selections, and what each carries
    by_segment: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid, code, coder in codings:
        if code in code_guid:
            by_segment[sid].append((code, coder))
        else:
            report.warnings.append(
                f"coding of {sid} with code {code!r} by {coder} was left out: "
                "the code is not in the codebook."
            )
    notes_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid, coder, memo in memos[["segment_id", "coder", "memo"]].itertuples(index=False):
        notes_of[sid].append((coder, memo))
    chosen = segments[
        segments["segment_id"].isin(by_segment.keys() | notes_of.keys())
        | segments["participant_id"].notna()
    ]

    documents = [(r["name"], r["sha256"], r["text"]) for r in project.store.documents.rows()]
    source_guid = {
        name: kept["sources"].get(name) or G.derive("source", name, sha256)
        for name, sha256, _ in documents
    }
    selections_of: dict[str, list[str]] = defaultdict(list)  # participant -> selection GUIDs
    texts: dict[str, str] = {}
    source_elements: list[etree._Element] = []
    note_elements: list[etree._Element] = []
    redactions = _withdrawn_spans(project)
    per_document = {name: frame for name, frame in chosen.groupby("document", sort=False)}
    for name, _, text in documents:
        guid = source_guid[name]
        redaction = _Redaction(text, redactions.get(name, []))
        file_name = f"{G.normal(guid)}.txt"  # a GUID kept from another tool may be in braces
        texts[f"sources/{file_name}"] = redaction.text
        source = etree.Element(f"{{{PROJECT_NS}}}TextSource")
        source.set("guid", guid)
        source.set("name", clean_text(name))
        source.set("plainTextPath", f"internal://{file_name}")
        rows = per_document.get(name, chosen.iloc[0:0])
        for seg in rows.sort_values(["start", "end", "segment_id"]).itertuples(index=False):
            if redaction.overlaps(seg.start, seg.end):
                report.warnings.append(
                    f"segment {seg.segment_id} overlaps a withdrawn participant's turn; left out."
                )
                continue
            sel_guid = G.derive("selection", guid, seg.segment_id)
            selection = _el(
                source,
                "PlainTextSelection",
                guid=sel_guid,
                name=clean_text(seg.segment_id),
                startPosition=str(redaction.map(seg.start)),
                endPosition=str(redaction.map(seg.end)),
            )
            for code, coder in by_segment.get(seg.segment_id, []):
                coding = _el(
                    selection,
                    "Coding",
                    guid=G.derive("coding", sel_guid, code, coder),
                    creatingUser=user_guid[coder],
                )
                _el(coding, "CodeRef", targetGUID=code_guid[code])
                report.codings += 1
            for coder, memo in notes_of.get(seg.segment_id, []):
                note_guid = G.derive("note", seg.segment_id, coder)
                _el(selection, "NoteRef", targetGUID=note_guid)
                note = etree.Element(f"{{{PROJECT_NS}}}Note")
                note.set("guid", note_guid)
                note.set("name", clean_text(f"Memo by {coder} on {seg.segment_id}"))
                note.set("creatingUser", user_guid[coder])
                _el(note, "PlainTextContent").text = clean_text(memo)
                note_elements.append(note)
            if not _blank(seg.participant_id):
                selections_of[seg.participant_id].append(sel_guid)
            report.selections += 1
        for (start, end), rows in sorted(passages.get(name, {}).items()):
            if redaction.overlaps(start, end):
                continue
            sel_guid = G.derive("selection", guid, f"{start}-{end}")
            selection = _el(
                source,
                "PlainTextSelection",
                guid=sel_guid,
                name=clean_text(f"{rows[0]['segment_id']} {start}-{end}"),
                startPosition=str(redaction.map(start)),
                endPosition=str(redaction.map(end)),
            )
            for row in rows:
                if row["code"] not in code_guid:
                    continue
                coding = _el(
                    selection,
                    "Coding",
                    guid=G.derive("coding", sel_guid, row["code"], row["coder"]),
                    creatingUser=user_guid[row["coder"]],
                )
                _el(coding, "CodeRef", targetGUID=code_guid[row["code"]])
                report.codings += 1
            if not _blank(rows[0]["participant_id"]):
                selections_of[rows[0]["participant_id"]].append(sel_guid)
            report.selections += 1
        source_elements.append(source)

    _add_cases(root, people, source_guid, selections_of, report)
    if source_elements:
        _el(root, "Sources").extend(source_elements)
        report.sources = len(source_elements)
    if note_elements:
        _el(root, "Notes").extend(note_elements)
        report.notes = len(note_elements)
    # Every transcript travels, those of participants who declined quotes included.
    _el(root, "Description").text = f"{INTERNAL_MARK}: {_INTERNAL_NOTE}"
    return to_bytes(root), texts, report


def _add_cases(
    root: etree._Element,
    people,
    source_guid: dict[str, str],
    selections_of: dict[str, list[str]],
    report: ExportReport,
) -> None:
    """Variables (attributes, consent) and one Case per participant still in the study."""
    if people.empty:
        return
    attributes = [c for c in people.columns if c not in PARTICIPANT_COLUMNS]
    variable_guid = {
        name: G.derive("variable", name) for name in (*attributes, *_PROTECTIONS, *_CONSENT)
    }
    variables = _el(root, "Variables")
    for name in attributes:
        variable = _el(variables, "Variable", guid=variable_guid[name], name=clean_text(name))
        variable.set("typeOfVariable", "Text")
        _el(variable, "Description").text = "A participant attribute from the register."
    for name in _PROTECTIONS:
        variable = _el(variables, "Variable", guid=variable_guid[name], name=name)
        variable.set("typeOfVariable", "Text")
        _el(variable, "Description").text = _PROTECTION_HELP
    for name in _CONSENT:
        variable = _el(variables, "Variable", guid=variable_guid[name], name=name)
        variable.set("typeOfVariable", "Boolean")
        _el(variable, "Description").text = _CONSENT_HELP[name]
    documents = {label_key(name): guid for name, guid in source_guid.items()}
    cases = _el(root, "Cases")
    for person in people.to_dict("records"):
        pid = person["participant_id"]
        case = _el(cases, "Case", guid=G.derive("case", pid), name=clean_text(pid))
        for name in (*attributes, *_PROTECTIONS):
            if not _blank(person.get(name)):
                value = _el(case, "VariableValue")
                _el(value, "VariableRef", targetGUID=variable_guid[name])
                _el(value, "TextValue").text = clean_text(str(person[name]))
        for name in _CONSENT:
            value = _el(case, "VariableValue")
            _el(value, "VariableRef", targetGUID=variable_guid[name])
            _el(value, "BooleanValue").text = "true" if person[name] else "false"
        transcript = label_key(person.get("transcript") or "")
        if transcript in documents:
            _el(case, "SourceRef", targetGUID=documents[transcript])
        for guid in selections_of.get(pid, []):
            _el(case, "SelectionRef", targetGUID=guid)
        report.cases += 1


def export_qdpx(project, *, output: PathLike) -> ExportReport:
    """Write the project to ``output`` as a REFI-QDA ``.qdpx``, whole or not at all.

    Args:
        project: The project.
        output: The ``.qdpx`` file to write.

    Returns:
        What was written (counts of users, codes, cases, sources, selections, codings
        and notes) and warnings.

    Example:
        >>> report = export_qdpx(project, output="study.qdpx")  # doctest: +SKIP
        >>> report.codings  # doctest: +SKIP
        412
    """
    xml, texts, report = project_to_qdpx(project)
    with (
        atomic_path(output) as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr("project.qde", xml)
        for member, text in texts.items():
            archive.writestr(member, text.encode("utf-8"))
    report.path = Path(output)
    return report
