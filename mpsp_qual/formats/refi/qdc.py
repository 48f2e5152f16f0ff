"""Codebook exchange: our codebook to and from REFI-QDA ``.qdc`` files.

A ``.qdc`` is one ``CodeBook`` element (namespace ``urn:QDA-XML:codebook:1.0``) holding
nested ``Code`` elements: a name, ``isCodable``, an optional ``#RRGGBB`` colour and a
``Description``. The description carries our description, then our include and exclude
guidance as paragraphs that open with ``Include:`` and ``Exclude:``; reading splits them
back. Keywords and examples are ours alone and are not exchanged.

Reading tolerates what real exporters write: an empty ``<Sets/>`` (Taguette), codes
without colours or with three-digit ones, very long descriptions, duplicate names,
names that are not ASCII. Ids are made from names (``"Health care"`` becomes
``health-care``; a second ``"other"`` becomes ``other-2``). A ``.qde`` or ``.qdpx`` is
read for its codebook too.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from mpsp_qual.core.errors import CodebookError, ExchangeError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import Code, Codebook, PathLike
from mpsp_qual.formats.refi import guids as G
from mpsp_qual.formats.refi.safexml import (
    check_member_names,
    clean_text,
    local_name,
    parse_xml,
    read_member,
)
from mpsp_qual.formats.refi.schema import CODEBOOK_NS
from mpsp_qual.inputs.codebook import codebook_to_yaml, load_codebook_text, save_codebook

__all__ = [
    "ReadCodebook",
    "codebook_to_qdc",
    "export_qdc",
    "import_codebook",
    "read_qdc",
    "write_qdc",
]

_SECTION = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*(Include|Exclude)[ \t]*:[ \t]*", re.IGNORECASE)
_RGB6 = re.compile(r"#[0-9A-Fa-f]{6}")
_RGB3 = re.compile(r"#([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])")
_TRUE = {"true", "1"}


# --------------------------------------------------------------------------- writing


def description_text(code: Code) -> str:
    """The REFI description of a code: its description, then Include: and Exclude: paragraphs."""
    parts = [code.description] if code.description else []
    if code.include:
        parts.append(f"Include: {code.include}")
    if code.exclude:
        parts.append(f"Exclude: {code.exclude}")
    return "\n\n".join(parts)


def code_guids(codebook: Codebook, kept: dict[str, str] | None = None) -> dict[str, str]:
    """Each code's GUID: the one kept from an import, else derived from codebook name and id."""
    kept = kept or {}
    return {c.id: kept.get(c.id) or G.derive("code", codebook.name, c.id) for c in codebook}


def add_codes(parent: etree._Element, codebook: Codebook, guid_of: dict[str, str], ns: str) -> None:
    """Append the codebook's codes to ``parent`` as nested ``Code`` elements in namespace ``ns``."""
    children: dict[str | None, list[Code]] = {}
    for code in codebook:
        children.setdefault(code.parent, []).append(code)

    def add(into: etree._Element, parent_id: str | None) -> None:
        for code in children.get(parent_id, []):
            element = etree.SubElement(into, f"{{{ns}}}Code")
            element.set("guid", guid_of[code.id])
            element.set("name", clean_text(code.name))
            element.set("isCodable", "true" if code.codable else "false")
            if code.color:
                element.set("color", code.color)
            description = description_text(code)
            if description:
                etree.SubElement(element, f"{{{ns}}}Description").text = clean_text(description)
            add(element, code.id)

    add(parent, None)


