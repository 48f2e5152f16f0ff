"""Tests for mpsp_qual.analysis.agreement: agreement per code, disagreements and reconciliation.

Expected figures are worked out by hand in the comments from the marks the tests set.
"""

from __future__ import annotations

import glob
import json
import math
import shutil
from pathlib import Path

import openpyxl
import pytest

from mpsp_qual import Project
from mpsp_qual.analysis.agreement import (
    REPORT_COLUMNS,
    agreement_report,
    disagreements,
)
from mpsp_qual.app.demo import agreement_step
from mpsp_qual.core.errors import ReliabilityError, SheetError
from mpsp_qual.formats.disagreements import reconcile, write_disagreements
from mpsp_qual.formats.sheets import CODING_SHEET, export_sheet, import_sheet

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"

S1, S2, S3, S4, S5 = (
    "alpha.txt#1.0",
    "alpha.txt#3.0",
    "beta.txt#1.0",
    "beta.txt#2.0",
    "beta.txt#4.0",
)
SEGMENTS = [S1, S2, S3, S4, S5]
CODE_COLUMN = {"misaligned-values": "H", "lead-provider": "I", "capacity-constraints": "J", "new-markets": "K"}  # fmt: skip

# Two coders' marks on the small project's five participant segments.
ALICE = {S1: ["capacity-constraints"], S2: ["misaligned-values"], S3: ["lead-provider"], S4: ["new-markets"]}  # fmt: skip
BOB = {S1: ["capacity-constraints"], S2: ["misaligned-values", "lead-provider"], S4: ["new-markets"], S5: ["misaligned-values"]}  # fmt: skip


def code(project: Project, coder: str, marks: dict[str, list[str]], segments=SEGMENTS) -> None:
    project.record_codings(
        coder, [(s, c, None) for s, codes in marks.items() for c in codes], segments=segments
    )


def row(report, code_id: str) -> dict:
    return report.set_index("code").loc[code_id].to_dict()


def test_round_trip_sheets_to_agreement(project: Project, tmp_path: Path) -> None:
    """Export two sheets, fill them in as coders would, import them, check the figures."""
    for coder, marks in (("alice", ALICE), ("bob", BOB)):
        path = tmp_path / f"{coder}.xlsx"
        export_sheet(project, path, coder=coder)
        wb = openpyxl.load_workbook(path)
        ws = wb[CODING_SHEET]
        for sheet_row, sid in enumerate(SEGMENTS, start=2):
            assert ws[f"M{sheet_row}"].value == sid
            ws[f"F{sheet_row}"] = "x"  # done
            for c in marks.get(sid, []):
                ws[f"{CODE_COLUMN[c]}{sheet_row}"] = "x"
        wb.save(path)
        import_sheet(project, path)

    report = agreement_report(project, ["alice", "bob"], n_boot=200, seed=1)
    assert list(report.columns) == REPORT_COLUMNS
    assert report["code"].tolist() == [*CODE_COLUMN, "(pooled)"]
    assert report.attrs["unit"] == "segment (turn)"
    assert set(report["n_units"][:4]) == {5} and set(report["kappa_kind"]) == {"Cohen"}

    # misaligned-values: alice 0 1 0 0 0, bob 0 1 0 0 1 -> agree on 4 of 5 = 80%.
    # p_e = .2 x .4 + .8 x .6 = .56; kappa = (.8 - .56) / (1 - .56) = .5455.
    # Coincidences: 3 ones and 7 zeros among n = 10 values, one disagreeing unit
    # (2 off-diagonal pairs): alpha = 1 - 9 x 2 / (2 x 3 x 7) = 1 - 18/42 = .5714.
    mv = row(report, "misaligned-values")
    assert mv["percent_agreement"] == pytest.approx(80.0)
    assert mv["kappa"] == pytest.approx(0.24 / 0.44)
    assert mv["alpha"] == pytest.approx(1 - 18 / 42)
    assert mv["verdict"] == "not reliable"
    assert mv["applied"] == "alice 1, bob 2"
    # lead-provider: alice 0 0 1 0 0, bob 0 1 0 0 0 -> 3 of 5 = 60%.
    # p_e = .2 x .2 + .8 x .8 = .68; kappa = (.6 - .68) / .32 = -.25.
    # 2 ones, 8 zeros, 4 off-diagonal pairs: alpha = 1 - 9 x 4 / (2 x 2 x 8) = -.125.
    lp = row(report, "lead-provider")
    assert lp["percent_agreement"] == pytest.approx(60.0)
    assert lp["kappa"] == pytest.approx(-0.25)
    assert lp["alpha"] == pytest.approx(-0.125)
    # capacity-constraints: the same single mark from both -> 100%, kappa = alpha = 1.
    cc = row(report, "capacity-constraints")
    assert (cc["percent_agreement"], cc["kappa"], cc["alpha"]) == (100.0, 1.0, 1.0)
    assert cc["verdict"] == "reliable"
    # one segment in five carries it: most resamples hold no variation, so no interval
    assert math.isnan(cc["alpha_low"]) and math.isnan(cc["alpha_high"])
    assert cc["note"] == "no interval: too few segments vary"
    # pooled: 20 segment-by-code decisions, 3 disagreements -> 85%.
    # alice says yes 4 times, bob 5: p_e = (4/20)(5/20) + (16/20)(15/20) = .65,
    # kappa = (.85 - .65) / .35 = .5714; n = 40 values, 9 ones, 31 zeros, 6 off-diagonal
    # pairs: alpha = 1 - 39 x 6 / (2 x 9 x 31) = 1 - 234/558 = .5806.
    pooled = row(report, "(pooled)")
    assert pooled["n_units"] == 20
    assert pooled["percent_agreement"] == pytest.approx(85.0)
    assert pooled["kappa"] == pytest.approx(0.2 / 0.35)
    assert pooled["alpha"] == pytest.approx(1 - 234 / 558)
    assert "stacked (5 segments x 4 codes)" in pooled["note"]
    assert -1 <= pooled["alpha_low"] <= pooled["alpha_high"] <= 1


