"""The analysis commands: prevalence, matrix, framework, survey and report.

The project is the hand-built one of tests/data/analysis (figures worked out in
test_aggregate.py); the survey is tests/data/analysis/survey.csv:

    participant_id  sector  Q1                          Q2          Q3
    R1              A       Strongly agree              5           Yes
    R2              A       Agree                       4           No
    R3              B       Neither agree nor disagree  Don't know  Yes
    R4              B       Disagree                    (blank)     Yes
    R5              B       Agree                       2           (blank)
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import build_analysis_project

from mpsp_qual import Project
from mpsp_qual.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data" / "analysis"
SURVEY = DATA / "survey.csv"
Q1, Q2, Q3 = "Q1 We gained contracts", "Q2 We shared expertise", "Q3 Would partner again"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    directory = tmp_path / "proj"
    build_analysis_project(directory).close()
    return directory


def run(runner, proj: Path, *args: str):
    return runner.invoke(cli, ["-p", str(proj), *args])


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def state(proj: Path) -> tuple:
    """What a failed command must leave as it was."""
    with Project.open(proj) as p:
        audit = p.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        return audit, p.codings().to_csv(), p.participants().to_csv()


# --------------------------------------------------------------------------- prevalence


def test_prevalence_prints_the_coder_and_n(runner, proj):
    result = run(runner, proj, "prevalence", "--wide")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Coder: alice; n = 3 participants"
    assert lines[1].split() == [
        "code",
        "name",
        "pct_participants",  # the headline beside the name
        "level",
        "segments",
        "documents",
        "participants",
        "n",
    ]
    assert lines[3].split()[:1] + lines[3].split()[-6:] == [
        "misaligned-values",
        "100%",  # a percentage, rounded half up
        "2",
        "3",
        "2",
        "3",
        "3",
    ]


def test_prevalence_csv_with_roll_up(runner, proj):
    result = run(runner, proj, "prevalence", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stderr == "Coder: alice; n = 3 participants\n"
    rows = {r["code"]: r for r in csv_rows(result.stdout)}
    assert rows["misaligned-values"]["participants"] == "3"  # lead-provider rolled up
    assert rows["lead-provider"]["participants"] == "2"
    assert float(rows["lead-provider"]["pct_participants"]) == pytest.approx(2 / 3)
    assert rows["capacity-constraints"]["segments"] == "1"  # withdrawn P05 left out


def test_prevalence_by_sector_shows_each_groups_n(runner, proj):
    result = run(runner, proj, "prevalence", "--by", "sector", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stderr == "Coder: alice; n = 3 participants (Health: 2, Social care: 1)\n"
    rows = csv_rows(result.stdout)
    assert {(r["sector"], r["n"]) for r in rows} == {("Health", "2"), ("Social care", "1")}
    health = {r["code"]: r for r in rows if r["sector"] == "Health"}
    assert float(health["capacity-constraints"]["pct_participants"]) == 0.5


def test_prevalence_of_a_chosen_coder_as_json(runner, proj):
    result = run(runner, proj, "prevalence", "--coder", "auto", "--format", "json")

    assert result.exit_code == 0, result.output
    assert result.stderr == "Coder: auto; n = 3 participants\n"
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert rows["capacity-constraints"]["participants"] == 1
    assert rows["new-markets"]["participants"] == 0


def test_prevalence_to_a_workbook(runner, proj, tmp_path):
    out = tmp_path / "prevalence.xlsx"
    result = run(runner, proj, "prevalence", "-o", str(out))

    assert result.exit_code == 0, result.output
    assert result.stderr == f"Coder: alice; n = 3 participants\nWrote {out} (6 rows).\n"
    ws = openpyxl.load_workbook(out).active
    assert ws["H3"].value == 1 and ws["H3"].number_format == "0%"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["prevalence", "--by", "region"],
            "Error: the participants register has no column 'region'; its attribute columns "
            "are sector (any register column, such as role, also works).\n",
            id="unknown-by",
        ),
        pytest.param(
            ["prevalence", "--coder", "carol"],
            "Error: the project has no codings by coder 'carol'; the coders are auto, alice.\n",
            id="unknown-coder",
        ),
        pytest.param(
            ["matrix", "--codes", "lead-provider,nope"],
            "Error: the codebook has no code 'nope'; `mpsp-qual codes` lists them.\n",
            id="unknown-code",
        ),
        pytest.param(
            ["framework", "--coder", "carol"],
            "Error: the project has no codings by coder 'carol'; the coders are auto, alice.\n",
            id="framework-unknown-coder",
        ),
    ],
)
def test_bad_options_are_one_line_errors(runner, proj, args, message):
    before = state(proj)

    result = run(runner, proj, *args)

    assert result.exit_code == 1
    assert result.stderr == message
    assert result.stdout == ""
    assert state(proj) == before


# --------------------------------------------------------------------------- matrices


def test_matrix_case_code(runner, proj):
    result = run(runner, proj, "matrix", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = {r["participant_id"]: r for r in csv_rows(result.stdout)}
    assert rows["P02"]["capacity-constraints"] == "1"
    assert rows["P01"]["segments"] == "2"
    assert rows["P01"]["attribution"] == "'@Health PSM"  # csv_safe: never a formula


def test_matrix_cooccurrence_of_participants_for_chosen_codes(runner, proj):
    result = run(
        runner,
        proj,
        "matrix",
        "--kind",
        "cooccurrence-participants",
        "--codes",
        "challenges,benefits",
        "--codes",
        "capacity-constraints",
        "--format",
        "csv",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "code,name,challenges,benefits,capacity-constraints"
    rows = {r["code"]: r for r in csv_rows(result.stdout)}
    assert rows["challenges"]["benefits"] == "2"
    assert rows["challenges"]["capacity-constraints"] == ""  # ancestor: left empty
    assert rows["benefits"]["capacity-constraints"] == "0"


def test_matrix_cooccurrence_of_segments(runner, proj):
    result = run(runner, proj, "matrix", "--kind", "cooccurrence", "--format", "json")

    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert rows["misaligned-values"]["capacity-constraints"] == 1
    assert rows["lead-provider"]["misaligned-values"] is None


def test_framework_csv_keeps_formula_looking_text_inert(runner, proj):
    result = run(runner, proj, "framework", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = {r["participant_id"]: r for r in csv_rows(result.stdout)}
    assert rows["P01"]["challenges"] == "'" + '=HYPERLINK("http://example.com","x")'
    assert rows["P01"]["benefits"].startswith("'+44 ")
    assert rows["P02"]["challenges"].startswith("'-5% ")
    assert rows["P03"]["challenges"].startswith("'@partners ")
    assert rows["P03"]["benefits_n"] == "1"
    assert "Zebra quartz" not in result.stdout


def test_framework_to_a_workbook(runner, proj, tmp_path):
    out = tmp_path / "framework.xlsx"
    result = run(
        runner, proj, "framework", "--codes", "lead-provider", "--words", "3", "-o", str(out),
        "--internal",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "INTERNAL - CONTAINS TEXT NOT CLEARED FOR QUOTING"
    assert ws.oddHeader.center.text == ws["A1"].value
    assert [c.value for c in ws[2]] == [
        "participant_id",
        "attribution",
        "sector",
        "lead-provider",
        "lead-provider_n",
    ]
    assert ws["D3"].value == '=HYPERLINK("http://example.com","x")'
    assert ws["D3"].data_type == "s"
    assert ws["D5"].value == "@partners kept asking…"


# --------------------------------------------------------------------------- survey

# 95% Wilson intervals, from Newcombe (1998) method 3, worked by hand:
# 3/5 -> (0.2307, 0.8824), 2/3 -> (0.2077, 0.9385), 3/4 -> (0.3006, 0.9544),
# 2/2 -> (0.3424, 1), 1/3 -> (0.0615, 0.7923), 1/5 -> (0.0362, 0.6245).


def survey_json(runner, tmp_path, *args):
    # the survey needs no project
    result = runner.invoke(
        cli, ["-p", str(tmp_path / "none"), "survey", str(SURVEY), "--format", "json", *args]
    )
    assert result.exit_code == 0, result.output
    return result, json.loads(result.stdout)


def test_survey_agreement_percentages(runner, tmp_path):
    result, rows = survey_json(runner, tmp_path)

    assert (
        result.stderr
        == "Agree = levels 4, 5; 95% Wilson interval; read as attributes, not statements: sector\n"
    )
    got = {r["statement"]: r for r in rows}
    q1 = got[Q1]  # SA, A, N, D, A
    assert (q1["type"], q1["n"], q1["excluded"], q1["agree"]) == ("likert", 5, 0, 3)
    assert q1["pct_agree"] == pytest.approx(0.6)
    assert q1["pct_neither"] == pytest.approx(0.2)
    assert q1["pct_disagree"] == pytest.approx(0.2)
    assert (q1["ci_low"], q1["ci_high"]) == (
        pytest.approx(0.2307, abs=1e-4),
        pytest.approx(0.8824, abs=1e-4),
    )
    assert re.fullmatch(r"60% agree \(95% CI \d+-\d+%\), n = 5", q1["label"])
    q2 = got[Q2]  # 5, 4, Don't know, blank, 2: numbers, two not valid
    assert (q2["n"], q2["excluded"], q2["agree"]) == (3, 2, 2)
    assert q2["pct_neither"] == 0
    assert (q2["ci_low"], q2["ci_high"]) == (
        pytest.approx(0.2077, abs=1e-4),
        pytest.approx(0.9385, abs=1e-4),
    )
    q3 = got[Q3]  # Yes, No, Yes, Yes, blank
    assert (q3["type"], q3["n"], q3["agree"]) == ("yes-no", 4, 3)
    assert q3["pct_agree"] == 0.75 and q3["pct_neither"] is None
    assert (q3["ci_low"], q3["ci_high"]) == (
        pytest.approx(0.3006, abs=1e-4),
        pytest.approx(0.9544, abs=1e-4),
    )
    assert re.fullmatch(r"75% yes \(95% CI \d+-\d+%\), n = 4", q3["label"])


def test_survey_by_sector(runner, tmp_path):
    _, rows = survey_json(runner, tmp_path, "--by", "sector")

    q1 = {r["sector"]: r for r in rows if r["statement"] == Q1}
    assert (q1["A"]["n"], q1["A"]["agree"]) == (2, 2)
    assert q1["A"]["ci_low"] == pytest.approx(0.3424, abs=1e-4) and q1["A"]["ci_high"] == 1
    assert (q1["B"]["n"], q1["B"]["agree"]) == (3, 1)
    assert (q1["B"]["ci_low"], q1["B"]["ci_high"]) == (
        pytest.approx(0.0615, abs=1e-4),
        pytest.approx(0.7923, abs=1e-4),
    )


def test_survey_agree_levels(runner, tmp_path):
    result, rows = survey_json(runner, tmp_path, "--agree", "5")

    assert (
        result.stderr
        == "Agree = levels 5; 95% Wilson interval; read as attributes, not statements: sector\n"
    )
    q1 = next(r for r in rows if r["statement"] == Q1)
    assert q1["agree"] == 1
    assert q1["pct_neither"] == pytest.approx(0.6)  # "Agree" now counts as neither
    assert q1["ci_low"] == pytest.approx(0.0362, abs=1e-4)
    assert q1["ci_high"] == pytest.approx(0.6245, abs=1e-4)
    _, by_label = survey_json(runner, tmp_path, "--agree", "Strongly agree")
    assert next(r for r in by_label if r["statement"] == Q1)["agree"] == 1


def test_survey_table_output(runner, tmp_path):
    result = runner.invoke(cli, ["-p", str(tmp_path), "survey", str(SURVEY), "--wide"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "Agree = levels 4, 5; 95% Wilson interval; read as attributes, not statements: sector"
    )
    assert re.search(r"60% agree \(95% CI \d+-\d+%\), n = 5", result.stdout)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        pytest.param(
            "participant_id,Q1\nR1,Agree\nR2,Maybe\nR3,Agree\nR4,7\nR5,Agree\n",
            [],
            'column "Q1" has values outside the scale: row 3 "Maybe", row 5 "7"; '
            "use Strongly disagree ... Strongly agree, 1-5, or Yes/No",
            id="outside-the-scale",
        ),
        pytest.param(
            "participant_id,Q1\nR1,Agree\n",
            ["--agree", "sometimes"],
            "agree level 'sometimes' is not on the scale; "
            "use numbers 1-5 or labels such as Strongly agree",
            id="bad-agree-level",
        ),
        pytest.param(
            "participant_id,Q1\nR1,Agree\n",
            ["--by", "region"],
            'no attribute column "region" to group by; the attribute columns are none',
            id="unknown-by",
        ),
    ],
)
def test_survey_bad_input(runner, tmp_path, content, args, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")

    result = runner.invoke(cli, ["-p", str(tmp_path), "survey", str(bad), *args])

    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}: {message}\n"
    assert result.stdout == ""


# --------------------------------------------------------------------------- report


def test_report_writes_the_summary_workbook(runner, proj, tmp_path):
    out = tmp_path / "summary.xlsx"
    result = run(runner, proj, "report", "-o", str(out), "--survey", str(SURVEY), "--by", "sector")

    assert result.exit_code == 0, result.output
    sheets = [
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
    wb = openpyxl.load_workbook(out)
    # Reliability and Quotes appear once their modules exist (and there is data for them)
    assert wb.sheetnames[: len(sheets)] == sheets
    assert "Framework (internal)" not in wb.sheetnames  # only with --internal
    assert result.stdout == f"Wrote {out} (coder alice; sheets: {', '.join(wb.sheetnames)}).\n"
    # alice and auto share one coded segment: too few for agreement statistics
    assert "Reliability" not in wb.sheetnames
    assert result.stderr.startswith("Warning: the Reliability sheet is left out: ")
    survey = {r[0]: r for r in wb["Survey"].iter_rows(min_row=2, values_only=True)}
    assert survey[Q1][5] == pytest.approx(0.6)


def test_report_with_a_coder_and_agree_levels(runner, proj, tmp_path):
    out = tmp_path / "summary.xlsx"
    result = run(
        runner,
        proj,
        "report",
        "-o",
        str(out),
        "--coder",
        "auto",
        "--survey",
        str(SURVEY),
        "--agree",
        "5",
    )

    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Coder used"] == "auto"
    survey = {r[0]: r for r in wb["Survey"].iter_rows(min_row=2, values_only=True)}
    assert survey[Q1][4] == 1  # agree count with only "Strongly agree"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--survey", "{bad}"],
            'Error: {bad}: column "Q1" has values outside the scale: row 3 "Maybe"; '
            "use Strongly disagree ... Strongly agree, 1-5, or Yes/No\n",
            id="survey-outside-the-scale",
        ),
        pytest.param(
            ["--by", "region"],
            "Error: the participants register has no column 'region'; its attribute columns "
            "are sector (any register column, such as role, also works).\n",
            id="unknown-by",
        ),
        pytest.param(
            ["--coder", "carol"],
            "Error: the project has no codings by coder 'carol'; the coders are auto, alice.\n",
            id="unknown-coder",
        ),
    ],
)
def test_report_bad_input_leaves_the_old_workbook(runner, proj, tmp_path, args, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,Q1\nR1,Agree\nR2,Maybe\nR3,Agree\n", encoding="utf-8")
    out = tmp_path / "summary.xlsx"
    out.write_bytes(b"last week's workbook")
    before = state(proj)

    result = run(runner, proj, "report", "-o", str(out), *[a.format(bad=bad) for a in args])

    assert result.exit_code == 1
    assert result.stderr == message.format(bad=bad)
    assert out.read_bytes() == b"last week's workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "proj", "summary.xlsx"]
    assert state(proj) == before


def test_report_wants_an_xlsx_file(runner, proj, tmp_path):
    out = tmp_path / "summary.csv"
    result = run(runner, proj, "report", "-o", str(out))

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out}: the report is written as .xlsx (the summary workbook) or .docx (the "
        "findings draft); name the file e.g. summary.xlsx or findings.docx.\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("command", ["prevalence", "matrix", "framework", "survey", "report"])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])

    assert result.exit_code == 0
    assert "Example:" in result.output


def test_survey_columns_can_be_named_and_a_half_wrong_statement_is_an_error(runner, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "participant_id,band,Partnering helped\nS1,1,4\nS2,2,6\nS3,3,5\nS4,1,6\n", "utf-8"
    )
    bad = runner.invoke(cli, ["survey", str(path)])
    assert bad.exit_code == 1
    assert 'row 3 "6"' in bad.stderr and 'row 5 "6"' in bad.stderr
    path.write_text("participant_id,band,Partnering helped\nS1,1,4\nS2,2,5\nS3,3,2\n", "utf-8")
    good = runner.invoke(cli, ["survey", str(path), "--attribute", "band", "--format", "csv"])
    assert good.exit_code == 0, good.output
    assert list(csv.DictReader(io.StringIO(good.stdout)))[0]["statement"] == "Partnering helped"
    assert len(list(csv.DictReader(io.StringIO(good.stdout)))) == 1
    assert "read as attributes, not statements: band" in good.stderr


def test_report_internal_adds_the_framework_and_marks_every_sheet(runner, proj, tmp_path):
    out = tmp_path / "team.xlsx"
    result = run(runner, proj, "report", "-o", str(out), "--internal")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "Framework (internal)"
    for ws in wb:
        assert ws.oddHeader.center.text == "INTERNAL - CONTAINS TEXT NOT CLEARED FOR QUOTING"