def codebook_to_qdc(codebook: Codebook, *, guids: dict[str, str] | None = None) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (UTF-8 bytes).

    Args:
        codebook: The codebook.
        guids: GUIDs to keep for some code ids (from an earlier import); the others are
            derived from the codebook name and code id, so they are stable across exports.

    Raises:
        ExchangeError: the codebook has no codes (the format needs at least one).
    """
    if not len(codebook):
        raise ExchangeError(f"codebook {codebook.name!r} has no codes; a .qdc needs at least one.")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", G.ORIGIN)
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    add_codes(codes, codebook, code_guids(codebook, guids), CODEBOOK_NS)
    return to_bytes(root)


def to_bytes(root: etree._Element) -> bytes:
    """UTF-8 XML with the declaration in double quotes, as every REFI example writes it."""
    # lxml writes version='1.0' in single quotes, which some importers' hand-rolled checks reject.
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_qdc(codebook: Codebook, path: PathLike, *, guids: dict[str, str] | None = None) -> None:
    """Write the codebook to a ``.qdc`` file, whole or not at all.

    Raises:
        ExchangeError: the codebook has no codes.
    """
    data = codebook_to_qdc(codebook, guids=guids)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def export_qdc(project, *, output: PathLike) -> int:
    """Write the project's codebook to ``output`` as a REFI-QDA ``.qdc``; returns how many codes.

    Codes that came from another tool keep that tool's GUIDs; the rest get GUIDs
    derived from the codebook name and code id.

    Raises:
        ProjectError: the project has no codebook.
    """
    codebook = project.codebook
    write_qdc(codebook, output, guids=G.stored_guids(project)["codes"])
    return len(codebook)


# --------------------------------------------------------------------------- reading


@dataclass
class ReadCodebook:
    """A codebook read from another tool, with the GUID that tool gave each code id."""

    codebook: Codebook
    guids: dict[str, str] = field(default_factory=dict)  # code id -> GUID
    by_guid: dict[str, str] = field(default_factory=dict)  # normalised GUID -> code id
    warnings: list[str] = field(default_factory=list)


def split_description(text: str) -> tuple[str, str, str]:
    """(description, include, exclude) from a REFI description written by :func:`description_text`."""
    matches = list(_SECTION.finditer(text))
    if not matches:
        return text.strip(), "", ""
    sections: dict[str, list[str]] = {"include": [], "exclude": []}
    for match, following in zip(matches, [*matches[1:], None]):
        end = following.start() if following else len(text)
        body = text[match.end() : end].strip()
        if body:
            sections[match.group(1).lower()].append(body)
    return (
        text[: matches[0].start()].strip(),
        "\n\n".join(sections["include"]),
        "\n\n".join(sections["exclude"]),
    )


def _color(value: str | None) -> str | None:
    value = (value or "").strip()
    if _RGB6.fullmatch(value):
        return value.upper()
    short = _RGB3.fullmatch(value)
    if short:
        return "#" + "".join(d * 2 for d in short.groups()).upper()
    return None


def codes_from_xml(codes: etree._Element | None, *, name: str, source: str) -> ReadCodebook:
    """Read nested ``Code`` elements (of a CodeBook's ``Codes``) into a codebook.

    Args:
        codes: The ``Codes`` element (any namespace), or None for none.
        name: The codebook's name.
        source: How warnings name the file.

    Returns:
        The codebook (validated as if loaded from YAML), the GUIDs by code id and code
        id by GUID, and warnings (duplicate GUIDs, colours dropped).

    Raises:
        CodebookError: the element holds no codes.
    """
    result = ReadCodebook(codebook=Codebook(name=name, version="1", codes=()))
    made: list[Code] = []
    used: set[str] = set()

    def visit(element: etree._Element, parent: str | None) -> None:
        for child in element:
            if not isinstance(child.tag, str) or local_name(child) != "Code":
                continue
            code_name = " ".join((child.get("name") or "").split()) or "Unnamed code"
            code_id = G.unique(G.slug(code_name), used)
            described = child.find("{*}Description")
            text = described.text if described is not None else None
            description, include, exclude = split_description(text or "")
            color = _color(child.get("color"))
            if child.get("color") and color is None:
                result.warnings.append(
                    f"{source}: code {code_name!r} has colour {child.get('color')!r}, which is "
                    "not #RRGGBB; it was left out."
                )
            made.append(
                Code(
                    id=code_id,
                    name=code_name,
                    parent=parent,
                    description=description,
                    include=include,
                    exclude=exclude,
                    color=color,
                    codable=(child.get("isCodable") or "true").strip().lower() in _TRUE,
                )
            )
            guid = (child.get("guid") or "").strip()
            if guid:
                key = G.normal(guid)
                if key in result.by_guid:
                    result.warnings.append(
                        f"{source}: codes {result.by_guid[key]!r} and {code_id!r} share the GUID "
                        f"{guid}; codings that point to it go to {result.by_guid[key]!r}."
                    )
                else:
                    result.by_guid[key] = code_id
                if G.is_guid(guid):
                    result.guids[code_id] = guid
            visit(child, code_id)

    if codes is not None:
        visit(codes, None)
    if not made:
        raise CodebookError(f"{source} holds no codes; export the codebook again with its codes.")
    draft = Codebook(name=name, version="1", codes=tuple(made))
    # Round-trip through our YAML so the result obeys every rule a hand-written codebook does.
    result.codebook = load_codebook_text(codebook_to_yaml(draft), source=source)
    return result


def _qde_bytes(path: Path) -> tuple[bytes, str]:
    """The XML of a codebook or project file: the file itself, or the .qde inside a .qdpx."""
    try:
        if not zipfile.is_zipfile(path):
            return path.read_bytes(), str(path)
        with zipfile.ZipFile(path) as archive:
            check_member_names(archive, source=str(path))
            member = find_qde(archive, source=str(path))
            return read_member(archive, member, source=str(path)), f"{path}:{member.filename}"
    except FileNotFoundError:
        raise ExchangeError(f"{path} does not exist.") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise ExchangeError(f"{path} cannot be read ({exc}).") from None


def find_qde(archive: zipfile.ZipFile, *, source: str) -> zipfile.ZipInfo:
    """The project XML inside a .qdpx: ``project.qde`` (any case), else the only top-level .qde.

    ATLAS.ti names it after the project rather than ``project.qde``.

    Raises:
        ExchangeError: there is no .qde, or several and none is project.qde.
    """
    top = [
        info
        for info in archive.infolist()
        if "/" not in info.filename.strip("/") and info.filename.lower().endswith(".qde")
    ]
    for info in top:
        if info.filename.lower() == "project.qde":
            return info
    if len(top) == 1:
        return top[0]
    if not top:
        raise ExchangeError(
            f"{source} holds no project.qde; it is not a REFI-QDA project export (.qdpx)."
        )
    names = ", ".join(i.filename for i in top)
    raise ExchangeError(
        f"{source} holds several project files ({names}) and none is project.qde; "
        "export the project again as one .qdpx."
    )


def read_codebook_file(path: PathLike) -> ReadCodebook:
    """Read the codebook of a ``.qdc`` (or of a ``.qde`` / ``.qdpx`` project), keeping GUIDs.

    Raises:
        ExchangeError: the file is unsafe, not XML, or not a REFI-QDA codebook or project.
        CodebookError: it holds no codes.
    """
    path = Path(path)
    data, source = _qde_bytes(path)
    root = parse_xml(data, source=source)
    kind = local_name(root)
    if kind == "CodeBook":
        codes = root.find("{*}Codes")
    elif kind == "Project":
        codes = root.find("{*}CodeBook/{*}Codes")
    else:
        raise ExchangeError(
            f"{source} is not a REFI-QDA codebook: its root element is <{kind}>, "
            "not <CodeBook> (a .qdc) or <Project> (a .qde)."
        )
    name = (root.get("name") or "").strip() if kind == "Project" else ""
    return codes_from_xml(codes, name=name or path.name.split(".")[0], source=source)


def read_qdc(path: PathLike) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``; or the codebook of a ``.qde``/``.qdpx``).

    Ids are made from names and made unique; hierarchy, ``isCodable``, colours (valid
    ``#RRGGBB``, or ``#RGB`` expanded) and descriptions are kept, the description split
    back into description, include and exclude where it has ``Include:`` and
    ``Exclude:`` paragraphs.

    Raises:
        ExchangeError: the file is unsafe, not XML, or not a REFI-QDA codebook.
        CodebookError: it holds no codes.

    Example:
        >>> cb = read_qdc("nvivo-codes.qdc")  # doctest: +SKIP
        >>> [c.id for c in cb.roots()]  # doctest: +SKIP
        ['topics', 'values']
    """
    return read_codebook_file(path).codebook


def import_codebook(
    path: PathLike,
    *,
    output: PathLike | None = None,
    project=None,
    force: bool = False,
) -> ReadCodebook:
    """Read a REFI-QDA codebook; write it as our YAML and/or make it the project's codebook.

    Args:
        path: The ``.qdc`` (or ``.qde`` / ``.qdpx``) file.
        output: Where to write the codebook (``.yaml``, ``.csv`` or ``.xlsx``), if anywhere.
        project: A project whose codebook it becomes (keeping the other tool's GUIDs for
            later exports), if any.
        force: Let the new codebook drop codes that have codings (and those codings).

    Returns:
        The codebook read, the GUIDs it kept, and warnings about what was left out.

    Raises:
        ExchangeError: the file is unsafe or not a REFI-QDA codebook.
        CodebookError: it holds no codes, or ``output`` is not a codebook file name.
        ProjectError: the new codebook would drop codes with codings and ``force`` is off.
    """
    read = read_codebook_file(path)
    if output is not None:
        save_codebook(read.codebook, output)
    if project is not None:
        with project.transaction():
            project.set_codebook(read.codebook, force=force)
            G.store_guids(project, "codes", read.guids)
    return read