def test_three_coders_use_fleiss_kappa(project: Project) -> None:
    code(project, "alice", {S1: ["misaligned-values"], S2: ["misaligned-values"]})
    code(project, "bob", {S1: ["misaligned-values"]})
    code(project, "carol", {S1: ["misaligned-values"], S2: ["misaligned-values"], S5: ["misaligned-values"]})  # fmt: skip
    report = agreement_report(project, "alice, bob, carol", n_boot=100)
    mv = row(report, "misaligned-values")
    # yes/no counts per segment: (3,0) (2,1) (0,3) (0,3) (1,2).
    # Pairwise agreement: 3 + 1 + 3 + 3 + 1 = 11 of 15 pairs = 73.3%.
    # Fleiss: P_i = 1, 1/3, 1, 1, 1/3 -> mean 11/15; p_yes = 6/15, P_e = .16 + .36 = .52;
    # kappa = (11/15 - .52) / .48 = 4/9.
    # Alpha: n = 15 values (6 yes, 9 no); units of 3 weigh 1/2 per ordered pair; two
    # mixed units with 4 disagreeing ordered pairs each -> 4; alpha = 1 - 14 x 4 / (2 x 6 x 9).
    assert mv["kappa_kind"] == "Fleiss"
    assert mv["percent_agreement"] == pytest.approx(100 * 11 / 15)
    assert mv["kappa"] == pytest.approx(4 / 9)
    assert mv["alpha"] == pytest.approx(1 - 56 / 108)
    assert report.attrs["coders"] == ["alice", "bob", "carol"]


def test_a_code_nobody_applied_is_undefined_not_made_up(project: Project) -> None:
    code(project, "alice", {S1: ["capacity-constraints"]})
    code(project, "bob", {S1: ["capacity-constraints"], S3: ["lead-provider"]})
    report = agreement_report(project, ["alice", "bob"], n_boot=100)
    for code_id in ("misaligned-values", "new-markets"):
        r = row(report, code_id)
        assert r["percent_agreement"] == 100.0
        assert all(math.isnan(r[k]) for k in ("kappa", "alpha", "alpha_low", "alpha_high"))
        assert r["verdict"] == "undefined"
        assert r["note"] == "no coder applied this code: kappa and alpha are undefined"
    # lead-provider: only bob, once. 4 of 5 agree; p_e = 0 x .2 + 1 x .8 = .8, so
    # kappa = (.8 - .8) / .2 = 0; alpha = 1 - 9 x 2 / (2 x 1 x 9) = 0.
    lp = row(report, "lead-provider")
    assert lp["percent_agreement"] == pytest.approx(80.0)
    assert lp["kappa"] == pytest.approx(0.0) and lp["alpha"] == pytest.approx(0.0)
    assert lp["verdict"] == "not reliable"


