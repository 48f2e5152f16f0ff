"""Tests for mpsp_qual.formats.sheets: exporting coding sheets and importing them filled in."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest

from mpsp_qual import Project
from mpsp_qual.core.errors import InputError, ProjectError, SheetError
from mpsp_qual.formats.sheets import CODING_SHEET, export_sheet, import_sheet, text_hash

# The small project's participant segments, in sheet order (rows 2-6).
SEGMENTS = ["alpha.txt#1.0", "alpha.txt#3.0", "beta.txt#1.0", "beta.txt#2.0", "beta.txt#4.0"]
CODES = ["misaligned-values", "lead-provider", "capacity-constraints", "new-markets"]
# Columns of the sheet: A document, B speaker, C timestamp, D question, E text, F done,
# G no code applies, H-K the codes, L memo, M segment_id (hidden), N text_sha256 (hidden).
CODE_COLUMN = {code: "HIJK"[i] for i, code in enumerate(CODES)}
ROWS = range(2, 7)


def fill(
    path: Path,
    *,
    marks: dict[int, list[str]] = (),
    cells: dict[str, object] = (),
    done: Iterable[int] = ROWS,
) -> None:
    """Mark codes in rows as a coder would, mark rows ``done``, set any other cells, save."""
    wb = openpyxl.load_workbook(path)
    ws = wb[CODING_SHEET]
    for row in done:
        ws[f"F{row}"] = "x"
    for row, codes in dict(marks).items():
        for code in codes:
            ws[f"{CODE_COLUMN[code]}{row}"] = "x"
    for ref, value in dict(cells).items():
        ws[ref] = value
    wb.save(path)


def imports(project: Project) -> int:
    return project.store.execute(
        "SELECT COUNT(*) FROM audit WHERE action = 'sheet import'"
    ).fetchone()[0]


def assert_nothing_recorded(project: Project, coder: str = "alice") -> None:
    assert project.codings(coder=coder).empty
    assert project.coded_segments(coder) == []
    assert project.memos(coder=coder).empty
    assert imports(project) == 0


def withdraw_cara(project: Project, small_files) -> None:
    """P03 Cara Lin (beta.txt#2.0) withdraws from the study."""
    register = small_files["register"]
    text = register.read_text().replace(
        "Finance Director,yes,no,Health PSM,no,", "Finance Director,yes,no,Health PSM,yes,"
    )
    register.write_text(text)
    project.load_register(register)
    assert project.participant("P03").withdrawn


@pytest.fixture
def sheet(project: Project, tmp_path: Path) -> Path:
    path = tmp_path / "alice.xlsx"
    assert export_sheet(project, path, coder="alice") == 5
    return path


# -- export ---------------------------------------------------------------------------


def test_export_has_one_row_per_participant_segment(sheet: Path, project: Project) -> None:
    ws = openpyxl.load_workbook(sheet)[CODING_SHEET]
    header = [c.value for c in ws[1]]
    names = [f"{project.codebook.get(c).name} ({c})" for c in CODES]
    assert header == [
        "document", "speaker", "timestamp", "question", "text", "done", "no code applies",
        *names, "memo", "segment_id", "text_sha256",
    ]  # fmt: skip
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[12] for r in rows] == SEGMENTS  # the interviewer's turns are left out
    segments = project.segments()
    texts = dict(zip(segments["segment_id"], segments["text"]))
    asked = segments[segments["document"] == "alpha.txt"].iloc[0]["text"]  # interviewer
    assert rows[0][:5] == ("alpha.txt", "Alice Moss", None, asked, texts["alpha.txt#1.0"])
    assert all(r[13] == text_hash(texts[r[12]]) for r in rows)
    assert all(r[5:12] == (None,) * 7 for r in rows)  # blind: nothing pre-filled, nothing done


def test_export_layout_dropdowns_frozen_header_and_hidden_ids(sheet: Path) -> None:
    wb = openpyxl.load_workbook(sheet)
    ws = wb[CODING_SHEET]
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"x"' and dv.allow_blank
    assert str(dv.sqref) == "F2:K6"  # every mark cell (done, none, codes), and only those
    assert ws.freeze_panes == "H2"
    assert ws.column_dimensions["E"].width == 80
    assert ws["E2"].alignment.wrap_text
    assert ws.column_dimensions["M"].hidden and ws.column_dimensions["N"].hidden
    assert not ws.column_dimensions["L"].hidden
    assert wb["meta"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["meta"].iter_rows(values_only=True)}
    assert meta["coder"] == "alice"


