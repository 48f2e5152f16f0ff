"""Tests for mpsp_qual.formats.refi: REFI-QDA codebook and project exchange, and safe XML reading.

Counts and offsets are checked against the files themselves (parsed here with plain
lxml, not with the importer), against figures published with the samples
(``../shared/interop/README.md``) or against values worked out by hand in
``tests/data/refi/atlas_shaped.qde``.
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from mpsp_qual import Project
from mpsp_qual.app.demo import refi_step
from mpsp_qual.app.exchange import import_qdpx
from mpsp_qual.core.errors import CodebookError, ExchangeError, ProjectError
from mpsp_qual.core.model import AUTO_CODER
from mpsp_qual.formats.refi import (
    WITHDRAWN_MARK,
    codebook_to_qdc,
    export_qdc,
    export_qdpx,
    import_codebook,
    read_qdc,
    safexml,
    schema_errors,
)
from mpsp_qual.inputs.codebook import load_codebook, load_codebook_text
from mpsp_qual.inputs.segment import TokenData

DATA = Path(__file__).resolve().parents[1] / "data" / "refi"
P = "urn:QDA-XML:project:1.0"
C = "urn:QDA-XML:codebook:1.0"
# The schema's GUIDType, written out here rather than imported from the package.
GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
RICH_CODEBOOK = """\
codebook: Small test codebook
version: "2"
codes:
  - id: challenges
    name: Challenges
    codable: false
    color: "#D81B60"
    children:
      - id: misaligned-values
        name: Misaligned aims and values
        description: Partners want different things.
        include: Clashing aims or values.
        exclude: Cost alone ("value for money").
        keywords: [misaligned, "different agenda"]
        children:
          - id: lead-provider
            name: Lead provider negotiation
            keywords: ["lead provider"]
      - id: capacity-constraints
        name: Capacity constraints
        color: "#1E88E5"
        keywords: [capacity, stretched]
  - id: benefits
    name: Benefits
    codable: false
    children:
      - id: new-markets
        name: New markets
        keywords: ["new market", diversify]