def test_a_code_everyone_applied_everywhere_is_undefined(project: Project) -> None:
    everywhere = {s: ["new-markets"] for s in SEGMENTS}
    code(project, "alice", everywhere)
    code(project, "bob", everywhere)
    nm = row(agreement_report(project, ["alice", "bob"], n_boot=100), "new-markets")
    assert math.isnan(nm["kappa"]) and math.isnan(nm["alpha"])
    assert (
        nm["note"]
        == "every coder applied this code to every segment: kappa and alpha are undefined"
    )


def test_only_segments_every_coder_coded_count(project: Project) -> None:
    code(project, "alice", ALICE)  # all five
    code(project, "bob", {S1: ["capacity-constraints"], S4: ["new-markets"]}, segments=[S1, S3, S4])
    report = agreement_report(project, ["alice", "bob"], n_boot=100)
    assert set(report["n_units"][:-1]) == {3}
    assert report.attrs["segments"] == 3
    # on S1, S3, S4 they differ only on lead-provider at S3
    assert row(report, "lead-provider")["percent_agreement"] == pytest.approx(100 * 2 / 3)
    assert row(report, "capacity-constraints")["percent_agreement"] == 100.0


@pytest.mark.parametrize(
    ("coders", "message"),
    [
        pytest.param(["alice"], "agreement needs at least two coders; got only 'alice'", id="single"),
        pytest.param(["alice", "alice"], "got only 'alice'", id="same-twice"),
        pytest.param(["alice", "zed"], "the project has no codings by coder 'zed'; the coders are alice, bob", id="unknown"),
    ],
)  # fmt: skip
def test_bad_coder_lists_are_refused(project: Project, coders, message) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    with pytest.raises(ReliabilityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        agreement_report(project, coders)


def test_coders_with_no_segments_in_common(project: Project) -> None:
    code(project, "alice", {}, segments=[S1, S2])
    code(project, "bob", {}, segments=[S3, S4])
    with pytest.raises(ReliabilityError, match="coders alice, bob have no segments in common"):
        agreement_report(project, ["alice", "bob"])


def test_fewer_than_two_units(project: Project) -> None:
    code(project, "alice", {}, segments=[S1, S2])
    code(project, "bob", {}, segments=[S2, S3])
    with pytest.raises(ReliabilityError, match="only one segment was coded by all of alice, bob"):
        agreement_report(project, ["alice", "bob"])


def test_the_bootstrap_interval_is_reproducible(project: Project) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    a = agreement_report(project, ["alice", "bob"], n_boot=300, seed=5)
    b = agreement_report(project, ["alice", "bob"], n_boot=300, seed=5)
    assert a[["alpha_low", "alpha_high"]].equals(b[["alpha_low", "alpha_high"]])


# -- disagreements and reconciliation ----------------------------------------------------


def test_disagreements_list_each_coders_codes(project: Project) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    frame = disagreements(project, ["alice", "bob"])
    assert frame["segment_id"].tolist() == [S2, S3, S5]
    first = frame.iloc[0]
    assert first["codes (alice)"] == "misaligned-values"
    assert first["codes (bob)"] == "misaligned-values, lead-provider"
    assert (first["agreed"], first["disputed"]) == ("misaligned-values", "lead-provider")
    assert frame.iloc[2]["codes (alice)"] == ""


def fill_consensus(path: Path, values: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Disagreements"]
    header = [c.value for c in ws[1]]
    sid_col, cons_col = header.index("segment_id") + 1, header.index("consensus") + 1
    for r in range(2, ws.max_row + 1):
        sid = ws.cell(row=r, column=sid_col).value
        if sid in values:
            ws.cell(row=r, column=cons_col).value = values[sid]
    wb.save(path)


def test_reconcile_records_agreed_and_decided_codes_as_consensus(project, tmp_path) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    path = tmp_path / "meeting.xlsx"
    assert write_disagreements(project, ["alice", "bob"], path) == 3
    ws = openpyxl.load_workbook(path)["Disagreements"]
    header = [c.value for c in ws[1]]
    assert header[:6] == [
        "document",
        "speaker",
        "timestamp",
        "text",
        "codes (alice)",
        "codes (bob)",
    ]
    # the consensus column starts from what they agreed
    assert ws.cell(row=2, column=header.index("consensus") + 1).value == "misaligned-values"
    fill_consensus(path, {S2: "misaligned-values, lead-provider", S3: "lead-provider", S5: ""})
    summary = reconcile(project, path)
    assert summary["resolved"] == 3 and summary["segments"] == 5
    got = sorted(zip(*project.codings(coder="consensus")[["segment_id", "code"]].values.T))
    assert got == sorted(
        [
            (S1, "capacity-constraints"),  # agreed
            (S2, "misaligned-values"),
            (S2, "lead-provider"),
            (S3, "lead-provider"),
            (S4, "new-markets"),  # agreed
        ]
    )
    assert sorted(project.coded_segments("consensus")) == sorted(SEGMENTS)
    assert project.default_coder() == "consensus"
    [detail] = [
        json.loads(r[0])
        for r in project.store.execute("SELECT detail FROM audit WHERE action = 'reconcile'")
    ]
    assert detail["coders"] == ["alice", "bob"] and detail["resolved"] == 3


def test_reconcile_refuses_unknown_codes_by_cell(project: Project, tmp_path: Path) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    path = tmp_path / "meeting.xlsx"
    write_disagreements(project, ["alice", "bob"], path)
    fill_consensus(path, {S3: "lead-provider, leed-provider", S5: "challenges"})
    with pytest.raises(SheetError) as info:
        reconcile(project, path)
    assert info.value.problems == [
        "meeting.xlsx, cell J3: 'leed-provider' is not a code in the codebook; write code ids "
        "from the Codebook sheet, separated by commas.",
        "meeting.xlsx, cell J4: 'challenges' is a grouping code, which cannot be applied; "
        "write code ids from the Codebook sheet, separated by commas.",
    ]
    assert project.codings(coder="consensus").empty
    assert project.coded_segments("consensus") == []


def test_reconcile_refuses_when_codings_changed_since(project: Project, tmp_path: Path) -> None:
    code(project, "alice", ALICE)
    code(project, "bob", BOB)
    path = tmp_path / "meeting.xlsx"
    write_disagreements(project, ["alice", "bob"], path)
    code(project, "bob", {S1: ["new-markets"]}, segments=[S1])
    with pytest.raises(SheetError, match=f"the coders now differ on segment {S1}"):
        reconcile(project, path)
    assert project.coded_segments("consensus") == []


def test_reconcile_refuses_a_plain_workbook(project: Project, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Disagreements"
    wb.active.append(["text", "consensus", "segment_id", "text_sha256"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(SheetError, match="x.xlsx does not name the coders it compares"):
        reconcile(project, tmp_path / "x.xlsx")


# -- the shipped second coder -----------------------------------------------------------


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory) -> Path:
    sheet = SAMPLE / "coder2_sheet.xlsx"
    if not sheet.is_file() or not CODEBOOK.is_file():
        pytest.skip("transcripts_sample/coder2_sheet.xlsx or the partnership codebook is absent")
    d = tmp_path_factory.mktemp("sample") / "project"
    files = [f for f in glob.glob(str(SAMPLE / "**" / "int0*"), recursive=True)]
    with Project.init(d, codebook=CODEBOOK, register=SAMPLE / "participants.csv") as p:
        p.import_transcripts(files)
    return d


def test_the_shipped_second_coders_sheet_imports(sample_project: Path, tmp_path: Path) -> None:
    d = tmp_path / "project"
    shutil.copytree(sample_project, d)
    with Project.open(d) as p:
        summary = import_sheet(p, SAMPLE / "coder2_sheet.xlsx")
        assert summary["coder"] == "reviewer2"
        assert summary["segments"] == 31  # 30% of the 103 participant segments
        assert summary["codings"] >= summary["segments"]  # coded by reading: most rows carry codes
        # never a withdrawn participant's words (P06 Gareth Lowe)
        assert "Gareth Lowe" not in set(p.codings(coder="reviewer2")["speaker"])


def test_demo_step_imports_the_sheet_and_shows_agreement(sample_project, tmp_path) -> None:
    d = tmp_path / "project"
    shutil.copytree(sample_project, d)
    lines, tables = [], []
    with Project.open(d) as p:
        # a stand-in first coder: "auto" with no codes on any segment
        eligible = p.segments(participants_only=True, include_withdrawn=False)["segment_id"]
        p.record_codings("auto", [], segments=list(eligible))
        report = agreement_step(
            p, tmp_path / "out", log=lines.append, show=lambda t, f: tables.append((t, f))
        )
    assert lines[0].startswith("Imported coder2_sheet.xlsx: reviewer2 coded 31 segments")
    [(title, shown)] = tables
    assert "reviewer2 vs auto" in title and "Unit of analysis: segment (turn)" in title
    assert shown["code"].iloc[-1] == "(pooled)"
    assert report.attrs["segments"] == 31
    assert (tmp_path / "out" / "disagreements.xlsx").is_file()
