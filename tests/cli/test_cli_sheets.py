"""Tests for the `sheet export`, `sheet import`, `agreement` and `reconcile` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli

SEGMENTS = ["alpha.txt#1.0", "alpha.txt#3.0", "beta.txt#1.0", "beta.txt#2.0", "beta.txt#4.0"]


@pytest.fixture
def proj(project: Project) -> Path:
    """The small project's directory, closed so that the CLI opens it."""
    directory = project.directory
    project.close()
    return directory


def run(runner, proj: Path, *args: str):
    return runner.invoke(cli, ["-p", str(proj), *args])


def mark(path: Path, cells: dict[str, object], *, done: bool = True) -> None:
    """Set cells of the Coding sheet, every row marked done (column F) unless not ``done``."""
    wb = openpyxl.load_workbook(path)
    for row in range(2, 7) if done else ():
        wb["Coding"][f"F{row}"] = "x"
    for ref, value in cells.items():
        wb["Coding"][ref] = value
    wb.save(path)


def coded(runner, proj: Path, tmp_path: Path) -> None:
    """alice and bob code the five segments; they differ on H6 (misaligned-values, S5)."""
    for coder, extra in (("alice", {}), ("bob", {"H6": "x"})):
        path = tmp_path / f"{coder}.xlsx"
        assert (
            run(
                runner, proj, "sheet", "export", "--internal", "--coder", coder, "-o", str(path)
            ).exit_code
            == 0
        )
        mark(path, {"J2": "x", "H3": "x", "K5": "x", **extra})
        assert run(runner, proj, "sheet", "import", str(path)).exit_code == 0


def test_sheet_export(runner, proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "bob.xlsx"
    result = run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}: 5 segments (all) for coder bob.\n"
    ws = openpyxl.load_workbook(out)["Coding"]
    assert [r[12] for r in ws.iter_rows(min_row=2, values_only=True)] == SEGMENTS


def test_sheet_export_sample_and_documents(runner, proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "bob.xlsx"
    result = run(
        runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out),
        "--documents", "beta.txt", "--sample", "0.5", "--seed", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}: 2 segments (a 50% sample, seed 3) for coder bob.\n"
    ids = [
        r[12] for r in openpyxl.load_workbook(out)["Coding"].iter_rows(min_row=2, values_only=True)
    ]
    assert len(ids) == 2 and all(i.startswith("beta.txt#") for i in ids)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-o", "x.csv"], "the coding sheet must be an .xlsx file", id="not-xlsx"),
        pytest.param(["-o", "x.xlsx", "--sample", "0"], "0<x<=1", id="sample-zero"),
        pytest.param(["-o", "x.xlsx", "--sample", "1.5"], "0<x<=1", id="sample-too-big"),
    ],
)
def test_sheet_export_usage_errors(runner, proj: Path, tmp_path: Path, args, message) -> None:
    result = run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_sheet_export_unknown_document(runner, proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "bob.xlsx"
    result = run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out), "--documents", "nope.txt")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no document 'nope.txt' in the project; `mpsp-qual documents` lists them.\n"
    )
    assert not out.exists()


def test_sheet_import(runner, proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "bob.xlsx"
    run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    mark(out, {"J2": "x", "H3": 1, "L3": "a memo"})
    result = run(runner, proj, "sheet", "import", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported bob.xlsx for coder bob: 5 segments, 2 codes, 1 memo.\n"
    with Project.open(proj) as p:
        assert p.codings(coder="bob")["code"].tolist() == [
            "capacity-constraints",
            "misaligned-values",
        ]


def test_sheet_import_refusal_lists_cells_and_records_nothing(runner, proj, tmp_path) -> None:
    out = tmp_path / "bob.xlsx"
    run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    mark(out, {"J2": "x", "I3": "maybe", "M4": "beta.txt#99.0"})
    result = run(runner, proj, "sheet", "import", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bob.xlsx has 2 problems; nothing was imported:\n"
        "  - bob.xlsx, cell M4: segment id beta.txt#99.0 is not in the project; export a new "
        "sheet from this project (or delete the row).\n"
        "  - bob.xlsx, cell I3: 'maybe' is not a mark; put x (or 1) to apply lead-provider, "
        "or leave the cell blank.\n"
    )
    with Project.open(proj) as p:
        assert p.codings(coder="bob").empty and p.coded_segments("bob") == []


def test_sheet_import_single_problem_is_one_sentence(runner, proj, tmp_path) -> None:
    out = tmp_path / "bob.xlsx"
    run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    mark(out, {"E2": "Edited text."})
    result = run(runner, proj, "sheet", "import", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bob.xlsx, cell E2: the text of segment alpha.txt#1.0 was edited in the sheet; "
        "restore it (only code and memo cells may be changed). Nothing was imported.\n"
    )


def test_sheet_import_wrong_coder(runner, proj: Path, tmp_path: Path) -> None:
    out = tmp_path / "bob.xlsx"
    run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    result = run(runner, proj, "sheet", "import", str(out), "--coder", "alice")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bob.xlsx is bob's coding sheet, not alice's; leave out --coder or give the right file.\n"
    )


def test_sheet_import_of_an_untouched_sheet_says_nothing_was_recorded(runner, proj, tmp_path):
    out = tmp_path / "bob.xlsx"
    run(runner, proj, "sheet", "export", "--internal", "--coder", "bob", "-o", str(out))
    mark(out, {"J4": "x"}, done=False)  # a code marked, the row not finished
    result = run(runner, proj, "sheet", "import", str(out))
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: 1 row of bob.xlsx has codes marked but is not marked done; it was not "
        "recorded (mark it done and import again).\n"
        "Warning: no row of bob.xlsx is marked done or 'no code applies', so nothing was "
        "recorded; mark each finished row and import the sheet again.\n"
    )
    assert result.stdout == "Imported bob.xlsx for coder bob: 0 segments, 0 codes, 0 memos.\n"
    with Project.open(proj) as p:
        assert p.coded_segments("bob") == [] and p.default_coder() == "auto"


