"""The formatted workbook writer and the summary workbook, read back with openpyxl and LibreOffice.

The project is the hand-built one of tests/data/analysis (see test_aggregate.py): its
transcripts hold lines starting with ``=``, ``+``, ``-`` and ``@``, its codebook a
description starting with ``=``, and its register an attribution starting with ``@``;
each must reach the workbook as text.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import types
from pathlib import Path
from xml.etree import ElementTree
from zipfile import ZipFile

import openpyxl
import pandas as pd
import pytest

from mpsp_qual import Project
from mpsp_qual.core.errors import AnalysisError, ReliabilityError, SurveyError
from mpsp_qual.formats import excel
from mpsp_qual.formats.excel import OptionalTables, optional_tables, write_frames, write_summary
from mpsp_qual.formats.tables import write_table

DATA = Path(__file__).resolve().parents[1] / "data" / "analysis"
CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
HYPERLINK = '=HYPERLINK("http://example.com","x")'
FORMULA_LIKE = {
    ("P01", "challenges"): HYPERLINK,
    ("P01", "benefits"): "+44 was the dialling code of our first new market abroad.",
    ("P02", "challenges"): "-5% margins: our aims were misaligned and our capacity was thin.",
    ("P03", "challenges"): "@partners kept asking who would be the lead provider.",
}
SHEETS = [
    "About",
    "Codebook",
    "Prevalence",
    "Charts",
    "By sector",
    "Case x code",
    "Co-occurrence",
    "Co-occurrence (participants)",
    "Survey",
    "Survey by sector",
]
INTERNAL_SHEETS = [*SHEETS, "Framework (internal)"]


@pytest.fixture
def summary_path(analysis: Project, tmp_path: Path) -> Path:
    path = tmp_path / "out" / "summary.xlsx"
    write_summary(analysis, path, survey=DATA / "survey.csv", by=["sector"])
    return path


@pytest.fixture
def internal_path(analysis: Project, tmp_path: Path) -> Path:
    path = tmp_path / "internal" / "summary.xlsx"
    write_summary(analysis, path, survey=DATA / "survey.csv", by=["sector"], internal=True)
    return path


#: The tables' column names for the summary's plain headers, to read cells by name.
NAMES = {plain: name for name, plain in excel.PLAIN_HEADERS.items()}


def rows_of(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    header = [NAMES.get(h, h) for h in values[0]]
    return [dict(zip(header, row)) for row in values[1:]]


def header_of(ws) -> list:
    return [NAMES.get(c.value, c.value) for c in ws[1]]


# --------------------------------------------------------------------------- write_frames


def test_write_frames_formats_each_sheet(tmp_path):
    frame = pd.DataFrame(
        {
            "code": ["a", "b"],
            "pct_participants": [0.5, float("nan")],
            "text": ["x " * 80, HYPERLINK],
            "count": [3, 4],
        }
    )
    path = write_frames({"First": frame, "Second": frame.head(0)}, tmp_path / "t.xlsx")

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["First", "Second"]
    ws = wb["First"]
    assert header_of(ws) == ["code", "pct_participants", "text", "count"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D3"
    assert ws["B2"].value == 0.5 and ws["B2"].number_format == "0%"
    assert ws["B3"].value is None  # NaN is an empty cell
    assert ws["C2"].alignment.wrap_text
    assert ws.column_dimensions["C"].width == 60  # long text: capped width, wrapped
    assert 8 <= ws.column_dimensions["A"].width < 12
    assert ws["C3"].data_type == "s" and ws["C3"].value == HYPERLINK
    assert ws["D3"].value == 4 and ws["D3"].data_type == "n"
    assert header_of(wb["Second"]) == ["code", "pct_participants", "text", "count"]
    assert wb["Second"].max_row == 1


def test_write_frames_makes_cells_excel_can_hold(tmp_path):
    frame = pd.DataFrame(
        {"text": ["a" * 40000, "bell\x07 and tab\tkept", "=1+1"], "n": pd.array([1, None, 3])}
    )
    path = write_frames(
        {"a/b:c?": frame, "A-B-C-": frame, "x" * 40: frame}, tmp_path / "cells.xlsx"
    )

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["a-b-c-", "A-B-C- (2)", "x" * 31]
    ws = wb.worksheets[0]
    assert len(ws["A2"].value) == excel.MAX_CELL_CHARS and ws["A2"].value.endswith("…")
    assert ws["A3"].value == "bell and tab\tkept"
    assert ws["A4"].value == "=1+1" and ws["A4"].data_type == "s"
    assert ws["B3"].value is None


def test_write_table_to_xlsx_uses_the_formatted_writer(tmp_path):
    frame = pd.DataFrame({"statement": ["-minus first"], "pct_agree": [0.25]})
    write_table(frame, tmp_path / "t.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["A2"].value == "-minus first" and ws["A2"].data_type == "s"
    assert ws["B2"].number_format == "0%"
    assert ws.freeze_panes == "A2"


def test_write_frames_is_whole_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"the old workbook")

    def broken_save(self, filename):
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(excel.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_frames({"T": pd.DataFrame({"a": [1]})}, path)
    assert path.read_bytes() == b"the old workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_write_frames_wants_an_xlsx_name(tmp_path):
    with pytest.raises(AnalysisError, match=r"t\.xls: a workbook is written as \.xlsx"):
        write_frames({"T": pd.DataFrame({"a": [1]})}, tmp_path / "t.xls")
    assert not (tmp_path / "t.xls").exists()


# --------------------------------------------------------------------------- summary


def test_summary_has_every_sheet_formatted(summary_path):
    wb = openpyxl.load_workbook(summary_path)

    assert wb.sheetnames == SHEETS
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == ws.dimensions, ws.title
        assert all(c.font.bold for c in ws[1]), ws.title


def test_summary_about_sheet_lists_inputs_with_sha256(summary_path, analysis):
    about = {}
    for row in rows_of(openpyxl.load_workbook(summary_path)["About"]):
        about.setdefault(row["item"], []).append(row)

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    # the transcripts by fingerprint: a file name may name an organisation
    transcripts = {r["value"]: r["sha256"] for r in about["Transcript"]}
    assert transcripts == {
        "transcript 1": sha(DATA / "one.txt"),
        "transcript 2": sha(DATA / "two.txt"),
    }
    (register,) = about["Participants register"]
    assert register["sha256"] == sha(DATA / "register.csv")
    (survey,) = about["Survey"]
    assert survey["sha256"] == sha(DATA / "survey.csv")
    (codebook,) = about["Codebook"]
    assert codebook["value"] == "Analysis test codebook, version 2.1"
    stored = analysis.store.get_setting("codebook").encode("utf-8")
    assert codebook["sha256"] == hashlib.sha256(stored).hexdigest()
    assert about["Coder used"][0]["value"] == "alice"
    assert about["Participants counted (n)"][0]["value"] == 3
    assert about["Participants withdrawn (left out)"][0]["value"] == 1
    assert about["Codings by alice"][0]["value"] == 6  # P05's three are left out
    assert about["Generated at"][0]["value"][:2] == "20"


def test_summary_prevalence_sheet_and_chart(summary_path):
    ws = openpyxl.load_workbook(summary_path)["Prevalence"]
    rows = {r["code"]: r for r in rows_of(ws)}

    assert rows["misaligned-values"]["participants"] == 3
    assert rows["lead-provider"]["pct_participants"] == pytest.approx(2 / 3)
    assert rows["capacity-constraints"]["segments"] == 1
    # the headline beside the name; names indented by level, parent codes bold
    assert header_of(ws)[:5] == ["code", "name", "pct_participants", "participants", "n"]
    assert ws["C3"].number_format == "0%"
    names = {r[0].value: r[1] for r in ws.iter_rows(min_row=2)}
    assert names["challenges"].alignment.indent == 0 and names["challenges"].font.bold
    assert names["lead-provider"].alignment.indent == 2 and not names["lead-provider"].font.bold
    # openpyxl does not read charts back: read the chart parts of the file
    with ZipFile(summary_path) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        charts = [ElementTree.fromstring(z.read(n)) for n in names]
    assert len(charts) == 2  # Prevalence and Survey

    def first(chart, path):
        return chart.find(path, CHART_NS)

    prevalence_chart, survey_chart = sorted(
        charts, key=lambda c: "Survey" in first(c, ".//c:val//c:f").text
    )
    assert first(prevalence_chart, ".//c:barDir").get("val") == "bar"
    assert first(prevalence_chart, ".//c:val//c:f").text == "'Prevalence'!$C$2:$C$7"
    assert first(prevalence_chart, ".//c:cat/c:strRef/c:f").text == "'Prevalence'!$B$2:$B$7"
    assert first(prevalence_chart, ".//c:valAx/c:numFmt").get("formatCode") == "0%"
    assert first(survey_chart, ".//c:val//c:f").text == "'Survey'!$F$2:$F$4"
    assert first(survey_chart, ".//c:cat/c:strRef/c:f").text == "'Survey'!$A$2:$A$4"


def test_summary_charts_are_attached_to_their_sheets(analysis, tmp_path, monkeypatch):
    seen = {}
    real_save = excel._save

    def spy(workbook, path):
        seen.update({ws.title: ws._charts for ws in workbook.worksheets})
        return real_save(workbook, path)

    monkeypatch.setattr(excel, "_save", spy)
    write_summary(analysis, tmp_path / "s.xlsx", survey=DATA / "survey.csv")

    assert len(seen["Prevalence"]) == 1 and len(seen["Survey"]) == 1
    (chart,) = seen["Prevalence"]
    assert chart.type == "bar"
    assert chart.y_axis.number_format.formatCode == "0%"
    assert sum(len(charts) for charts in seen.values()) == 2


def test_summary_breakdown_sheet_shows_each_groups_n(summary_path):
    ws = openpyxl.load_workbook(summary_path)["By sector"]

    assert header_of(ws) == [
        "code",
        "name",
        "level",
        "Health (n = 2, small group): participants",
        "Health (n = 2, small group): %",
        "Social care (n = 1, small group): participants",
        "Social care (n = 1, small group): %",
    ]
    rows = {r["code"]: r for r in rows_of(ws)}
    assert rows["lead-provider"]["Health (n = 2, small group): %"] == 0.5
    assert rows["capacity-constraints"]["Social care (n = 1, small group): participants"] == 0
    assert ws["E2"].number_format == "0%"


def test_summary_matrices_have_colour_scales(summary_path):
    wb = openpyxl.load_workbook(summary_path)

    case = wb["Case x code"]
    assert {r["participant_id"]: r["capacity-constraints"] for r in rows_of(case)} == {
        "P01": 0,
        "P02": 1,
        "P03": 0,
    }
    ranges = [str(cf.sqref) for cf in case.conditional_formatting]
    assert ranges == ["D2:I4"]
    rule = next(iter(case.conditional_formatting)).rules[0]
    assert rule.type == "colorScale"

    cooc = {r["code"]: r for r in rows_of(wb["Co-occurrence"])}
    assert cooc["misaligned-values"]["capacity-constraints"] == 1
    assert cooc["lead-provider"]["misaligned-values"] is None
    people = {r["code"]: r for r in rows_of(wb["Co-occurrence (participants)"])}
    assert people["challenges"]["benefits"] == 2
    # the scale leaves out each code's cell with itself (rows 2-7 are codes 1-6, from C)
    [sqref] = [str(cf.sqref) for cf in wb["Co-occurrence"].conditional_formatting]
    cells = set(sqref.split())
    assert "C2" not in " ".join(cells) and "D2:H2" in cells and "C3" in cells
    assert "H7" not in " ".join(cells) and "C7:G7" in cells


def test_summary_survey_sheets(summary_path):
    wb = openpyxl.load_workbook(summary_path)

    rows = {r["statement"]: r for r in rows_of(wb["Survey"])}
    q1 = rows["Q1 We gained contracts"]
    assert (q1["n"], q1["agree"]) == (5, 3)
    assert q1["pct_agree"] == pytest.approx(0.6)
    assert q1["ci_low"] == pytest.approx(0.2307, abs=1e-4)
    assert wb["Survey"]["F2"].number_format == "0%"
    by_sector = rows_of(wb["Survey by sector"])
    assert [(r["sector"], r["n"]) for r in by_sector if r["statement"].startswith("Q1")] == [
        ("A", 2),
        ("B", 3),
    ]
    # groups of 2 and 3 answers: each label says it is a small group
    assert all(r["label"].endswith("; small group (n < 5)") for r in by_sector if r["n"])
    assert "small group" not in q1["label"]  # the whole sample is no group


def test_summary_framework_matrix_keeps_formula_looking_text_as_text(internal_path):
    wb = openpyxl.load_workbook(internal_path)
    ws = wb["Framework (internal)"]
    header = header_of(ws)
    cells = {}
    for row in ws.iter_rows(min_row=2):
        pid = row[0].value
        for theme in ("challenges", "benefits"):
            cells[pid, theme] = row[header.index(theme)]

    for key, text in FORMULA_LIKE.items():
        cell = cells[key]
        assert cell.data_type == "s", key
        assert cell.value == text, key
    assert ws["B2"].value == "@Health PSM" and ws["B2"].data_type == "s"
    codebook = {r["id"]: r for r in rows_of(wb["Codebook"])}
    assert codebook["misaligned-values"]["description"].startswith("=SUM(1,2)")


def test_summary_never_holds_a_formula_or_withdrawn_words(summary_path, internal_path):
    for path in (summary_path, internal_path):
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
                    assert "Zebra quartz" not in str(cell.value), f"{ws.title}!{cell.coordinate}"
    participants = [r["participant_id"] for r in rows_of(wb["Framework (internal)"])]
    assert participants == ["P01", "P02", "P03"]


def test_summary_holds_participants_words_only_when_internal(summary_path, internal_path):
    """Searched from the outside: every cell, header and footer of both workbooks."""

    def everything(path):
        wb = openpyxl.load_workbook(path)
        return {
            ws.title: " ".join(
                [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
                + [ws.oddHeader.center.text or "", ws.evenHeader.center.text or ""]
            )
            for ws in wb
        }

    excerpts = [t for t in FORMULA_LIKE.values()]
    outgoing = everything(summary_path)
    for title, text in outgoing.items():
        assert not [e for e in excerpts if e in text], title
        assert "one.txt" not in text and "two.txt" not in text, title
        assert excel.INTERNAL_MARK.upper() not in text, title
    internal = everything(internal_path)
    assert any(e in internal["Framework (internal)"] for e in excerpts)
    for title, text in internal.items():
        assert excel.INTERNAL_MARK.upper() in text, f"{title} is not marked internal"
    wb = openpyxl.load_workbook(internal_path)
    assert all(ws.sheet_properties.tabColor.rgb.endswith("C00000") for ws in wb)


def test_summary_prints_landscape_fitted_to_width_with_repeated_headers(summary_path):
    for ws in openpyxl.load_workbook(summary_path):
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title


def test_summary_reliability_and_quotes_sheets_when_given(analysis, tmp_path):
    reliability = pd.DataFrame({"code": ["lead-provider"], "alpha": [0.81]})
    quotes = pd.DataFrame({"quote": ["+we did it together"], "attribution": ["Health PSM"]})

    summary = write_summary(
        analysis, tmp_path / "s.xlsx", coder="auto", reliability=reliability, quotes=quotes
    )

    wb = openpyxl.load_workbook(summary.path)
    assert summary.coder == "auto"
    assert summary.sheets == wb.sheetnames
    assert wb.sheetnames == [
        "About",
        "Codebook",
        "Prevalence",
        "Charts",
        "Case x code",
        "Co-occurrence",
        "Co-occurrence (participants)",
        "Reliability",
        "Quotes",
    ]
    assert rows_of(wb["Reliability"]) == [{"code": "lead-provider", "alpha": 0.81}]
    assert wb["Quotes"]["A2"].value == "+we did it together"
    assert wb["Quotes"]["A2"].data_type == "s"
    about = {r["item"]: r["value"] for r in rows_of(wb["About"])}
    assert about["Coder used"] == "auto"


def test_summary_with_a_bad_survey_writes_nothing(analysis, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,Q1\nR1,Agree\nR2,Maybe\nR3,Agree\n", encoding="utf-8")
    target = tmp_path / "summary.xlsx"
    target.write_bytes(b"previous")

    with pytest.raises(
        SurveyError, match=r'column "Q1" has values outside the scale: row 3 "Maybe"'
    ):
        write_summary(analysis, target, survey=bad)
    with pytest.raises(AnalysisError, match="no column 'region'"):
        write_summary(analysis, target, by=["region"])
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "proj", "summary.xlsx"]


# --------------------------------------------------------------------------- optional sheets


def test_optional_tables_use_the_reliability_and_quote_modules(analysis, monkeypatch):
    analysis.record_codings(
        "bob", [("one.txt#1.0", "lead-provider", None)], segments=["one.txt#1.0"]
    )
    calls = []
    agreement = types.ModuleType("mpsp_qual.analysis.agreement")
    agreement.agreement_report = lambda project, coders, **kw: (
        calls.append(coders) or pd.DataFrame({"alpha": [0.9]})
    )
    quotes = types.ModuleType("mpsp_qual.consent.quotes")
    quotes.quote_bank = lambda project, *, status, **kw: pd.DataFrame({"status": [status], **kw})
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", agreement)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", quotes)

    extras = optional_tables(analysis, coder="bob")

    assert calls == [["alice", "bob"]]  # the human coders, not auto
    assert extras.reliability["alpha"].tolist() == [0.9]
    assert extras.quotes.to_dict("records") == [{"status": "approved", "coder": "bob"}]
    assert extras.notes == []


def test_summary_computes_the_optional_sheets_after_checking_inputs(
    analysis, tmp_path, monkeypatch
):
    calls = []
    agreement = types.ModuleType("mpsp_qual.analysis.agreement")
    agreement.agreement_report = lambda project, coders, **kw: (
        calls.append(coders) or pd.DataFrame({"alpha": [0.5]})
    )
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", agreement)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", None)

    with pytest.raises(AnalysisError, match="no column 'region'"):
        write_summary(analysis, tmp_path / "s.xlsx", by=["region"], optional=True)
    assert calls == []
    summary = write_summary(analysis, tmp_path / "s.xlsx", optional=True)

    assert calls == [["alice", "auto"]]
    assert summary.sheets[-1:] == ["Reliability"]
    assert summary.notes == []


def test_optional_tables_without_the_modules(analysis, monkeypatch):
    analysis.record_codings("bob", [], segments=["one.txt#1.0"])
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", None)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", None)

    extras = optional_tables(analysis)

    assert extras.reliability is None and extras.quotes is None
    assert extras.notes == [
        "the Reliability sheet is left out: agreement statistics are not available."
    ]


def test_optional_tables_compare_one_human_coder_with_auto(analysis, monkeypatch):
    calls = []
    agreement = types.ModuleType("mpsp_qual.analysis.agreement")
    agreement.agreement_report = lambda project, coders, **kw: calls.append(coders)
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", agreement)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", None)

    optional_tables(analysis)

    assert calls == [["alice", "auto"]]


def test_optional_tables_say_why_reliability_is_undefined(analysis, monkeypatch):
    agreement = types.ModuleType("mpsp_qual.analysis.agreement")

    def undefined(project, coders, **kw):
        raise ReliabilityError("alice and auto coded no segment in common")

    agreement.agreement_report = undefined
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", agreement)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", None)

    extras = optional_tables(analysis)

    assert extras.reliability is None
    assert extras.notes == [
        "the Reliability sheet is left out: alice and auto coded no segment in common"
    ]


def test_optional_tables_need_two_coders(project, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpsp_qual.analysis.agreement", None)
    monkeypatch.setitem(sys.modules, "mpsp_qual.consent.quotes", None)

    assert optional_tables(project) == OptionalTables()


# --------------------------------------------------------------------------- LibreOffice


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui"
        )
    return exe


def test_libreoffice_reads_the_summary_back(internal_path, tmp_path):
    summary_path = internal_path
    exe = soffice()
    outdir = tmp_path / "lo"
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(summary_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = outdir / "summary.xlsx"
    assert converted.is_file(), result.stderr

    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames == INTERNAL_SHEETS
    prevalence = {r["code"]: r for r in rows_of(wb["Prevalence"])}
    assert prevalence["misaligned-values"]["participants"] == 3
    assert prevalence["lead-provider"]["pct_participants"] == pytest.approx(2 / 3)
    ws = wb["Framework (internal)"]
    header = header_of(ws)
    texts = {}
    for row in ws.iter_rows(min_row=2):
        for theme in ("challenges", "benefits"):
            texts[row[0].value, theme] = row[header.index(theme)]
    for key, text in FORMULA_LIKE.items():
        assert texts[key].data_type == "s", key
        assert texts[key].value == text, key
    survey = {r["statement"]: r for r in rows_of(wb["Survey"])}
    assert survey["Q3 Would partner again"]["pct_agree"] == pytest.approx(0.75)
    # LibreOffice kept both charts and read the code names as their labels
    with ZipFile(converted) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        charts = [ElementTree.fromstring(z.read(n)) for n in names]
    labels = [[v.text for v in chart.findall(".//c:cat//c:pt/c:v", CHART_NS)] for chart in charts]
    assert sorted(labels) == [
        [
            "Challenges",
            "Misaligned aims and values",
            "Lead provider negotiation",
            "Capacity constraints",
            "Benefits",
            "New markets",
        ],
        ["Q1 We gained contracts", "Q2 We shared expertise", "Q3 Would partner again"],
    ]


def test_summary_charts_sheet_holds_the_report_figures(summary_path):
    wb = openpyxl.load_workbook(summary_path)
    titles = [r["chart"] for r in rows_of(wb["Charts"])]
    assert titles[0].startswith("Themes: % of participants (n = 3")
    assert any(t.startswith("Survey: % agree") for t in titles)
    with ZipFile(summary_path) as z:
        pictures = [n for n in z.namelist() if n.startswith("xl/media/")]
    assert len(pictures) == len(titles)
    assert len(wb["Charts"].row_breaks.brk) == len(titles) - 1  # one chart a printed page


def test_summary_headers_are_words(summary_path):
    wb = openpyxl.load_workbook(summary_path)
    assert [c.value for c in wb["Prevalence"][1]][:5] == [
        "Code", "Name", "% of participants", "Participants", "n",
    ]  # fmt: skip
    assert "95% CI from" in [c.value for c in wb["Survey"][1]]
    assert len(set(excel.PLAIN_HEADERS.values())) == len(excel.PLAIN_HEADERS)  # one way back
