"""No file leaves the team with text not cleared for quoting, unless asked with --internal.

Every command that writes a file is run on the shipped sample, auto-coded, with a second
coder's sheet imported and approvals planted for the participant who declined quotes (P07)
and the one who withdrew (P06). Without --internal, each output file's bytes (every member
of an .xlsx, .docx or .qdpx zip, XML entities decoded) are searched for those two
participants' distinctive phrases, every registered name and organisation, and every
transcript file name (which names an organisation); a command whose file would hold them
refuses, naming the flag, and writes nothing. With --internal each such file says
"internal - contains text not cleared for quoting": an .xlsx on every sheet, on screen and on
every printed page; a .csv, .json or .qdpx on stderr (and a .qdpx in its description).
"""

from __future__ import annotations

import html
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import _phrases, build_half_approved_sample

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.core.vocab import INTERNAL_MARK

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
MARK = INTERNAL_MARK.upper()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    if not (SAMPLE / "participants.csv").is_file():
        pytest.skip("transcripts_sample/ is absent")
    return build_half_approved_sample(tmp_path_factory.mktemp("internal") / "project")


@pytest.fixture
def proj(sample, tmp_path, runner) -> Path:
    target = tmp_path / "project"
    shutil.copytree(sample, target)
    result = run(runner, target, "sheet", "import", str(SAMPLE / "coder2_sheet.xlsx"))
    assert result.exit_code == 0, result.output  # reviewer2, for agreement and disagreements
    return target


def run(runner, proj: Path, *args: str):
    return runner.invoke(cli, ["-p", str(proj), *args])