def test_agreement_table(runner, proj: Path, tmp_path: Path) -> None:
    coded(runner, proj, tmp_path)
    result = run(runner, proj, "agreement", "--coders", "alice,bob", "--wide")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Unit of analysis: segment (turn); 5 segments coded by all of alice, bob."
    assert lines[1].split()[:4] == ["code", "name", "n_units", "applied"]
    # misaligned-values: alice 0 1 0 0 0, bob 0 1 0 0 1 -> 80%, kappa .545, alpha .571
    mv = next(line for line in lines if line.lstrip().startswith("misaligned-values"))
    assert "80.0" in mv and "0.545" in mv and "0.571" in mv and "not reliable" in mv
    assert any("no coder applied this code" in line for line in lines)  # lead-provider


def test_agreement_csv_keeps_full_precision(runner, proj: Path, tmp_path: Path) -> None:
    coded(runner, proj, tmp_path)
    result = run(runner, proj, "agreement", "--coders", "alice,bob", "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr.startswith("Unit of analysis: segment (turn)")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert float(rows["misaligned-values"]["kappa"]) == pytest.approx(0.24 / 0.44)
    assert rows["lead-provider"]["kappa"] == ""
    # pooled: 20 decisions, 1 disagreement -> 95%
    assert float(rows["(pooled)"]["percent_agreement"]) == pytest.approx(95.0)
    as_json = json.loads(
        run(runner, proj, "agreement", "--coders", "alice,bob", "--format", "json").stdout
    )
    assert as_json[1]["kappa"] is None


@pytest.mark.parametrize(
    ("coders", "message"),
    [
        pytest.param("alice", "Error: agreement needs at least two coders; got only 'alice'. Name another, e.g. alice,bob.\n", id="single"),
        pytest.param("alice,zed", "Error: the project has no codings by coder 'zed'; the coders are alice, bob.\n", id="unknown"),
    ],
)  # fmt: skip
def test_agreement_errors(runner, proj: Path, tmp_path: Path, coders, message) -> None:
    coded(runner, proj, tmp_path)
    result = run(runner, proj, "agreement", "--coders", coders)
    assert result.exit_code == 1
    assert result.stderr == message


def test_agreement_no_segments_in_common(runner, proj: Path, tmp_path: Path) -> None:
    for coder, doc, rows in (("alice", "alpha.txt", 2), ("bob", "beta.txt", 3)):
        out = tmp_path / f"{coder}.xlsx"
        run(
            runner,
            proj,
            "sheet",
            "export",
            "--internal",
            "--coder",
            coder,
            "-o",
            str(out),
            "--documents",
            doc,
        )
        mark(out, {f"F{r}": "x" for r in range(2, 2 + rows)}, done=False)
        run(runner, proj, "sheet", "import", str(out))
    result = run(runner, proj, "agreement", "--coders", "alice,bob")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: coders alice, bob have no segments in common; agreement is computed over "
        "segments that every named coder coded.\n"
    )


def test_disagreements_need_an_xlsx_output(runner, proj: Path, tmp_path: Path) -> None:
    result = run(runner, proj, "agreement", "--coders", "alice,bob", "--disagreements")
    assert result.exit_code == 2
    assert "--disagreements needs -o FILE.xlsx" in result.stderr


def test_disagreements_then_reconcile(runner, proj: Path, tmp_path: Path) -> None:
    coded(runner, proj, tmp_path)
    meeting = tmp_path / "meeting.xlsx"
    result = run(
        runner,
        proj,
        "agreement",
        "--coders",
        "alice,bob",
        "--disagreements",
        "--internal",
        "-o",
        str(meeting),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Unit of analysis")  # the table still prints
    assert f"Wrote {meeting}: 1 segment where the coders differ." in result.stderr
    wb = openpyxl.load_workbook(meeting)
    ws = wb["Disagreements"]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("segment_id") + 1).value == "beta.txt#4.0"
    ws.cell(row=2, column=header.index("consensus") + 1).value = "misaligned-values"
    wb.save(meeting)
    result = run(runner, proj, "reconcile", str(meeting))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Recorded consensus of alice, bob: 5 segments (1 from meeting.xlsx), 4 codes.\n"
    )
    with Project.open(proj) as p:
        got = p.codings(coder="consensus")[["segment_id", "code"]].values.tolist()
    assert ["beta.txt#4.0", "misaligned-values"] in got and len(got) == 4


def test_reconcile_bad_code_is_refused(runner, proj: Path, tmp_path: Path) -> None:
    coded(runner, proj, tmp_path)
    meeting = tmp_path / "meeting.xlsx"
    run(
        runner,
        proj,
        "agreement",
        "--coders",
        "alice,bob",
        "--disagreements",
        "--internal",
        "-o",
        str(meeting),
    )
    wb = openpyxl.load_workbook(meeting)
    wb["Disagreements"]["J2"] = "misaligned"
    wb.save(meeting)
    result = run(runner, proj, "reconcile", str(meeting))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: meeting.xlsx, cell J2: 'misaligned' is not a code in the codebook; write code "
        "ids from the Codebook sheet, separated by commas. Nothing was imported.\n"
    )
    with Project.open(proj) as p:
        assert "consensus" not in p.coders()


def test_help_texts(runner) -> None:
    for args in (["sheet", "export"], ["sheet", "import"], ["agreement"], ["reconcile"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output
