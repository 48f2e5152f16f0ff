"""Reading a REFI-QDA project file (``.qdpx`` zip or bare ``.qde``) into plain data.

:class:`QdeReader` opens the file through the hardened parser, finds the project XML
(``project.qde``, or a ``.qde`` named after the project as ATLAS.ti writes it), and
collects users, the codebook, text sources with their selections, codings and memos,
and cases as participants. It touches no project: :mod:`.qdpx_import` writes what it
read. Everything left out is recorded in ``warnings``, one sentence each.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.errors import CodebookError, ExchangeError
from mpsp_qual.core.model import Participant
from mpsp_qual.formats.refi import guids as G
from mpsp_qual.formats.refi.qdc import ReadCodebook, codes_from_xml, find_qde
from mpsp_qual.formats.refi.safexml import check_member_names, local_name, parse_xml, read_member

__all__ = ["UNKNOWN_SPEAKER", "QdeReader"]

UNKNOWN_SPEAKER = "Unknown"
_MEDIA = {
    "PictureSource": "picture",
    "PDFSource": "PDF",
    "AudioSource": "audio",
    "VideoSource": "video",
}
_CONSENT_NAMES = {
    "consentquotes": "consent_quotes",
    "consenttoquotes": "consent_quotes",
    "consenttoquote": "consent_quotes",
    "consentnamed": "consent_named",
    "consenttobenamed": "consent_named",
    "withdrawn": "withdrawn",
}
_TEXT_FIELDS = {"name", "organisation", "organization", "role", "attribution"}
_TRUE = {"true", "1"}


@dataclass
class Selection:
    """One span of a source: the selections at these offsets, their codings and memos."""

    start: int
    end: int
    guids: list[str] = field(default_factory=list)
    codings: set[tuple[str, str]] = field(default_factory=set)  # (code id, coder)
    memos: list[tuple[str, str]] = field(default_factory=list)  # (coder, text)


@dataclass(eq=False)
class Source:
    """A text source whose text was found, under a unique document name."""

    guid: str
    name: str
    text: str
    selections: dict[tuple[int, int], Selection] = field(default_factory=dict)
    unknown_codes: int = 0  # codings whose CodeRef names no code of the codebook


class QdeReader:
    """Reads one project file into sources, codebook, users and cases (no project touched)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)
        self.warnings: list[str] = []
        self.archive: zipfile.ZipFile | None = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.users: dict[str, str] = {}  # normalised GUID -> coder name
        self.user_guids: dict[str, str] = {}  # coder name -> GUID as the file spells it
        self.codebook: ReadCodebook | None = None
        self.sources: list[Source] = []
        self.selection_source: dict[str, Source] = {}  # normalised selection GUID -> source
        self.people: list[Participant] = []
        self.segment_speakers: dict[tuple[str, str], str] = {}  # (source guid, sel guid) -> label
        self._linked: dict[str, str | None] = {}  # source guid -> its only case's label

    # -- the file --------------------------------------------------------------------

    def root(self) -> etree._Element:
        try:
            if zipfile.is_zipfile(self.path):
                self.archive = zipfile.ZipFile(self.path)
                check_member_names(self.archive, source=self.source)
                self.members = {i.filename.lower(): i for i in self.archive.infolist()}
                info = find_qde(self.archive, source=self.source)
                data = read_member(self.archive, info, source=self.source)
                where = f"{self.source}:{info.filename}"
            elif self.path.suffix.lower() == ".qdpx":
                raise ExchangeError(
                    f"{self.source} is not a .qdpx project (a .qdpx is a zip archive); "
                    "export the project again from the other tool."
                )
            else:
                data, where = self.path.read_bytes(), self.source
        except FileNotFoundError:
            raise ExchangeError(f"{self.path} does not exist.") from None
        except (OSError, zipfile.BadZipFile) as exc:
            raise ExchangeError(f"{self.path} cannot be read ({exc}).") from None
        root = parse_xml(data, source=where)
        if local_name(root) != "Project":
            codebook = local_name(root) == "CodeBook"
            raise ExchangeError(
                f"{where} is not a REFI-QDA project: its root element is <{local_name(root)}>, "
                f"not <Project>{'; it is a codebook: use {hint}' if codebook else ''}.",
                hint="import-codebook" if codebook else None,
            )
        return root

    def internal(self, path: str) -> bytes | None:
        """A ``sources/`` member by the path a source gives, whatever the case; None if absent."""
        if self.archive is None:
            return None
        name = re.sub(r"^internal://", "", path.strip(), flags=re.IGNORECASE).lstrip("/")
        info = self.members.get(f"sources/{name}".lower()) or self.members.get(name.lower())
        if info is None:
            return None
        return read_member(self.archive, info, source=self.source)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    # -- reading ---------------------------------------------------------------------

    def read(self) -> None:
        root = self.root()
        project_name = " ".join((root.get("name") or "").split()) or self.path.name.split(".")[0]
        for i, user in enumerate(root.iterfind("{*}Users/{*}User"), start=1):
            guid = (user.get("guid") or "").strip()
            name = " ".join((user.get("name") or user.get("id") or "").split())
            self.users[G.normal(guid)] = name or f"user-{G.normal(guid)[:8] or i}"
            if G.is_guid(guid):
                self.user_guids.setdefault(self.users[G.normal(guid)], guid)
        codes = root.find("{*}CodeBook/{*}Codes")
        try:
            self.codebook = codes_from_xml(codes, name=project_name, source=self.source)
            self.warnings += self.codebook.warnings
        except CodebookError:
            self.warnings.append(f"{self.source} has no codes, so the project has no codebook.")
        notes = self._notes(root)
        fallback_user = self._fallback_user(root)
        names: set[str] = set()
        sources = root.find("{*}Sources")
        for element in sources if sources is not None else ():
            if not isinstance(element.tag, str):
                continue
            kind = local_name(element)
            label = element.get("name") or element.get("guid") or "(unnamed)"
            if kind in _MEDIA:
                lost = len(element.findall(".//{*}Coding"))
                self.warnings.append(
                    f"{self.source}: {_MEDIA[kind]} source {label!r} was skipped (only text "
                    f"sources are imported), with its {lost} coding(s)."
                )
            elif kind == "TextSource":
                self._text_source(element, names, notes, fallback_user)
        self._cases(root)
        unattached = len(notes) - sum(1 for n in notes.values() if n[2])
        if unattached:
            self.warnings.append(
                f"{self.source}: {unattached} note(s) not attached to an imported text selection "
                "(project, code or source notes, or notes without text) were left out."
            )
        dropped = [
            local_name(e)
            for e in root
            if isinstance(e.tag, str) and local_name(e) in ("Sets", "Links", "Graphs") and len(e)
        ]
        if dropped:
            self.warnings.append(
                f"{self.source}: its {', '.join(dropped)} have no counterpart in this toolkit "
                "and were left out."
            )

    def _fallback_user(self, root: etree._Element) -> str:
        creator = G.normal(root.get("creatingUserGUID") or "")
        if creator in self.users:
            return self.users[creator]
        if len(self.users) == 1:
            return next(iter(self.users.values()))
        return "unknown"

    def _coder(self, *elements: etree._Element, fallback: str) -> str:
        for element in elements:
            guid = G.normal(element.get("creatingUser") or "")
            if guid:
                return self.users.get(guid) or f"user-{guid[:8]}"
        return fallback

    def _notes(self, root: etree._Element) -> dict[str, list]:
        """Notes by normalised GUID: [text or None, creatingUser GUID, used?]."""
        notes: dict[str, list] = {}
        for note in root.iterfind("{*}Notes/{*}Note"):
            content = note.find("{*}PlainTextContent")
            text = content.text if content is not None else None
            if text is None and note.get("plainTextPath"):
                data = self.internal(note.get("plainTextPath"))
                text = _decode(data) if data is not None else None
            notes[G.normal(note.get("guid") or "")] = [
                (text or "").strip() or None,
                note.get("creatingUser"),
                False,
            ]
        return notes

    def _text(self, element: etree._Element, label: str) -> str | None:
        content = element.find("{*}PlainTextContent")
        if content is not None:
            return content.text or ""
        path = (element.get("plainTextPath") or "").strip()
        scheme = path.split("://", 1)[0].lower() if "://" in path else ""
        if scheme in ("relative", "absolute"):
            why = f"its text is an external file ({path}), which is not read"
        elif not path:
            why = "it has neither plain text content nor a plainTextPath"
        elif self.archive is None:
            why = f"its text ({path}) is not in this bare .qde; import the .qdpx instead"
        else:
            data = self.internal(path)
            if data is not None:
                return _decode(data, warn=self.warnings, where=f"{self.source}:{path}")
            why = f"its text ({path}) is not in the file's sources folder"
        self.warnings.append(
            f"{self.source}: text source {label!r} is missing: {why}; it was left out."
        )
        return None

    def _text_source(self, element, names: set[str], notes, fallback_user: str) -> None:
        guid = (element.get("guid") or "").strip()
        raw = " ".join((element.get("name") or "").split())
        path_name = (element.get("plainTextPath") or "").rsplit("/", 1)[-1]
        label = raw or path_name or guid or "source"
        text = self._text(element, label)
        if text is None:
            return
        # "#" separates a document name from the turn in segment ids.
        name = _unique_nocase(label.replace("#", "-"), names)
        source = Source(guid=guid, name=name, text=text)
        whole = element.findall("{*}Coding")
        if whole and text:
            self._select(source, element, 0, len(text), whole, [], notes, fallback_user)
        for sel in element.iterfind("{*}PlainTextSelection"):
            sel_label = sel.get("guid") or sel.get("name") or "?"
            try:
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            except (TypeError, ValueError):
                self.warnings.append(
                    f"{self.source}: selection {sel_label} in {name!r} has no whole-number "
                    "startPosition and endPosition; it was left out."
                )
                continue
            if not 0 <= start < end <= len(text):
                self.warnings.append(
                    f"{self.source}: selection {sel_label} in {name!r} spans {start}-{end}, outside "
                    f"the source's {len(text)} characters (or empty); it was left out."
                )
                continue
            self._select(
                source, sel, start, end, sel.findall("{*}Coding"), [sel], notes, fallback_user
            )
        if source.unknown_codes:
            self.warnings.append(
                f"{self.source}: {source.unknown_codes} coding(s) in {name!r} point to no code "
                "of the codebook; they were left out."
            )
        self.sources.append(source)

    def _select(self, source, element, start, end, codings, owners, notes, fallback) -> None:
        selection = source.selections.setdefault((start, end), Selection(start, end))
        guid = G.normal(element.get("guid") or "")
        if element.tag.endswith("PlainTextSelection") and guid:
            selection.guids.append(guid)
            self.selection_source[guid] = source
        by_guid = self.codebook.by_guid if self.codebook else {}
        for coding in codings:
            ref = coding.find("{*}CodeRef")
            code = by_guid.get(G.normal(ref.get("targetGUID") or "")) if ref is not None else None
            if code is None:
                source.unknown_codes += 1
                continue
            selection.codings.add((code, self._coder(coding, *owners, fallback=fallback)))
        for owner in owners:
            described = owner.find("{*}Description")
            if described is not None and (described.text or "").strip():
                selection.memos.append(
                    (self._coder(owner, fallback=fallback), described.text.strip())
                )
            for ref in owner.iterfind("{*}NoteRef"):
                note = notes.get(G.normal(ref.get("targetGUID") or ""))
                if note is not None and note[0]:
                    creator = G.normal(note[1] or "")
                    coder = (
                        self.users.get(creator, f"user-{creator[:8]}")
                        if creator
                        else self._coder(owner, fallback=fallback)
                    )
                    selection.memos.append((coder, note[0]))
                    note[2] = True

    def _cases(self, root: etree._Element) -> None:
        variables = {
            G.normal(v.get("guid") or ""): (v.get("name") or "").strip()
            for v in root.iterfind("{*}Variables/{*}Variable")
        }
        by_guid = {G.normal(s.guid): s for s in self.sources}
        ids: set[str] = set()
        linked: dict[str, list[str]] = defaultdict(list)  # source guid -> case labels
        for number, case in enumerate(root.iterfind("{*}Cases/{*}Case"), start=1):
            label = " ".join((case.get("name") or "").split()) or f"case-{number}"
            pid = _unique_nocase(label, ids)
            fields, attributes = _variables(case, variables)
            sources: list[Source] = []
            for ref in case.iterfind("{*}SourceRef"):
                found = by_guid.get(G.normal(ref.get("targetGUID") or ""))
                if found is not None and found not in sources:
                    sources.append(found)
            for ref in case.iterfind("{*}SelectionRef"):
                sel_guid = G.normal(ref.get("targetGUID") or "")
                found = self.selection_source.get(sel_guid)
                if found is None:
                    continue
                self.segment_speakers.setdefault((found.guid, sel_guid), pid)
                if found not in sources:
                    sources.append(found)
            for found in sources:
                linked[found.guid].append(pid)
            if len(sources) > 1:
                self.warnings.append(
                    f"{self.source}: case {label!r} spans {len(sources)} sources; a participant "
                    f"has one transcript, so only {sources[0].name!r} is linked to it."
                )
            self.people.append(
                Participant(
                    participant_id=pid,
                    transcript=sources[0].name if sources else "",
                    speaker=pid,
                    name=fields.get("name", ""),
                    organisation=fields.get("organisation", fields.get("organization", "")),
                    role=fields.get("role", ""),
                    consent_quotes=fields.get("consent_quotes") == "yes",
                    consent_named=fields.get("consent_named") == "yes",
                    attribution=fields.get("attribution", ""),
                    withdrawn=fields.get("withdrawn") == "yes",
                    attributes=attributes,
                )
            )
        self._linked = {
            g: (labels[0] if len(labels) == 1 else None) for g, labels in linked.items()
        }

    def speaker(self, source: Source, selection: Selection) -> str:
        for guid in selection.guids:
            label = self.segment_speakers.get((source.guid, guid))
            if label:
                return label
        return self.turn_speaker(source)

    def turn_speaker(self, source: Source) -> str:
        return self._linked.get(source.guid) or UNKNOWN_SPEAKER