def test_export_codebook_sheet_holds_the_guidance(tmp_path: Path, small_files) -> None:
    book = (
        small_files["codebook"]
        .read_text()
        .replace(
            "        name: Capacity constraints\n",
            "        name: Capacity constraints\n"
            "        description: Too few staff or too little time.\n"
            "        include: Stretched teams, no spare hours.\n"
            "        exclude: Money worries (use funding).\n",
        )
    )
    small_files["codebook"].write_text(book)
    p = Project.init(
        tmp_path / "p2", codebook=small_files["codebook"], register=small_files["register"]
    )
    p.import_transcripts([small_files["alpha"]])
    export_sheet(p, tmp_path / "s.xlsx", coder="bob")
    rows = list(openpyxl.load_workbook(tmp_path / "s.xlsx")["Codebook"].iter_rows(values_only=True))
    assert rows[0][:6] == ("id", "name", "codable", "description", "include", "exclude")
    capacity = next(r for r in rows if r[0].strip() == "capacity-constraints")
    assert capacity[1:6] == (
        "Capacity constraints",
        "yes",
        "Too few staff or too little time.",
        "Stretched teams, no spare hours.",
        "Money worries (use funding).",
    )
    assert next(r for r in rows if r[0].strip() == "challenges")[2] == "no (group)"
    p.close()


def test_export_writes_text_as_text_never_a_formula(tmp_path: Path, small_files) -> None:
    small_files["alpha"].write_text(
        "Interviewer: Go on.\nAlice Moss: =SUM(A1:A9) is what the commissioner wanted.\n"
    )
    p = Project.init(
        tmp_path / "p2", codebook=small_files["codebook"], register=small_files["register"]
    )
    p.import_transcripts([small_files["alpha"]])
    export_sheet(p, tmp_path / "s.xlsx", coder="bob")
    cell = openpyxl.load_workbook(tmp_path / "s.xlsx")[CODING_SHEET]["E2"]
    assert cell.value == "=SUM(A1:A9) is what the commissioner wanted."
    assert cell.data_type == "s"
    fill(tmp_path / "s.xlsx", done=[2])
    assert import_sheet(p, tmp_path / "s.xlsx")["segments"] == 1  # and its hash matches
    p.close()


