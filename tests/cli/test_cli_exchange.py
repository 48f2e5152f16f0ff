"""Tests for the exchange commands: ``export qdc|qdpx``, ``import-codebook``, ``import-qdpx``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.inputs.codebook import load_codebook, load_codebook_text

DATA = Path(__file__).resolve().parents[1] / "data" / "refi"
C = "urn:QDA-XML:codebook:1.0"
SMALL_NAMES = [
    "Challenges",
    "Misaligned aims and values",
    "Lead provider negotiation",
    "Capacity constraints",
    "Benefits",
    "New markets",
]
TOOL_QDC = (
    f'<CodeBook xmlns="{C}"><Codes>'
    '<Code guid="d7aa29da-519b-4946-9b90-253b6db8fd0a" name="Economy" isCodable="true" color="#ff0">'
    "<Description>Jobs and taxes\n\nInclude: wages</Description></Code>"
    '<Code guid="0dcef2f5-e55c-49da-8c33-9b0803c7aeb4" name="Health care" isCodable="true"/>'
    "</Codes><Sets/></CodeBook>"
)


def qdc_names(path: Path) -> list[str]:
    return [c.get("name") for c in etree.parse(str(path)).iter(f"{{{C}}}Code")]


def atlas_zip(tmp_path: Path) -> Path:
    path = tmp_path / "breakfast.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Breakfast study.qde", (DATA / "atlas_shaped.qde").read_bytes())
        archive.writestr(
            "Sources/B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.TXT", (DATA / "mabel.txt").read_bytes()
        )
    return path


def slip_zip(tmp_path: Path) -> Path:
    path = tmp_path / "slip.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", (DATA / "atlas_shaped.qde").read_bytes())
        archive.writestr("../evil.txt", "pwned")
    return path


@pytest.fixture
def coded(project: Project) -> Project:
    segments = list(project.segments(participants_only=True)["segment_id"])
    project.record_codings(
        "alice",
        [("alpha.txt#1.0", "capacity-constraints", None), ("beta.txt#2.0", "new-markets", None)],
        segments=segments,
    )
    return project


# --------------------------------------------------------------------------- export


def test_export_qdc_writes_the_codebook(runner, project: Project, tmp_path: Path):
    out = tmp_path / "codebook.qdc"
    result = runner.invoke(cli, ["-p", str(project.directory), "export", "qdc", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out} (6 codes).\n"
    assert qdc_names(out) == SMALL_NAMES


def test_export_qdpx_writes_the_project_and_says_what_is_in_it(
    runner, coded: Project, tmp_path: Path
):
    out = tmp_path / "study.qdpx"
    result = runner.invoke(
        cli, ["-p", str(coded.directory), "export", "qdpx", "-o", str(out), "--internal"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote {out}: 2 sources, 5 selections, 2 codings by 1 coder(s), 6 codes, 3 cases, "
        "0 memos.\n"
    )
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert names[0] == "project.qde" and sum(n.startswith("sources/") for n in names) == 2


@pytest.mark.parametrize(
    "kind, name, expected",
    [
        pytest.param("qdc", "codebook.yaml", ".qdc", id="qdc-as-yaml"),
        pytest.param("qdpx", "study.zip", ".qdpx", id="qdpx-as-zip"),
    ],
)
def test_export_refuses_a_file_name_other_tools_would_not_open(
    runner, project: Project, tmp_path: Path, kind: str, name: str, expected: str
):
    out = tmp_path / name
    result = runner.invoke(cli, ["-p", str(project.directory), "export", kind, "-o", str(out)])
    assert result.exit_code == 2
    assert f"{out} does not end in {expected}" in result.stderr
    assert not out.exists()


def test_export_outside_a_project_says_so(runner, tmp_path: Path):
    result = runner.invoke(
        cli, ["-p", str(tmp_path), "export", "qdpx", "-o", str(tmp_path / "x.qdpx")]
    )
    assert result.exit_code == 1
    assert "is not a project" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- import-codebook


def test_import_codebook_prints_yaml_without_output_or_set(runner, tmp_path: Path):
    (tmp_path / "tool.qdc").write_text(TOOL_QDC, encoding="utf-8")
    result = runner.invoke(cli, ["import-codebook", str(tmp_path / "tool.qdc")])
    assert result.exit_code == 0, result.output
    codebook = load_codebook_text(result.stdout)
    economy = codebook.get("economy")
    assert (economy.color, economy.description, economy.include) == (
        "#FFFF00",
        "Jobs and taxes",
        "wages",
    )
    assert [c.id for c in codebook] == ["economy", "health-care"]


def test_import_codebook_writes_the_yaml_file(runner, tmp_path: Path):
    (tmp_path / "tool.qdc").write_text(TOOL_QDC, encoding="utf-8")
    out = tmp_path / "tool.yaml"
    result = runner.invoke(cli, ["import-codebook", str(tmp_path / "tool.qdc"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out} (2 codes).\n"
    assert [c.name for c in load_codebook(out)] == ["Economy", "Health care"]


def test_import_codebook_set_needs_force_to_drop_coded_codes(
    runner, coded: Project, tmp_path: Path
):
    (tmp_path / "tool.qdc").write_text(TOOL_QDC, encoding="utf-8")
    args = ["-p", str(coded.directory), "import-codebook", str(tmp_path / "tool.qdc"), "--set"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "drops 2 code(s) that have codings" in result.stderr and "--force" in result.stderr
    with Project.open(coded.directory) as again:
        assert [c.name for c in again.codebook] == SMALL_NAMES
    result = runner.invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "The project's codebook is now 'tool' (2 codes).\n"
    with Project.open(coded.directory) as again:
        assert [c.name for c in again.codebook] == ["Economy", "Health care"]


@pytest.mark.parametrize(
    "make, message",
    [
        pytest.param(
            lambda d: DATA / "billion_laughs.qdc", "declares XML entities", id="billion-laughs"
        ),
        pytest.param(lambda d: DATA / "external_entity.qdc", "declares XML entities", id="xxe"),
        pytest.param(lambda d: DATA / "external_dtd.qdc", "refers to an external DTD", id="dtd"),
        pytest.param(slip_zip, "escapes the folder", id="zip-slip"),
        pytest.param(lambda d: DATA / "mabel.txt", "is not well-formed XML", id="not-xml"),
        pytest.param(lambda d: d / "missing.qdc", "does not exist", id="missing"),
    ],
)
def test_import_codebook_refuses_bad_files_and_leaves_the_project_alone(
    runner, project: Project, tmp_path: Path, make, message: str
):
    bad = make(tmp_path)
    before = project.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    result = runner.invoke(
        cli, ["-p", str(project.directory), "import-codebook", str(bad), "--set"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    with Project.open(project.directory) as again:
        assert [c.name for c in again.codebook] == SMALL_NAMES
        assert again.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


# --------------------------------------------------------------------------- import-qdpx


def test_import_qdpx_creates_the_project_and_warns_of_each_loss(runner, tmp_path: Path):
    target = tmp_path / "breakfast"
    result = runner.invoke(cli, ["import-qdpx", str(atlas_zip(tmp_path)), str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Project ready in {target}: 2 documents, 5 segments, 5 codes, 5 codings "
        "(coders: Friedrich Markgraf, Sebastian Petrausch), 2 participants.\n"
    )
    warnings = result.stderr.splitlines()
    assert len(warnings) == 4 and all(w.startswith("Warning: ") for w in warnings)
    assert any("picture source 'cornflakes-n-milk.jpg' was skipped" in w for w in warnings)
    with Project.open(target) as project:
        assert project.coders() == ["Friedrich Markgraf", "Sebastian Petrausch"]
        assert len(project.documents()) == 2


def test_import_qdpx_defaults_to_the_project_directory(runner, tmp_path: Path):
    target = tmp_path / "via-p"
    result = runner.invoke(cli, ["-p", str(target), "import-qdpx", str(atlas_zip(tmp_path))])
    assert result.exit_code == 0, result.output
    with Project.open(target) as project:
        assert len(project.codebook) == 5


@pytest.mark.parametrize(
    "make, message",
    [
        pytest.param(slip_zip, "escapes the folder", id="zip-slip"),
        pytest.param(
            lambda d: DATA / "billion_laughs.qdc", "declares XML entities", id="billion-laughs"
        ),
        pytest.param(lambda d: DATA / "external_entity.qde", "declares XML entities", id="xxe"),
        pytest.param(
            lambda d: (d / "cb.qdc").write_text(TOOL_QDC) and d / "cb.qdc",
            "is not a REFI-QDA project: its root element is <CodeBook>, not <Project>; "
            "it is a codebook: use `mpsp-qual import-codebook`.",
            id="codebook-given",
        ),
    ],
)
def test_import_qdpx_refuses_bad_files_and_creates_nothing(
    runner, tmp_path: Path, make, message: str
):
    bad = make(tmp_path)
    target = tmp_path / "new"
    result = runner.invoke(cli, ["import-qdpx", str(bad), str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}") and message in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new")]


def test_import_qdpx_refuses_to_overwrite_a_project(runner, project: Project, tmp_path: Path):
    result = runner.invoke(cli, ["import-qdpx", str(atlas_zip(tmp_path)), str(project.directory)])
    assert result.exit_code == 1
    assert f"Error: {project.directory} already holds a project" in result.stderr
    assert list(project.documents()["document"]) == ["alpha.txt", "beta.txt"]


def test_every_exchange_command_has_help(runner):
    for args in (["export", "qdc"], ["export", "qdpx"], ["import-codebook"], ["import-qdpx"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


def test_a_qdpx_that_is_not_a_zip_says_so(runner, tmp_path):
    fake = tmp_path / "fake.qdpx"
    fake.write_text("<Project/>", encoding="utf-8")
    result = runner.invoke(cli, ["import-qdpx", str(fake), str(tmp_path / "new")])
    assert result.exit_code == 1
    assert "is not a .qdpx project (a .qdpx is a zip archive)" in result.stderr
    assert not (tmp_path / "new" / "project.sqlite").exists()