def _variables(case: etree._Element, names: dict[str, str]) -> tuple[dict, dict]:
    """(reserved register fields, other attributes) from a case's variable values."""
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for value in case.iterfind("{*}VariableValue"):
        ref = value.find("{*}VariableRef")
        name = names.get(G.normal(ref.get("targetGUID") or "")) if ref is not None else None
        typed = [c for c in value if isinstance(c.tag, str) and local_name(c) != "VariableRef"]
        if not name or not typed:
            continue
        text = (typed[0].text or "").strip()
        if local_name(typed[0]) == "BooleanValue":
            text = "yes" if text.lower() in _TRUE else "no"
        key = re.sub(r"[^a-z]", "", name.lower())
        if key in _CONSENT_NAMES:
            fields[_CONSENT_NAMES[key]] = text
        elif key in _TEXT_FIELDS:
            fields[key] = text
        elif name.lower() in PARTICIPANT_COLUMNS:
            attributes[f"{name} (variable)"] = text
        else:
            attributes[name] = text
    return fields, attributes


def _decode(data: bytes, *, warn: list[str] | None = None, where: str = "") -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if warn is not None:
            warn.append(f"{where} is not UTF-8 as REFI-QDA requires; it was read as Windows-1252.")
        return data.decode("cp1252", errors="replace")


def _unique_nocase(base: str, used: set[str]) -> str:
    """``base``, or ``base (2)``..., unique in ``used`` ignoring case (which holds casefolded names)."""
    candidate, number = base, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{base} ({number})"
    used.add(candidate.casefold())
    return candidate