def test_export_leaves_out_withdrawn_participants(project: Project, small_files, tmp_path) -> None:
    withdraw_cara(project, small_files)
    assert export_sheet(project, tmp_path / "s.xlsx", coder="bob") == 4
    ids = [
        r[12]
        for r in openpyxl.load_workbook(tmp_path / "s.xlsx")[CODING_SHEET].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert "beta.txt#2.0" not in ids


def test_export_sample_is_reproducible_with_a_seed(project: Project, tmp_path: Path) -> None:
    def ids(path):
        ws = openpyxl.load_workbook(path)[CODING_SHEET]
        return [r[12] for r in ws.iter_rows(min_row=2, values_only=True)]

    assert export_sheet(project, tmp_path / "a.xlsx", coder="bob", sample=0.4, seed=7) == 2
    export_sheet(project, tmp_path / "b.xlsx", coder="bob", sample=0.4, seed=7)
    assert ids(tmp_path / "a.xlsx") == ids(tmp_path / "b.xlsx")
    assert set(ids(tmp_path / "a.xlsx")) <= set(SEGMENTS)
    # kept in transcript order, whatever order they were drawn in
    assert ids(tmp_path / "a.xlsx") == [s for s in SEGMENTS if s in ids(tmp_path / "a.xlsx")]
    assert export_sheet(project, tmp_path / "c.xlsx", coder="bob", sample=0.01, seed=1) == 1
    with pytest.raises(ValueError, match="sample must be a fraction"):
        export_sheet(project, tmp_path / "d.xlsx", coder="bob", sample=1.5)


def test_export_documents_filter(project: Project, tmp_path: Path) -> None:
    assert export_sheet(project, tmp_path / "a.xlsx", coder="bob", documents=["beta.txt"]) == 3
    with pytest.raises(ProjectError, match="no document 'gamma.txt' in the project"):
        export_sheet(project, tmp_path / "b.xlsx", coder="bob", documents=["gamma.txt"])
    assert not (tmp_path / "b.xlsx").exists()


def test_export_failure_leaves_an_existing_file_alone(project: Project, sheet: Path) -> None:
    before = sheet.read_bytes()
    with pytest.raises(ProjectError):
        export_sheet(project, sheet, coder="alice", documents=["nope.txt"])
    assert sheet.read_bytes() == before
    assert [p.name for p in sheet.parent.iterdir() if p.name.startswith(".alice")] == []


def test_export_with_suggestions_prefills_auto_codes_only_when_asked(project, tmp_path) -> None:
    with pytest.raises(ProjectError, match="run `autocode` first"):
        export_sheet(project, tmp_path / "s.xlsx", coder="bob", with_suggestions=True)
    project.record_codings(
        "auto",
        [("alpha.txt#1.0", "capacity-constraints", {"keyword": "capacity"})],
        segments=SEGMENTS,
    )
    export_sheet(project, tmp_path / "blind.xlsx", coder="bob")
    export_sheet(project, tmp_path / "hint.xlsx", coder="bob", with_suggestions=True)
    assert openpyxl.load_workbook(tmp_path / "blind.xlsx")[CODING_SHEET]["J2"].value is None
    assert openpyxl.load_workbook(tmp_path / "hint.xlsx")[CODING_SHEET]["J2"].value == "x"


def test_export_refuses_the_auto_coder_name(project: Project, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'auto' is reserved"):
        export_sheet(project, tmp_path / "s.xlsx", coder="auto")


# -- import ---------------------------------------------------------------------------


def test_import_records_marks_memos_and_coded_segments(sheet: Path, project: Project) -> None:
    fill(
        sheet,
        marks={2: ["capacity-constraints"], 3: ["misaligned-values", "lead-provider"]},
        cells={"L3": "Different agenda = values?", "K5": "X", "H6": "  "},
    )
    summary = import_sheet(project, sheet)
    assert summary == {
        "coder": "alice",
        "file": "alice.xlsx",
        "segments": 5,
        "codings": 4,
        "memos": 1,
        "skipped_withdrawn": [],
        "missing_codes": [],
        "rows": 5,
        "not_done": [],
    }
    got = set(
        zip(project.codings(coder="alice")["segment_id"], project.codings(coder="alice")["code"])
    )
    assert got == {
        ("alpha.txt#1.0", "capacity-constraints"),
        ("alpha.txt#3.0", "misaligned-values"),
        ("alpha.txt#3.0", "lead-provider"),
        ("beta.txt#2.0", "new-markets"),
    }
    # a row left blank is "coded, no code", not "not coded"
    assert sorted(project.coded_segments("alice")) == sorted(SEGMENTS)
    assert project.memos(coder="alice")["memo"].tolist() == ["Different agenda = values?"]
    [detail] = [
        json.loads(r[0])
        for r in project.store.execute("SELECT detail FROM audit WHERE action = 'sheet import'")
    ]
    assert detail["coder"] == "alice" and detail["file"] == "alice.xlsx" and detail["codings"] == 4


@pytest.mark.parametrize(
    "value",
    [pytest.param("x", id="x"), pytest.param("X", id="X"), pytest.param("1", id="one-text"),
     pytest.param(1, id="one-number"), pytest.param(" x ", id="padded")],
)  # fmt: skip
def test_import_accepts_each_mark(sheet: Path, project: Project, value) -> None:
    fill(sheet, cells={"I4": value})
    import_sheet(project, sheet)
    assert project.codings(coder="alice")[["segment_id", "code"]].values.tolist() == [
        ["beta.txt#1.0", "lead-provider"]
    ]


def test_import_again_replaces_the_coders_codings(sheet: Path, project: Project) -> None:
    fill(
        sheet, marks={2: ["capacity-constraints"], 3: ["misaligned-values"]}, cells={"L2": "first"}
    )
    import_sheet(project, sheet)
    fill(sheet, cells={"J2": None, "L2": None})
    import_sheet(project, sheet)
    assert project.codings(coder="alice")["segment_id"].tolist() == ["alpha.txt#3.0"]
    assert project.memos(coder="alice").empty
    assert imports(project) == 2


def test_reexport_shows_the_coders_own_work(sheet: Path, project: Project, tmp_path) -> None:
    fill(sheet, marks={3: ["misaligned-values"]}, cells={"L3": "check"})
    import_sheet(project, sheet)
    export_sheet(project, tmp_path / "again.xlsx", coder="alice")
    ws = openpyxl.load_workbook(tmp_path / "again.xlsx")[CODING_SHEET]
    assert (ws["H3"].value, ws["L3"].value, ws["H2"].value) == ("x", "check", None)


def test_import_skips_rows_of_a_participant_who_withdrew_since(sheet, project, small_files) -> None:
    fill(sheet, marks={5: ["new-markets"], 2: ["capacity-constraints"]})
    withdraw_cara(project, small_files)
    summary = import_sheet(project, sheet)
    assert summary["skipped_withdrawn"] == ["beta.txt#2.0"]
    assert "beta.txt#2.0" not in project.coded_segments("alice")
    assert (
        project.store.execute(
            "SELECT COUNT(*) FROM codings WHERE segment_id = 'beta.txt#2.0'"
        ).fetchone()[0]
        == 0
    )


REFUSALS = [
    pytest.param(
        {"M3": "alpha.txt#9.0"},
        "alice.xlsx, cell M3: segment id alpha.txt#9.0 is not in the project",
        id="unknown-segment",
    ),
    pytest.param(
        {"E4": "The marmalade protocol worked for us."},
        "alice.xlsx, cell E4: the text of segment beta.txt#1.0 was edited in the sheet",
        id="edited-text",
    ),
    pytest.param(
        {"I1": "made-up-code"},
        "alice.xlsx, cell I1: column 'made-up-code' is not a code in the codebook",
        id="unknown-code-column",
    ),
    pytest.param(
        {"I1": "challenges"},
        "alice.xlsx, cell I1: column 'challenges' is a grouping code",
        id="grouping-code-column",
    ),
    pytest.param(
        {"J5": "y"},
        "alice.xlsx, cell J5: 'y' is not a mark; put x (or 1) to apply capacity-constraints",
        id="bad-mark",
    ),
    pytest.param({"H3": 2}, "alice.xlsx, cell H3: '2' is not a mark", id="number-not-one"),
    pytest.param({"H3": "=1"}, "alice.xlsx, cell H3: '=1' is not a mark", id="formula"),
    pytest.param(
        {"A7": "alpha.txt", "E7": "They had a different agenda. Misaligned from the start, I would say.",
         "M7": "alpha.txt#3.0", "N7": text_hash("They had a different agenda. Misaligned from the start, I would say.")},
        "alice.xlsx, cell M7: segment alpha.txt#3.0 appears again (first in row 3)",
        id="duplicated-row",
    ),
    pytest.param(
        {"M4": None}, "alice.xlsx, cell M4: the row has no segment id", id="missing-segment-id"
    ),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "expected"), REFUSALS)
def test_import_refuses_the_whole_sheet(sheet: Path, project: Project, cells, expected) -> None:
    fill(sheet, marks={2: ["capacity-constraints"], 6: ["misaligned-values"]}, cells=cells)
    with pytest.raises(SheetError) as info:
        import_sheet(project, sheet)
    assert expected in str(info.value)
    assert "Nothing was imported." in str(info.value)
    assert info.value.problems == [str(info.value).removesuffix(" Nothing was imported.")]
    assert_nothing_recorded(project)


def test_import_lists_every_problem_by_cell(sheet: Path, project: Project) -> None:
    fill(sheet, cells={"M2": "nope#1.0", "I3": "yes", "K6": "?", "E5": "edited"})
    with pytest.raises(SheetError) as info:
        import_sheet(project, sheet)
    assert str(info.value) == "alice.xlsx has 4 problems; nothing was imported:"
    assert [p.split(":")[0] for p in info.value.problems] == [
        "alice.xlsx, cell M2",
        "alice.xlsx, cell E5",
        "alice.xlsx, cell I3",
        "alice.xlsx, cell K6",
    ]
    assert_nothing_recorded(project)


def test_import_refuses_a_segment_changed_in_the_project(sheet, project, small_files) -> None:
    small_files["alpha"].write_text(
        small_files["alpha"].read_text().replace("from day one", "from the first week")
    )
    project.import_transcripts([small_files["alpha"]], replace=True)
    with pytest.raises(
        SheetError, match=r"cell N2: segment alpha.txt#1.0 has changed in the project"
    ):
        import_sheet(project, sheet)
    assert_nothing_recorded(project)


def test_import_checks_the_coder_named_on_the_command_line(sheet: Path, project: Project) -> None:
    with pytest.raises(InputError, match="alice.xlsx is alice's coding sheet, not bob's"):
        import_sheet(project, sheet, coder="bob")
    assert_nothing_recorded(project)
    assert import_sheet(project, sheet, coder="alice")["coder"] == "alice"


def test_import_of_a_sheet_without_its_coder_needs_one(sheet: Path, project: Project) -> None:
    wb = openpyxl.load_workbook(sheet)
    del wb["meta"]
    wb.save(sheet)
    with pytest.raises(InputError, match="does not say whose it is .*; pass --coder NAME"):
        import_sheet(project, sheet)
    assert import_sheet(project, sheet, coder="carol")["coder"] == "carol"


def test_import_refuses_what_is_not_a_coding_sheet(project: Project, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("not a workbook")
    with pytest.raises(SheetError, match=r"notes.xlsx is not an Excel workbook \(.xlsx\)"):
        import_sheet(project, bogus)
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(SheetError, match="other.xlsx has no sheet named 'Coding'"):
        import_sheet(project, tmp_path / "other.xlsx")
    with pytest.raises(SheetError, match="no such file"):
        import_sheet(project, tmp_path / "missing.xlsx")
    assert_nothing_recorded(project)


# -- LibreOffice ----------------------------------------------------------------------


# CSV of the Coding sheet (sheet 2, after Read me): UTF-8, comma, quote, sheet number last.
CODING_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


def soffice(tmp_path: Path, target: str, source: Path, outdir: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = (tmp_path / "lo-profile").as_uri()
    return subprocess.run(
        [exe, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--convert-to", target, "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip


def test_libreoffice_opens_the_sheet_and_its_save_imports(sheet, project, tmp_path) -> None:
    fill(sheet, marks={3: ["misaligned-values"]}, cells={"L3": "values, not methods"})
    out = tmp_path / "lo"
    done = soffice(tmp_path, CODING_CSV, sheet, out)
    assert done.returncode == 0, done.stderr
    with open(out / "alice-Coding.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:8] == [
        "document", "speaker", "timestamp", "question", "text", "done", "no code applies",
        "Misaligned aims and values (misaligned-values)",
    ]  # fmt: skip
    assert [r[12] for r in rows[1:]] == SEGMENTS
    assert rows[2][5] == rows[2][7] == "x" and rows[2][11] == "values, not methods"
    # a coder who saves from Calc: the workbook still imports, dropdowns kept
    done = soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", sheet, tmp_path / "lo-xlsx")
    assert done.returncode == 0, done.stderr
    resaved = tmp_path / "lo-xlsx" / "alice.xlsx"
    [dv] = openpyxl.load_workbook(resaved)[CODING_SHEET].data_validations.dataValidation
    assert str(dv.sqref) == "F2:K6"
    assert import_sheet(project, resaved)["codings"] == 1
    assert project.codings(coder="alice")["code"].tolist() == ["misaligned-values"]


def test_libreoffice_shows_formula_like_text_as_text(tmp_path: Path, small_files) -> None:
    small_files["alpha"].write_text("Interviewer: Go on.\nAlice Moss: =1+1 was their whole plan.\n")
    p = Project.init(
        tmp_path / "p2", codebook=small_files["codebook"], register=small_files["register"]
    )
    p.import_transcripts([small_files["alpha"]])
    export_sheet(p, tmp_path / "s.xlsx", coder="bob")
    p.close()
    done = soffice(tmp_path, CODING_CSV, tmp_path / "s.xlsx", tmp_path / "lo")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "lo" / "s-Coding.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[1][4] == "=1+1 was their whole plan."


def test_import_names_code_columns_the_sheet_lacks(sheet: Path, project: Project) -> None:
    wb = openpyxl.load_workbook(sheet)
    wb[CODING_SHEET].delete_cols(11)  # K: new-markets, as if added to the codebook later
    wb.save(sheet)
    fill(sheet, cells={"H3": "x"})
    summary = import_sheet(project, sheet)
    assert summary["missing_codes"] == ["new-markets"]
    assert project.codings(coder="alice")["code"].tolist() == ["misaligned-values"]


# -- done marks: only finished rows count ------------------------------------------------


def test_an_untouched_sheet_records_nothing_and_keeps_the_default_coder(sheet, project) -> None:
    project.record_codings("auto", [], segments=SEGMENTS)
    assert project.default_coder() == "auto"
    summary = import_sheet(project, sheet)  # exported, never opened
    assert (summary["segments"], summary["codings"], summary["rows"]) == (0, 0, 5)
    assert project.coded_segments("alice") == []
    assert project.default_coder() == "auto"


def test_a_half_done_sheet_counts_only_its_done_rows(sheet, project) -> None:
    project.record_codings("auto", [], segments=SEGMENTS)
    fill(
        sheet,
        marks={2: ["capacity-constraints"], 4: ["new-markets"], 5: ["lead-provider"]},
        cells={"G3": "x", "L5": "half-way"},
        done=[2],
    )  # row 3 says "no code applies"; rows 4 and 5 are coded but not finished
    summary = import_sheet(project, sheet)
    assert sorted(project.coded_segments("alice")) == ["alpha.txt#1.0", "alpha.txt#3.0"]
    assert project.codings(coder="alice")["code"].tolist() == ["capacity-constraints"]
    assert summary["not_done"] == ["beta.txt#1.0", "beta.txt#2.0"]
    assert project.memos(coder="alice").empty  # the unfinished row's memo waits too
    assert project.default_coder() == "auto"  # part of the sample never becomes the default
    fill(sheet)  # finishing every row makes alice complete, and so the default
    import_sheet(project, sheet)
    assert project.default_coder() == "alice"


def test_reexport_marks_finished_rows(sheet: Path, project: Project, tmp_path) -> None:
    fill(sheet, marks={2: ["capacity-constraints"]}, cells={"G3": "x"}, done=[2])
    import_sheet(project, sheet)
    export_sheet(project, tmp_path / "again.xlsx", coder="alice")
    ws = openpyxl.load_workbook(tmp_path / "again.xlsx")[CODING_SHEET]
    assert [(ws[f"F{r}"].value, ws[f"G{r}"].value) for r in (2, 3, 4)] == [
        ("x", None), (None, "x"), (None, None),
    ]  # fmt: skip
    assert import_sheet(project, tmp_path / "again.xlsx")["segments"] == 2


def test_no_code_applies_with_a_code_is_refused(sheet: Path, project: Project) -> None:
    fill(sheet, marks={3: ["lead-provider"]}, cells={"G3": "x"})
    with pytest.raises(SheetError, match=r"cell G3: the row is marked 'no code applies' but also"):
        import_sheet(project, sheet)
    assert_nothing_recorded(project)


def test_a_done_cell_takes_the_marks_help_names(sheet: Path, project: Project) -> None:
    fill(sheet, done=[], cells={"F2": "X", "F3": 1, "F4": " 1 ", "F5": "yes"})
    with pytest.raises(SheetError, match=r"cell F5: 'yes' is not a mark; put x \(or 1\) in 'done'"):
        import_sheet(project, sheet)
    fill(sheet, done=[], cells={"F5": None})
    assert import_sheet(project, sheet)["segments"] == 3


def test_a_sheet_without_a_done_column_is_refused(sheet: Path, project: Project) -> None:
    wb = openpyxl.load_workbook(sheet)
    wb[CODING_SHEET].delete_cols(6, 2)  # as exported before sheets had done marks
    wb.save(sheet)
    with pytest.raises(SheetError, match="has no 'done' column") as info:
        import_sheet(project, sheet)
    assert info.value.hint == "sheet export --coder alice -o FILE.xlsx"
    assert_nothing_recorded(project)


def test_the_sheet_explains_itself(sheet: Path, project: Project) -> None:
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames[:2] == ["Read me", CODING_SHEET]
    readme = " ".join(str(r[0]) for r in wb["Read me"].iter_rows(values_only=True) if r[0])
    assert "Only rows marked done or 'no code applies' are recorded" in readme
    ws = wb[CODING_SHEET]
    # the heading's comment gives the definition, and the theme it belongs to
    assert "Theme: Challenges" in ws["H1"].comment.text
    assert ws["H1"].fill.fgColor.rgb == ws["I1"].fill.fgColor.rgb != ws["K1"].fill.fgColor.rgb
    assert ws.conditional_formatting  # marks stand out
    assert ws.oddHeader.center.text == "INTERNAL - CONTAINS TEXT NOT CLEARED FOR QUOTING"