def file_text(path: Path) -> str:
    """Every byte of the file as text; of a zip (.xlsx, .docx, .qdpx), every member's."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            raw = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    else:
        raw = path.read_bytes().decode("utf-8", "replace")
    return raw + "\n" + html.unescape(raw)


def forbidden() -> list[str]:
    """What no outgoing file may hold: P06's and P07's words, names, organisations, and
    transcript file names (with and without their extension)."""
    register = pd.read_csv(SAMPLE / "participants.csv", dtype=str).fillna("")
    files = sorted(p.name for p in (SAMPLE / "interviews").glob("int*"))
    found = [*_phrases("P06", "P07"), *register["name"], *register["organisation"]]
    found += [*files, *(Path(f).stem for f in files)]
    return [f for f in found if f]


#: Commands whose file holds text not cleared for quoting: they need --internal.
#: (name, arguments before --internal, the file they write)
INTERNAL = [
    ("framework", ["framework", "-o", "{d}/framework.xlsx"], "framework.xlsx"),
    ("framework-csv", ["framework", "-o", "{d}/framework.csv"], "framework.csv"),
    ("segments", ["segments", "-o", "{d}/segments.xlsx"], "segments.xlsx"),
    ("segments-coded", ["segments", "--code", "challenges", "-o", "{d}/coded.json"], "coded.json"),
    ("turns", ["turns", "-o", "{d}/turns.csv"], "turns.csv"),
    ("codings", ["codings", "-o", "{d}/codings.xlsx"], "codings.xlsx"),
    ("participants", ["participants", "-o", "{d}/participants.csv"], "participants.csv"),
    ("documents", ["documents", "-o", "{d}/documents.json"], "documents.json"),
    ("verify", ["verify", str(SAMPLE / "draft_report.md"), "-o", "{d}/verify.xlsx"], "verify.xlsx"),
    ("sheet", ["sheet", "export", "--coder", "bob", "-o", "{d}/bob.xlsx"], "bob.xlsx"),
    (
        "disagreements",
        ["agreement", "--coders", "reviewer2,auto", "--disagreements", "-o", "{d}/meeting.xlsx"],
        "meeting.xlsx",
    ),
    ("qdpx", ["export", "qdpx", "-o", "{d}/study.qdpx"], "study.qdpx"),
]

#: Commands whose files may leave the team as they are (no flag needed).
OUTGOING = [
    ["autocode", "--dry-run", "-o", "{d}/auto-counts.csv"],
    ["codes", "-o", "{d}/codes.xlsx"],
    ["codebook", "show", "-o", "{d}/codebook.json"],
    ["prevalence", "--by", "sector", "-o", "{d}/prevalence.xlsx"],
    ["matrix", "-o", "{d}/case-code.xlsx"],
    ["matrix", "--kind", "cooccurrence-participants", "-o", "{d}/cooc.csv"],
    ["survey", str(SAMPLE / "survey.csv"), "--by", "sector", "-o", "{d}/survey.xlsx"],
    ["agreement", "--coders", "reviewer2,auto", "-o", "{d}/agreement.csv"],
    ["report", "-o", "{d}/summary.xlsx", "--by", "sector", "--survey", str(SAMPLE / "survey.csv")],
    ["report", "-o", "{d}/findings.docx", "--by", "sector", "--charts", "{d}/charts"],
    ["quotes", "--status", "all", "-o", "{d}/quotes.md"],
    ["quotes", "--status", "all", "-o", "{d}/quotes.docx"],
    ["quotes", "--status", "all", "-o", "{d}/quotes.xlsx"],
    ["quotes", "--status", "all", "-o", "{d}/quotes.csv"],
    ["quotes", "--status", "all", "-o", "{d}/quotes.json"],
    ["quotes", "request", "--all", "-o", "{d}/requests"],
    ["export", "qdc", "-o", "{d}/codebook.qdc"],
    ["import-codebook", "{d}/codebook.qdc", "-o", "{d}/codebook.yaml"],
]


def _args(args: list[str], d: Path) -> list[str]:
    return [a.format(d=d) for a in args]


def wrote(name: str, result) -> bool:
    """The command succeeded (verify exits 1 on the draft's unapproved quotes, having
    written its table)."""
    return result.exit_code == 0 or (name == "verify" and result.exit_code == 1)


def test_no_file_without_internal_holds_declined_or_withdrawn_words_or_names(
    runner, proj, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    for name, args, _file in INTERNAL:
        result = run(runner, proj, *_args(args, out))
        assert result.exit_code == 2, f"{name}: {result.output}"
        assert "not cleared for quoting" in result.stderr and "--internal" in result.stderr, name
    assert not list(out.iterdir()), "a refused command wrote a file"
    for args in OUTGOING:
        result = run(runner, proj, *_args(args, out))
        assert result.exit_code == 0, f"{args}: {result.output}"
        assert INTERNAL_MARK not in result.stderr, args
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(written) >= len(OUTGOING) + 5  # requests and charts are several files each
    bad = forbidden()
    assert len(bad) > 30 and "int06_kestrelmead_education.docx" in bad
    for path in written:
        text = file_text(path)
        leaked = [b for b in bad if b in text]
        assert not leaked, f"{path.relative_to(out)} holds {leaked}"


def test_the_sample_has_the_words_and_names_to_leak(runner, proj, tmp_path):
    # The search above proves something only if the internal files do hold them.
    out = tmp_path / "out"
    out.mkdir()
    for name, args, file in INTERNAL:
        result = run(runner, proj, *_args(args, out), "--internal")
        assert wrote(name, result), f"{name}: {result.output}"
        assert (out / file).is_file(), name
    everything = "\n".join(file_text(p) for p in out.iterdir())
    assert all(phrase in everything for phrase in _phrases("P07"))  # declined, not withdrawn
    assert "Angela Brierley" in everything and "int06_kestrelmead_education.docx" in everything


@pytest.mark.parametrize(("name", "args", "file"), [pytest.param(*c, id=c[0]) for c in INTERNAL])
def test_with_internal_each_file_says_it_is_internal(runner, proj, tmp_path, name, args, file):
    result = run(runner, proj, *_args(args, tmp_path), "--internal")
    assert wrote(name, result), result.output
    path = tmp_path / file
    # Every format: the command says it on stderr.
    assert f"Note: {path} is {INTERNAL_MARK}; keep it within the team." in result.stderr
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        # On screen: the first sheet opens with the mark (a banner row, or the Read me or
        # Internal sheet), and every tab is red.
        assert wb.worksheets[0]["A1"].value == MARK, wb.sheetnames
        for ws in wb.worksheets:
            assert ws.sheet_properties.tabColor.rgb.endswith("C00000"), ws.title
            # On every printed page: odd, even and first pages, at the top and the bottom.
            for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
                assert header.center.text == MARK, ws.title
            for footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
                assert footer.left.text == INTERNAL_MARK, ws.title
        assert wb.properties.title == INTERNAL_MARK
        if len(wb.worksheets) == 1:  # a table: the banner row prints above its header
            ws = wb.worksheets[0]
            assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == "A3"
    elif path.suffix == ".qdpx":
        with zipfile.ZipFile(path) as z:
            assert f"<Description>{INTERNAL_MARK}:" in z.read("project.qde").decode("utf-8")


def test_marked_team_files_still_work_for_the_second_coder(runner, proj, tmp_path):
    sheet = tmp_path / "bob.xlsx"
    result = run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(sheet))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames[:2] == ["Read me", "Coding"] and wb.active.title == "Coding"
    ws = wb["Coding"]
    done = [c.value for c in ws[1]].index("done") + 1
    ws.cell(row=2, column=done).value = "x"
    wb.save(sheet)
    result = run(runner, proj, "sheet", "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert "Imported bob.xlsx for coder bob: 1 segment" in result.stdout
    meeting = tmp_path / "meeting.xlsx"
    args = ["agreement", "--coders", "reviewer2,auto", "--disagreements", "--internal"]
    assert run(runner, proj, *args, "-o", str(meeting)).exit_code == 0
    wb = openpyxl.load_workbook(meeting)
    assert wb.sheetnames[0] == "Internal" and wb.active.title == "Disagreements"
    result = run(runner, proj, "reconcile", str(meeting))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Recorded consensus of reviewer2, auto:")


def test_quote_bank_tables_carry_public_ids_and_no_transcript(runner, proj, tmp_path):
    with Project.open(proj) as p:
        documents = list(p.documents()["document"])
    for suffix in (".xlsx", ".csv", ".json"):
        out = tmp_path / f"quotes{suffix}"
        assert run(runner, proj, "quotes", "--status", "all", "-o", str(out)).exit_code == 0
        if suffix == ".json":
            rows = pd.read_json(out, dtype=False)
            ids = rows["quote_id"]
        elif suffix == ".csv":
            rows = pd.read_csv(out, dtype=str)
            ids = rows["Quote id"]
        else:
            rows = pd.read_excel(out, dtype=str)
            ids = rows["Quote id"]
        assert len(rows) and ids.str.fullmatch(r"Q-[0-9a-f]{10}-\d+\.\d+-\d+-\d+").all(), suffix
        assert not {"Document", "document", "Start", "End", "segment_id"} & set(rows.columns)
        assert not any(d in file_text(out) for d in documents), suffix


def test_the_demo_marks_its_team_files_and_leaks_nothing_else(runner, tmp_path):
    # The demo runs on the fictional sample, which has a withdrawn and a declining
    # participant; its two team files are marked as --internal would mark them.
    out = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", str(out)])
    assert result.exit_code == 0, result.output
    team = {out / "disagreements.xlsx", out / "project.qdpx"}
    project = out / "project"  # the project file, not an output
    written = sorted(p for p in out.rglob("*") if p.is_file() and project not in p.parents)
    assert team <= set(written) and len(written) > len(team) + 3
    bad = forbidden()
    for path in written:
        if path in team:
            continue
        leaked = [b for b in bad if b in file_text(path)]
        assert not leaked, f"{path.relative_to(out)} holds {leaked}"
    wb = openpyxl.load_workbook(out / "disagreements.xlsx")
    assert wb.worksheets[0]["A1"].value == MARK
    assert all(ws.oddHeader.center.text == MARK for ws in wb.worksheets)
    assert INTERNAL_MARK in file_text(out / "project.qdpx")


def test_the_refusal_names_the_file_what_it_holds_and_the_flag(runner, proj, tmp_path):
    result = run(runner, proj, "framework", "-o", str(tmp_path / "framework.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: framework.xlsx would hold participants' words, not cleared for quoting (those "
        "who declined quotes included); add --internal to write it as a file for the research "
        "team (it is then marked internal), or leave out -o to print it."
    )
    result = run(runner, proj, "sheet", "export", "--coder", "bob", "-o", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: b.xlsx would hold participants' words and the speakers' names, not cleared for "
        "quoting (those who declined quotes included); add --internal to write it as a file "
        "for the research team (it is then marked internal)."
    )
    assert not list(tmp_path.glob("*.xlsx"))
    printed = run(runner, proj, "framework")  # the terminal is not a file: no flag needed
    assert printed.exit_code == 0 and "participant_id" in printed.stdout