"""


# --------------------------------------------------------------------------- helpers


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def qde_root(path: Path) -> etree._Element:
    return etree.fromstring(members(path)["project.qde"])


def source_texts(path: Path) -> dict[str, str]:
    """Source name -> exported plain text, following plainTextPath into the zip."""
    files = members(path)
    out = {}
    for source in qde_root(path).iter(q(P, "TextSource")):
        member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        out[source.get("name")] = files[member].decode("utf-8")
    return out


def exported_selections(path: Path) -> set[tuple[str, str]]:
    """(source name, selected text) of every PlainTextSelection."""
    texts = source_texts(path)
    return {
        (
            s.get("name"),
            texts[s.get("name")][int(sel.get("startPosition")) : int(sel.get("endPosition"))],
        )
        for s in qde_root(path).iter(q(P, "TextSource"))
        for sel in s.iter(q(P, "PlainTextSelection"))
    }


def exported_codings(path: Path) -> set[tuple[str, str, str, str]]:
    """(source name, selected text, code name, user name) of every Coding, resolved by GUID."""
    root = qde_root(path)
    texts = source_texts(path)
    codes = {c.get("guid"): c.get("name") for c in root.iter(q(P, "Code"))}
    users = {u.get("guid"): u.get("name") for u in root.iter(q(P, "User"))}
    out = set()
    for source in root.iter(q(P, "TextSource")):
        text = texts[source.get("name")]
        for sel in source.iter(q(P, "PlainTextSelection")):
            span = text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
            for coding in sel.iter(q(P, "Coding")):
                code = codes[coding.find(q(P, "CodeRef")).get("targetGUID")]
                out.add((source.get("name"), span, code, users[coding.get("creatingUser")]))
    return out


def stored_codings(project: Project) -> set[tuple[str, str, str]]:
    # Read through SQL: Project.codings() fails when evidence is NULL for some rows only.
    return {
        (r[0], r[1], r[2])
        for r in project.store.execute(
            "SELECT s.text, k.name, c.coder FROM codings c JOIN segments s ON s.id = c.segment_id "
            "JOIN codes k ON k.id = c.code"
        )
    }


def code_summary(codebook) -> list[tuple]:
    names = {c.id: c.name for c in codebook}
    return [
        (c.name, names.get(c.parent), c.codable, c.color, c.description, c.include, c.exclude)
        for c in codebook
    ]


def write_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def atlas_zip(tmp_path: Path) -> Path:
    """The ATLAS.ti-shaped fixture as a .qdpx: .qde named after the project, "Sources/", ".TXT"."""
    return write_zip(
        tmp_path / "breakfast.qdpx",
        {
            "Breakfast study.qde": (DATA / "atlas_shaped.qde").read_bytes(),
            "Sources/B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.TXT": (DATA / "mabel.txt").read_bytes(),
        },
    )


def assert_guid(value: str | None) -> None:
    assert value is not None and GUID.fullmatch(value), f"{value!r} is not a schema GUID"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def coded(project: Project) -> Project:
    """The small project, with a richer codebook and codings by alice, bob and auto."""
    project.set_codebook(load_codebook_text(RICH_CODEBOOK), force=True)
    everyone = list(project.segments(participants_only=True)["segment_id"])
    project.record_codings(
        "alice",
        [
            ("alpha.txt#1.0", "capacity-constraints", None),
            ("alpha.txt#3.0", "misaligned-values", None),
            ("beta.txt#1.0", "lead-provider", None),
            ("beta.txt#2.0", "new-markets", None),
        ],
        segments=everyone,
        memos={"alpha.txt#3.0": "Strong example of misalignment."},
    )
    project.record_codings(
        "bob",
        [
            ("alpha.txt#1.0", "capacity-constraints", None),
            ("alpha.txt#3.0", "capacity-constraints", None),
            ("beta.txt#2.0", "new-markets", None),
        ],
        segments=everyone,
    )
    project.record_codings(
        AUTO_CODER,
        [
            ("alpha.txt#1.0", "capacity-constraints", {"keyword": "stretched"}),
            ("beta.txt#2.0", "new-markets", {"keyword": "diversify"}),
        ],
        segments=everyone,
    )
    return project


# --------------------------------------------------------------------------- schema shape


def assert_codebook_shape(root: etree._Element) -> None:
    """What Codebook.xsd requires, checked element by element (no schema file needed)."""
    assert root.tag == q(C, "CodeBook")
    assert [child.tag for child in root] == [q(C, "Codes")]
    codes = list(root.iter(q(C, "Code")))
    assert codes, "Codes must hold at least one Code"
    for code in codes:
        assert_guid(code.get("guid"))
        assert code.get("name")
        assert code.get("isCodable") in {"true", "false"}
        if code.get("color") is not None:
            assert re.fullmatch(r"#[0-9A-Fa-f]{6}", code.get("color"))
        tags = [child.tag for child in code]
        assert tags == sorted(tags, key=lambda t: t != q(C, "Description")), "Description first"
    guids = [c.get("guid") for c in codes]
    assert len(set(guids)) == len(guids)


def assert_project_shape(path: Path) -> None:
    """What Project.xsd requires of the parts we write, and that every reference resolves."""
    root = qde_root(path)
    files = members(path)
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Description"]
    assert root.tag == q(P, "Project") and root.get("name")
    tags = [etree.QName(child).localname for child in root]
    assert tags == [t for t in order if t in tags], f"children out of schema order: {tags}"
    for container, item in [
        ("Users", "User"),
        ("Variables", "Variable"),
        ("Cases", "Case"),
        ("Notes", "Note"),
    ]:
        for element in root.iter(q(P, container)):
            assert len(element) and all(c.tag == q(P, item) for c in element)
    for element in root.iter():
        if element.get("guid") is not None:
            assert_guid(element.get("guid"))
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(set(guids)) == len(guids), "GUIDs must be unique"
    users = {u.get("guid") for u in root.iter(q(P, "User"))}
    codes = {c.get("guid") for c in root.iter(q(P, "Code"))}
    notes = {n.get("guid") for n in root.iter(q(P, "Note"))}
    sources = {s.get("guid") for s in root.iter(q(P, "TextSource"))}
    selections = {s.get("guid") for s in root.iter(q(P, "PlainTextSelection"))}
    variables = {v.get("guid"): v.get("typeOfVariable") for v in root.iter(q(P, "Variable"))}
    for code in root.iter(q(P, "Code")):
        assert code.get("name") and code.get("isCodable") in {"true", "false"}
    for source in root.iter(q(P, "TextSource")):
        path_attr = source.get("plainTextPath")
        assert path_attr.startswith("internal://")
        text = files["sources/" + path_attr.removeprefix("internal://")].decode("utf-8")
        for sel in source.iter(q(P, "PlainTextSelection")):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert 0 <= start < end <= len(text)
            kids = [etree.QName(k).localname for k in sel]
            assert kids == sorted(kids, key=["Description", "Coding", "NoteRef"].index)
    for coding in root.iter(q(P, "Coding")):
        assert coding.get("creatingUser") in users
        refs = coding.findall(q(P, "CodeRef"))
        assert len(refs) == 1 and refs[0].get("targetGUID") in codes
    for ref, targets in [("NoteRef", notes), ("SourceRef", sources), ("SelectionRef", selections)]:
        for element in root.iter(q(P, ref)):
            assert element.get("targetGUID") in targets, f"dangling {ref}"
    assert set(variables.values()) <= {"Text", "Boolean", "Integer", "Float", "Date", "DateTime"}
    for value in root.iter(q(P, "VariableValue")):
        ref, typed = value[0], value[1]
        assert ref.tag == q(P, "VariableRef") and ref.get("targetGUID") in variables
        if variables[ref.get("targetGUID")] == "Boolean":
            assert typed.tag == q(P, "BooleanValue") and typed.text in {"true", "false"}
    for case in root.iter(q(P, "Case")):
        kids = [etree.QName(k).localname for k in case]
        rank = ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"]
        assert kids == sorted(kids, key=rank.index)


def test_exported_codebook_has_the_schema_shape_and_validates(coded: Project, tmp_path: Path):
    out = tmp_path / "codebook.qdc"
    assert export_qdc(coded, output=out) == 6
    data = out.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert_codebook_shape(etree.fromstring(data))
    assert schema_errors(data) == []


def test_exported_project_has_the_schema_shape_and_validates(coded: Project, tmp_path: Path):
    out = tmp_path / "study.qdpx"
    export_qdpx(coded, output=out)
    assert_project_shape(out)
    assert schema_errors(members(out)["project.qde"]) == []


def test_the_bundled_schema_catches_what_the_standard_forbids():
    bad = (
        f'<CodeBook xmlns="{C}"><Codes><Code guid="c001" name="x" isCodable="true"/></Codes>'
        "<Sets/></CodeBook>"
    ).encode()
    errors = schema_errors(bad)
    assert any("guid" in e and "c001" in e for e in errors)
    assert any("Sets" in e for e in errors)


def test_exports_validate_against_the_shared_xsds(coded: Project, tmp_path: Path, shared_dir: Path):
    xmlschema = pytest.importorskip("xmlschema")
    refi = shared_dir / "interop" / "refi"
    export_qdc(coded, output=tmp_path / "codebook.qdc")
    export_qdpx(coded, output=tmp_path / "study.qdpx")
    (tmp_path / "project.qde").write_bytes(members(tmp_path / "study.qdpx")["project.qde"])
    xmlschema.XMLSchema(str(refi / "Codebook.xsd")).validate(str(tmp_path / "codebook.qdc"))
    xmlschema.XMLSchema(str(refi / "Project.xsd")).validate(str(tmp_path / "project.qde"))


def test_an_empty_project_exports_valid_xml(tmp_path: Path, small_files):
    # No codebook, no codings, no register: every optional container must be left out.
    project = Project.init(tmp_path / "bare")
    project.import_transcripts([small_files["alpha"]])
    report = export_qdpx(project, output=tmp_path / "bare.qdpx")
    project.close()
    assert (report.codes, report.codings, report.cases, report.sources) == (0, 0, 0, 1)
    assert schema_errors(members(tmp_path / "bare.qdpx")["project.qde"]) == []


# --------------------------------------------------------------------------- export


def test_the_same_segment_coded_by_two_coders_keeps_both_codings(coded: Project, tmp_path: Path):
    out = tmp_path / "study.qdpx"
    report = export_qdpx(coded, output=out)
    stretched = "We were stretched, honestly. Our capacity was the problem from day one."
    assert {c for c in exported_codings(out) if c[1] == stretched} == {
        ("alpha.txt", stretched, "Capacity constraints", "alice"),
        ("alpha.txt", stretched, "Capacity constraints", "bob"),
        ("alpha.txt", stretched, "Capacity constraints", "auto"),
    }
    # alice 4 + bob 3 + auto 2, on the 5 participant segments.
    assert (report.codings, report.selections, report.users) == (9, 5, 3)
    assert len(exported_codings(out)) == 9


def test_selections_point_at_the_segment_text_in_the_exported_source(
    coded: Project, tmp_path: Path
):
    out = tmp_path / "study.qdpx"
    export_qdpx(coded, output=out)
    assert exported_selections(out) == {
        ("alpha.txt", "We were stretched, honestly. Our capacity was the problem from day one."),
        ("alpha.txt", "They had a different agenda. Misaligned from the start, I would say."),
        (
            "beta.txt",
            "The marmalade protocol never worked for us, and the lead provider kept changing.",
        ),
        ("beta.txt", "We wanted to diversify into a new market, and we did."),
        ("beta.txt", "Value for money was all they talked about."),
    }
    assert source_texts(out)["alpha.txt"] == coded.document_text("alpha.txt")


def test_offsets_are_unicode_code_points_not_bytes(tmp_path: Path):
    text = "Interviewer: Zoë 🙂 — ça va?\nAlice Moss: Ça marche 🙂 très bien, we were stretched.\n"
    (tmp_path / "uni.txt").write_text(text, encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "participant_id,transcript,speaker\nP01,uni.txt,Alice Moss\n", encoding="utf-8"
    )
    project = Project.init(tmp_path / "p", register=tmp_path / "people.csv")
    project.import_transcripts([tmp_path / "uni.txt"])
    export_qdpx(project, output=tmp_path / "uni.qdpx")
    project.close()
    sel = next(qde_root(tmp_path / "uni.qdpx").iter(q(P, "PlainTextSelection")))
    expected = text.index("Ça marche")
    assert int(sel.get("startPosition")) == expected
    assert expected != len(text[:expected].encode("utf-8"))  # a byte offset would differ
    assert int(sel.get("endPosition")) == text.index(".\n", expected) + 1


def protections(name: str, organisation: str, role: str, attribution: str) -> dict[str, str]:
    """The register fields redaction and attribution need, as exported Text variables."""
    return {"name": name, "organisation": organisation, "role": role, "attribution": attribution}


def test_participants_become_cases_with_attributes_consent_and_their_selections(
    coded: Project, tmp_path: Path
):
    out = tmp_path / "study.qdpx"
    export_qdpx(coded, output=out)
    root = qde_root(out)
    variables = {v.get("guid"): v.get("name") for v in root.iter(q(P, "Variable"))}
    selections = {s.get("guid"): s.get("name") for s in root.iter(q(P, "PlainTextSelection"))}
    sources = {s.get("guid"): s.get("name") for s in root.iter(q(P, "TextSource"))}
    cases = {}
    for case in root.iter(q(P, "Case")):
        values = {
            variables[v[0].get("targetGUID")]: v[1].text for v in case.iter(q(P, "VariableValue"))
        }
        cases[case.get("name")] = (
            values,
            [sources[r.get("targetGUID")] for r in case.iter(q(P, "SourceRef"))],
            sorted(selections[r.get("targetGUID")] for r in case.iter(q(P, "SelectionRef"))),
        )
    # The register in conftest: P02 declined quotes; P02 and P03 share beta.txt.
    assert cases == {
        "P01": (
            {
                "sector": "Social care",
                **protections("Alice Moss", "Fenmoor Care", "Chief Executive", "Social care PSM"),
                "consent_quotes": "true",
                "consent_named": "true",
            },
            ["alpha.txt"],
            ["alpha.txt#1.0", "alpha.txt#3.0"],
        ),
        "P02": (
            {
                "sector": "Health",
                **protections("Ben Hart", "Hartwell Health", "Director", "Health PSM"),
                "consent_quotes": "false",
                "consent_named": "false",
            },
            ["beta.txt"],
            ["beta.txt#1.0", "beta.txt#4.0"],
        ),
        "P03": (
            {
                "sector": "Health",
                **protections("Cara Lin", "Hartwell Health", "Finance Director", "Health PSM"),
                "consent_quotes": "true",
                "consent_named": "false",
            },
            ["beta.txt"],
            ["beta.txt#2.0"],
        ),
    }
    types = {v.get("name"): v.get("typeOfVariable") for v in root.iter(q(P, "Variable"))}
    assert types == {
        "sector": "Text",
        **dict.fromkeys(("name", "organisation", "role", "attribution"), "Text"),
        "consent_quotes": "Boolean",
        "consent_named": "Boolean",
    }


def test_memos_become_notes_referred_to_from_their_selection(coded: Project, tmp_path: Path):
    out = tmp_path / "study.qdpx"
    assert export_qdpx(coded, output=out).notes == 1
    root = qde_root(out)
    (note,) = root.iter(q(P, "Note"))
    assert note.findtext(q(P, "PlainTextContent")) == "Strong example of misalignment."
    users = {u.get("guid"): u.get("name") for u in root.iter(q(P, "User"))}
    assert users[note.get("creatingUser")] == "alice"
    (ref,) = root.iter(q(P, "NoteRef"))
    assert ref.getparent().get("name") == "alpha.txt#3.0"


def test_a_withdrawn_participant_leaves_no_trace_in_the_export(
    coded: Project, tmp_path: Path, small_files
):
    register = small_files["register"].read_text(encoding="utf-8")
    p03 = "P03,beta.txt,Cara Lin,Cara Lin,Hartwell Health,Finance Director,yes,no,Health PSM,"
    withdrawn = register.replace(p03 + "no,", p03 + "yes,")
    assert withdrawn != register
    (tmp_path / "withdrawn.csv").write_text(withdrawn, encoding="utf-8")
    coded.load_register(tmp_path / "withdrawn.csv")
    out = tmp_path / "study.qdpx"
    export_qdpx(coded, output=out)
    everything = b"".join(members(out).values()).decode("utf-8")
    for trace in ("diversify into a new market", "Cara Lin", "P03"):
        assert trace not in everything
    beta = source_texts(out)["beta.txt"]
    assert WITHDRAWN_MARK in beta
    # The selections after the removed turn still point at the right words.
    assert ("beta.txt", "Value for money was all they talked about.") in exported_selections(out)
    assert {c[2:] for c in exported_codings(out) if c[0] == "beta.txt"} == {
        ("Lead provider negotiation", "alice")
    }
    assert_project_shape(out)


def test_exports_are_repeatable_and_code_guids_follow_the_code_id(coded: Project, tmp_path: Path):
    export_qdpx(coded, output=tmp_path / "one.qdpx")
    export_qdpx(coded, output=tmp_path / "two.qdpx")
    assert (
        members(tmp_path / "one.qdpx")["project.qde"]
        == members(tmp_path / "two.qdpx")["project.qde"]
    )

    def guids(path: Path) -> dict[str, str]:
        return {c.get("name"): c.get("guid") for c in etree.parse(str(path)).iter(q(C, "Code"))}

    export_qdc(coded, output=tmp_path / "before.qdc")
    renamed = RICH_CODEBOOK.replace("name: Capacity constraints", "name: Stretched capacity")
    coded.set_codebook(load_codebook_text(renamed))
    export_qdc(coded, output=tmp_path / "after.qdc")
    before, after = guids(tmp_path / "before.qdc"), guids(tmp_path / "after.qdc")
    assert before["Capacity constraints"] == after["Stretched capacity"]  # same id, same GUID
    assert len(set(before.values())) == 6


def test_a_failed_export_leaves_the_old_file_in_place(coded: Project, tmp_path: Path, monkeypatch):
    out = tmp_path / "study.qdpx"
    out.write_bytes(b"the previous export")
    real = zipfile.ZipFile.writestr

    def failing(self, name, data, *args, **kwargs):
        if str(getattr(name, "filename", name)).startswith("sources/"):
            raise OSError("disk full")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(OSError):
        export_qdpx(coded, output=out)
    assert out.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".study")] == []


def test_descriptions_carry_include_and_exclude_and_read_back(tmp_path: Path):
    codebook = load_codebook_text(RICH_CODEBOOK)
    data = codebook_to_qdc(codebook)
    root = etree.fromstring(data)
    (misaligned,) = [c for c in root.iter(q(C, "Code")) if c.get("name").startswith("Misaligned")]
    assert misaligned.findtext(q(C, "Description")) == (
        "Partners want different things.\n\nInclude: Clashing aims or values.\n\n"
        'Exclude: Cost alone ("value for money").'
    )
    (tmp_path / "cb.qdc").write_bytes(data)
    back = read_qdc(tmp_path / "cb.qdc")
    assert code_summary(back) == code_summary(codebook)


# --------------------------------------------------------------------------- round trip


def test_round_trip_keeps_codes_segments_codings_and_memos(coded: Project, tmp_path: Path):
    first = tmp_path / "first.qdpx"
    export_qdpx(coded, output=first)
    report = import_qdpx(first, tmp_path / "again")
    assert report.warnings == []
    with Project.open(tmp_path / "again") as again:
        assert code_summary(again.codebook) == code_summary(coded.codebook)
        assert set(again.segments()["text"]) == set(coded.segments(participants_only=True)["text"])
        assert stored_codings(again) == stored_codings(coded)
        assert list(again.memos()["memo"]) == ["Strong example of misalignment."]
        second = tmp_path / "second.qdpx"
        export_qdpx(again, output=second)
    assert exported_selections(second) == exported_selections(first)
    assert exported_codings(second) == exported_codings(first)
    assert len(exported_codings(second)) == 9

    def guids(path: Path, tag: str) -> dict[str, str]:
        return {e.get("name"): e.get("guid") for e in qde_root(path).iter(q(P, tag))}

    # The other tool sees the same codes, sources and users when the project comes back.
    for tag in ("Code", "TextSource", "User"):
        assert guids(second, tag) == guids(first, tag)


def test_imported_cases_bring_back_participants_consent_and_speakers(
    coded: Project, tmp_path: Path
):
    export_qdpx(coded, output=tmp_path / "study.qdpx")
    import_qdpx(tmp_path / "study.qdpx", tmp_path / "again")
    with Project.open(tmp_path / "again") as again:
        people = again.participants().set_index("participant_id")
        assert people.loc[["P01", "P02", "P03"], "consent_quotes"].tolist() == [True, False, True]
        assert people.loc[["P01", "P02", "P03"], "transcript"].tolist() == [
            "alpha.txt",
            "beta.txt",
            "beta.txt",
        ]
        assert people.loc["P02", "sector"] == "Health"
        segments = again.segments().set_index("text")
        # Two speakers of one source are told apart by the cases' selection references.
        assert (
            segments.loc["We wanted to diversify into a new market, and we did.", "participant_id"]
            == "P03"
        )
        assert segments.loc["Value for money was all they talked about.", "participant_id"] == "P02"


def test_imported_segments_are_lemmatised_for_auto_coding(coded: Project, tmp_path: Path):
    export_qdpx(coded, output=tmp_path / "study.qdpx")
    import_qdpx(tmp_path / "study.qdpx", tmp_path / "again")
    with Project.open(tmp_path / "again") as again:
        row = again.store.execute(
            "SELECT text, lemmas, offsets FROM segments WHERE text LIKE 'We were stretched%'"
        ).fetchone()
    tokens = TokenData.decode(row["lemmas"], row["offsets"])
    i = tokens.lemmas.index("stretch")
    assert row["text"][tokens.offsets[2 * i] : tokens.offsets[2 * i + 1]] == "stretched"


# --------------------------------------------------------------------------- import: hand-made fixture


def test_atlas_shaped_export_imports_with_hand_computed_counts(tmp_path: Path):
    report = import_qdpx(atlas_zip(tmp_path), tmp_path / "breakfast")
    # Worked out by hand from atlas_shaped.qde: 5 codes; Mabel's source has 6 selections of
    # which one runs past the text and two share offsets (4 segments), Simon's has 1;
    # codings: 2 on the shared span, 1 porridge, 1 Coke, 1 soggy (one points to no code).
    assert (report.codes, report.documents, report.segments, report.codings) == (5, 2, 5, 5)
    assert (report.memos, report.participants) == (2, 2)
    assert report.coders == ["Friedrich Markgraf", "Sebastian Petrausch"]
    assert len(report.warnings) == 4
    for fragment in (
        "colour 'red'",
        "spans 70-500",
        "1 coding(s) in 'Mabel interview' point",
        "picture source",
    ):
        assert sum(fragment in w for w in report.warnings) == 1
    with Project.open(tmp_path / "breakfast") as project:
        assert stored_codings(project) == {
            ("breakfast is mayhem", "Feelings", "Friedrich Markgraf"),
            ("breakfast is mayhem", "Feelings", "Sebastian Petrausch"),
            ("porridge", "Breakfast food", "Friedrich Markgraf"),
            ("has porridge; I have Coke", "Coke", "Sebastian Petrausch"),
            ("soggy", "Feelings", "Friedrich Markgraf"),
        }
        segments = project.segments()
        assert set(segments["document"]) == {"Mabel interview", "Simon-1"}
        assert set(zip(segments["text"], segments["participant_id"])) == {
            ("single mum", "Mabel"),
            ("breakfast is mayhem", "Mabel"),
            ("has porridge; I have Coke", "Mabel"),
            ("porridge", "Mabel"),
            ("soggy", "Simon"),
        }
        porridge = segments[segments["text"] == "porridge"].iloc[0]
        assert (porridge["start"], porridge["end"]) == (52, 60)  # code points, after "Zoë 🙂"
        memos = project.memos()
        assert sorted(zip(memos["coder"], memos["memo"])) == [
            ("Friedrich Markgraf", "why soggy?"),
            ("Sebastian Petrausch", "Why Coke at breakfast?"),
        ]
        codebook = project.codebook
        assert [c.id for c in codebook] == [
            "topics",
            "feelings",
            "breakfast-food",
            "coke",
            "coke-2",
        ]
        feelings = codebook.get("feelings")
        assert (feelings.parent, feelings.color) == ("topics", "#FF0088")
        assert (feelings.description, feelings.include, feelings.exclude) == (
            "thoughts about breakfast",
            "mentions of mood",
            "hunger",
        )
        assert codebook.get("coke").color is None and not codebook.get("topics").codable
        people = project.participants().set_index("participant_id")
        assert people.loc["Mabel", "consent_quotes"] and not people.loc["Simon", "consent_quotes"]
        assert people.loc["Mabel", "Age"] == "34" and people.loc["Simon", "Consented"] == "yes"


def test_reexporting_an_import_gives_the_other_tool_its_own_guids(tmp_path: Path):
    import_qdpx(atlas_zip(tmp_path), tmp_path / "breakfast")
    with Project.open(tmp_path / "breakfast") as project:
        export_qdpx(project, output=tmp_path / "back.qdpx")
    root = qde_root(tmp_path / "back.qdpx")
    codes = {c.get("name"): c.get("guid") for c in root.iter(q(P, "Code"))}
    assert codes["Feelings"] == "0F8A1907-7E42-4739-8610-A676B4D1B69F"
    sources = {s.get("name"): s.get("guid") for s in root.iter(q(P, "TextSource"))}
    assert sources["Mabel interview"] == "69A4332D-5B31-4915-B520-5275CFC21B40"
    users = {u.get("name"): u.get("guid") for u in root.iter(q(P, "User"))}
    assert users["Sebastian Petrausch"] == "A5DE7584-8296-418B-A322-136F77ADF87B"


def test_a_bare_qde_imports_embedded_text_and_reports_each_missing_source(tmp_path: Path):
    report = import_qdpx(DATA / "atlas_shaped.qde", tmp_path / "bare")
    assert (report.documents, report.segments, report.codings) == (1, 1, 1)
    missing = [w for w in report.warnings if "is missing" in w]
    assert len(missing) == 1 and "'Mabel interview'" in missing[0]
    with Project.open(tmp_path / "bare") as project:
        assert stored_codings(project) == {("soggy", "Feelings", "Friedrich Markgraf")}


def test_import_fills_an_existing_empty_folder_and_refuses_a_file(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    import_qdpx(atlas_zip(tmp_path), tmp_path / "empty")
    with Project.open(tmp_path / "empty") as project:
        assert len(project.documents()) == 2
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ProjectError, match="is a file, not a folder"):
        import_qdpx(atlas_zip(tmp_path), tmp_path / "a-file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "breakfast.qdpx", "empty"]


def test_import_refuses_a_folder_that_already_holds_a_project(project: Project, tmp_path: Path):
    before = len(project.documents())
    with pytest.raises(ProjectError, match="already holds a project"):
        import_qdpx(atlas_zip(tmp_path), project.directory)
    assert len(project.documents()) == before


@pytest.mark.parametrize(
    "files, message",
    [
        pytest.param({"notes.txt": "x"}, "holds no project.qde", id="no-qde"),
        pytest.param(
            {"a.qde": "<Project/>", "b.qde": "<Project/>"}, "several project files", id="two-qdes"
        ),
        pytest.param(
            {"project.qde": "<Project><Sources>"}, "not well-formed XML at line 1", id="truncated"
        ),
        pytest.param(
            {"project.qde": f'<CodeBook xmlns="{C}"/>'},
            "use `import-codebook`",
            id="codebook",
        ),
    ],
)
def test_import_of_a_broken_qdpx_says_why_and_creates_nothing(tmp_path: Path, files, message):
    bad = write_zip(tmp_path / "bad.qdpx", files)
    with pytest.raises(ExchangeError, match=re.escape(message)) as caught:
        import_qdpx(bad, tmp_path / "new")
    assert str(bad) in str(caught.value)
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.qdpx"]


# --------------------------------------------------------------------------- safe XML and zips


@pytest.mark.parametrize(
    "name, message",
    [
        pytest.param("billion_laughs.qdc", "declares XML entities", id="billion-laughs"),
        pytest.param("external_entity.qdc", "declares XML entities", id="external-entity"),
        pytest.param("external_entity_utf16.qdc", "declares XML entities", id="utf16-entity"),
        pytest.param("external_entity.qde", "declares XML entities", id="parameter-entity"),
        pytest.param("external_dtd.qdc", "refers to an external DTD", id="external-dtd"),
    ],
)
def test_unsafe_xml_is_refused_with_one_clear_sentence(name: str, message: str, tmp_path: Path):
    with pytest.raises(ExchangeError) as caught:
        read_qdc(DATA / name)
    text = str(caught.value)
    assert text.startswith(str(DATA / name)) and message in text and text.count(". ") == 0
    with pytest.raises(ExchangeError, match=message):
        import_qdpx(DATA / name, tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    "name", ["billion_laughs.qdc", "external_entity.qdc", "external_entity.qde"]
)
def test_the_parser_itself_refuses_entities_without_the_quick_check(name: str, monkeypatch):
    # Defence in depth: with the byte scan for <!ENTITY switched off, lxml's hardened
    # parser must still neither expand the bomb nor read /etc/passwd.
    monkeypatch.setattr(safexml, "_ENTITY_MARKS", ())
    with pytest.raises(ExchangeError) as caught:
        safexml.parse_xml((DATA / name).read_bytes(), source=name)
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize(
    "member",
    [
        pytest.param("../evil.txt", id="dot-dot"),
        pytest.param("sources/../../evil.txt", id="nested-dot-dot"),
        pytest.param("/tmp/evil.txt", id="absolute"),
        pytest.param("..\\evil.txt", id="backslash"),
        pytest.param("C:/evil.txt", id="drive"),
    ],
)
def test_a_zip_member_path_escaping_the_folder_is_refused(tmp_path: Path, member: str):
    bad = write_zip(
        tmp_path / "slip.qdpx",
        {"project.qde": (DATA / "atlas_shaped.qde").read_bytes(), member: "pwned"},
    )
    with pytest.raises(ExchangeError, match="escapes the folder") as caught:
        import_qdpx(bad, tmp_path / "new")
    assert repr(member) in str(caught.value)
    with pytest.raises(ExchangeError, match="escapes the folder"):
        read_qdc(bad)
    assert not (tmp_path / "new").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_a_zip_bomb_member_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(safexml, "MAX_MEMBER_BYTES", 1000)
    bomb = write_zip(tmp_path / "bomb.qdpx", {"project.qde": "<Project/>" + " " * 5000})
    with pytest.raises(ExchangeError, match="MiB"):
        import_qdpx(bomb, tmp_path / "new")


def test_xml_that_is_not_refi_is_refused(tmp_path: Path):
    (tmp_path / "page.qdc").write_text("<html><body/></html>", encoding="utf-8")
    with pytest.raises(ExchangeError, match="root element is <html>"):
        read_qdc(tmp_path / "page.qdc")
    (tmp_path / "empty.qdc").write_text(f'<CodeBook xmlns="{C}"><Codes/></CodeBook>')
    with pytest.raises(CodebookError, match="holds no codes"):
        read_qdc(tmp_path / "empty.qdc")


# --------------------------------------------------------------------------- codebook reading


def test_codebook_reading_tolerates_what_real_exporters_write(tmp_path: Path):
    long_text = "A very long description. " * 2000
    qdc = textwrap.dedent(
        f"""\
        <?xml version="1.0" encoding="utf-8"?>
        <CodeBook xmlns="{C}" origin="Taguette">
          <Codes>
            <Code guid="{{0D62985D-B147-5D01-A9B5-CAE5DCD98342}}" name="Santé publique" isCodable="true" color="#abc">
              <Description>{long_text}</Description>
              <Code guid="DFE5C38E-9449-5959-A1F7-E3D895CFA87F" name="other" isCodable="1"/>
            </Code>
            <Code guid="725F0645-9CD3-598A-8D2B-EC3D39AB3C3F" name="Other" isCodable="false"/>
            <Code guid="825F0645-9CD3-598A-8D2B-EC3D39AB3C3F" name="健康" isCodable="true"/>
            <Code guid="925F0645-9CD3-598A-8D2B-EC3D39AB3C3F" name="" isCodable="true"/>
          </Codes>
          <Sets/>
        </CodeBook>
        """
    )
    (tmp_path / "t.qdc").write_text(qdc, encoding="utf-8")
    codebook = read_qdc(tmp_path / "t.qdc")
    assert [c.id for c in codebook] == [
        "sante-publique",
        "other",
        "other-2",
        "code",
        "unnamed-code",
    ]
    assert [c.name for c in codebook][2:] == ["Other", "健康", "Unnamed code"]
    sante = codebook.get("sante-publique")
    assert sante.color == "#AABBCC" and sante.description == long_text.strip()
    assert codebook.get("other").parent == "sante-publique" and not codebook.get("other-2").codable
    assert codebook.name == "t"


@pytest.fixture
def sample_files(shared_dir: Path) -> list[Path]:
    return sorted((shared_dir / "interop" / "refi" / "samples").iterdir())


def _counted_in_xml(path: Path) -> tuple[int, int, int]:
    """Codes, codings and coded segments counted straight from a sample with lxml.

    A coding counts when its TextSource's text is in the file (PlainTextContent, or a
    sources/ member of the zip whatever its case) and its selection lies inside that text;
    one coding per (source, span, code, user), as the project keeps them.
    """
    if zipfile.is_zipfile(path):
        files = members(path)
        qde = next(n for n in files if n.lower().endswith(".qde"))
        root = etree.fromstring(files[qde])
        lower = {n.lower(): n for n in files}
    else:
        root, files, lower = etree.parse(str(path)).getroot(), {}, {}
    ns = etree.QName(root).namespace
    codes = len(root.findall(f".//{{{ns}}}Code"))
    codings, spans = set(), set()
    for source in root.iter(f"{{{ns}}}TextSource"):
        content = source.find(f"{{{ns}}}PlainTextContent")
        if content is not None:
            text = content.text or ""
        else:
            name = (source.get("plainTextPath") or "").split("://")[-1]
            member = lower.get(f"sources/{name}".lower())
            if member is None:
                continue
            text = files[member].decode("utf-8-sig")
        for sel in source.iter(f"{{{ns}}}PlainTextSelection"):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if not 0 <= start < end <= len(text):
                continue
            spans.add((source.get("guid"), start, end))
            for coding in sel.iter(f"{{{ns}}}Coding"):
                ref = coding.find(f"{{{ns}}}CodeRef").get("targetGUID").strip("{}").lower()
                codings.add((source.get("guid"), start, end, ref, coding.get("creatingUser")))
    return codes, len(codings), len(spans)


def test_every_shared_sample_imports_with_the_counts_in_its_xml(sample_files, tmp_path: Path):
    assert len(sample_files) == 6
    for path in sample_files:
        codes, codings, spans = _counted_in_xml(path)
        if path.suffix == ".qdc":
            assert len(read_qdc(path)) == codes, path.name
            continue
        report = import_qdpx(path, tmp_path / path.name)
        with Project.open(tmp_path / path.name) as project:
            assert len(project.codebook) == codes, path.name
            rows = project.store.execute("SELECT COUNT(*) FROM codings").fetchone()[0]
            assert rows == report.codings == codings, path.name
            assert len(project.segments()) == spans, path.name


def test_shared_samples_match_their_published_figures(sample_files, tmp_path: Path):
    by_name = {p.name: p for p in sample_files}
    # ../shared/interop/README.md: NVivo's export has 262 codes and empty sources; the qc
    # export has two text sources and 205 codings; Taguette's has an empty <Sets/>.
    report = import_qdpx(by_name["nvivo_mac15_codebook_project.qdpx"], tmp_path / "nvivo")
    assert (report.codes, report.documents, report.codings) == (262, 2, 0)
    report = import_qdpx(by_name["qc_demo.qdpx"], tmp_path / "qc")
    assert (report.codes, report.documents, report.codings, report.coders) == (262, 2, 205, ["cp"])
    with Project.open(tmp_path / "qc") as project:
        board = members(by_name["qc_demo.qdpx"])["sources/board_2017.txt"].decode("utf-8")
        first = project.segments(document="board_2017.txt").iloc[0]
        assert (first["start"], first["end"]) == (320, 400)
        assert first["text"] == board[320:400]
    taguette = read_qdc(by_name["taguette_shaped_codebook.qdc"])
    assert [c.name for c in taguette] == ["interesting", "people", "interesting.places"]
    annex = read_qdc(by_name["refi_spec_annexA1_codebook.qdc"])
    assert [(c.name, c.color) for c in annex][:2] == [("Topics", None), ("Economy", "#FFFF00")]
    report = import_qdpx(by_name["ornio_hand_authored_project.qde"], tmp_path / "ornio")
    kinds = ("picture", "PDF", "audio", "video")
    assert [sum(f"{k} source" in w for w in report.warnings) for k in kinds] == [1, 1, 1, 1]
    assert sum("is missing" in w for w in report.warnings) == 1


def test_overlapping_selections_of_the_ornio_sample_import_when_its_text_is_there(
    sample_files, tmp_path: Path
):
    ornio = next(p for p in sample_files if p.name.startswith("ornio"))
    text = "Diet and health are closely linked, the participant said.\n"
    bundle = write_zip(
        tmp_path / "ornio.qdpx",
        {
            "project.qde": ornio.read_bytes(),
            "sources/11111111-1111-1111-1111-111111111111.txt": text,
        },
    )
    report = import_qdpx(bundle, tmp_path / "ornio")
    assert (report.segments, report.codings) == (2, 2)
    with Project.open(tmp_path / "ornio") as project:
        assert stored_codings(project) == {
            ("Diet and health", "Health", "Researcher A"),
            ("health are clo", "Diet", "Researcher A"),
        }
        assert set(project.segments()["participant_id"]) == {"Participant 1"}


# --------------------------------------------------------------------------- codebook import and demo


def test_import_codebook_writes_yaml_and_keeps_the_tools_guids_for_export(
    project: Project, tmp_path: Path
):
    source = tmp_path / "tool.qdc"
    source.write_text(
        f'<CodeBook xmlns="{C}"><Codes>'
        '<Code guid="d7aa29da-519b-4946-9b90-253b6db8fd0a" name="Economy" isCodable="true"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    result = import_codebook(source, output=tmp_path / "tool.yaml", project=project)
    assert [c.id for c in load_codebook(tmp_path / "tool.yaml")] == ["economy"]
    assert [c.id for c in project.codebook] == ["economy"]
    assert result.guids == {"economy": "d7aa29da-519b-4946-9b90-253b6db8fd0a"}
    export_qdc(project, output=tmp_path / "back.qdc")
    (code,) = etree.parse(str(tmp_path / "back.qdc")).iter(q(C, "Code"))
    assert code.get("guid") == "d7aa29da-519b-4946-9b90-253b6db8fd0a"


def test_demo_step_writes_the_qdpx_and_qdc(coded: Project, tmp_path: Path):
    lines, shown = [], []
    refi_step(coded, tmp_path / "demo", log=lines.append, show=lambda t, f: shown.append((t, f)))
    assert (tmp_path / "demo" / "project.qdpx").is_file()
    assert len(read_qdc(tmp_path / "demo" / "codebook.qdc")) == 6
    assert "9 codings" in lines[0] and "codebook.qdc" in lines[0]
    title, frame = shown[0]
    assert dict(zip(frame["element"], frame["count"]))["codings"] == 9
