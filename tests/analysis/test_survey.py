"""Tests for mpsp_qual.analysis.survey: reading survey files and agreement percentages.

Every expected figure is worked out by hand in the test, never by calling the
code under test a second time.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import openpyxl
import pytest

from mpsp_qual.analysis.survey import (
    AGREEMENT_COLUMNS,
    read_survey,
    statement_columns,
    survey_agreement,
    wilson_interval,
)
from mpsp_qual.core.errors import SurveyError

STATEMENT = "Partnering improved outcomes"


def write_csv(
    tmp_path: Path, rows: list[list[str]], *, name: str = "survey.csv", encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def one_statement(tmp_path: Path, answers: list[str], *, header: str = STATEMENT) -> Path:
    rows = [["participant_id", "sector", header]]
    rows += [[f"p{i:02d}", "Health", answer] for i, answer in enumerate(answers, start=1)]
    return write_csv(tmp_path, rows)


def only_row(table):
    assert len(table) == 1
    return table.iloc[0]


# --- wilson_interval -------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson).
        pytest.param(81, 263, 0.2553, 0.3662, id="newcombe-81-of-263"),
        pytest.param(15, 148, 0.0624, 0.1605, id="newcombe-15-of-148"),
        pytest.param(0, 20, 0.0000, 0.1611, id="newcombe-0-of-20"),
        pytest.param(1, 29, 0.0061, 0.1718, id="newcombe-1-of-29"),
    ],
)
def test_wilson_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert round(got[0], 4) == pytest.approx(low, abs=1e-9)
    assert round(got[1], 4) == pytest.approx(high, abs=1e-9)


def test_wilson_16_of_20_worked_by_hand():
    # z = 1.959964, z^2 = 3.841458881, p = 16/20 = 0.8, n = 20
    # denominator = 1 + z^2/n = 1 + 0.192072944 = 1.192072944
    # centre = (p + z^2/2n) / denominator = (0.8 + 0.096036472) / 1.192072944 = 0.751662452
    # half = z / denominator * sqrt(p(1-p)/n + z^2/4n^2)
    #      = 1.644197 * sqrt(0.008 + 0.002400912) = 0.167679886
    low, high = wilson_interval(16, 20)
    assert low == pytest.approx(0.751662452 - 0.167679886, abs=1e-6)  # 0.583982566
    assert high == pytest.approx(0.751662452 + 0.167679886, abs=1e-6)  # 0.919342338


def test_wilson_confidence_changes_z():
    # 90%: z = 1.644854, z^2 = 2.705544; p = 0.5, n = 100
    # denominator = 1.02705544; centre = (0.5 + 0.01352772) / 1.02705544 = 0.5
    # half = 1.644854 / 1.02705544 * sqrt(0.0025 + 0.0000676386) = 0.081129...
    low, high = wilson_interval(50, 100, confidence=0.90)
    half = 1.644854 / 1.02705544 * math.sqrt(0.0025 + 2.705544 / 40000)
    assert low == pytest.approx(0.5 - half, abs=1e-6)
    assert high == pytest.approx(0.5 + half, abs=1e-6)


def test_wilson_of_no_trials_is_nan():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [
        pytest.param(5, 4, 0.95, id="more-successes-than-trials"),
        pytest.param(-1, 4, 0.95, id="negative-successes"),
        pytest.param(1, 4, 1.0, id="confidence-one"),
        pytest.param(1, 4, 95, id="confidence-as-percent"),
    ],
)
def test_wilson_rejects_impossible_arguments(successes, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence=confidence)


# --- survey_agreement: figures ---------------------------------------------------


def test_top_two_box_excludes_blank_and_dont_know(tmp_path):
    # 6 strongly agree + 10 agree = 16 agree; 2 neither; 1 disagree + 1 strongly disagree
    # = 2 disagree; n = 20. One blank and one "Don't know" are left out: excluded = 2.
    answers = (
        ["Strongly agree"] * 6
        + ["Agree"] * 10
        + ["Neither agree nor disagree"] * 2
        + ["Disagree", "Strongly disagree", "", "Don't know"]
    )
    table = survey_agreement(read_survey(one_statement(tmp_path, answers)))
    assert list(table.columns) == AGREEMENT_COLUMNS
    row = only_row(table)
    assert row["statement"] == STATEMENT
    assert row["type"] == "likert"
    assert (row["n"], row["excluded"], row["agree"]) == (20, 2, 16)
    assert row["pct_agree"] == pytest.approx(16 / 20)  # 0.8
    assert row["pct_neither"] == pytest.approx(2 / 20)  # 0.1
    assert row["pct_disagree"] == pytest.approx(2 / 20)  # 0.1
    assert row["ci_low"] == pytest.approx(0.583982566, abs=1e-6)  # worked above
    assert row["ci_high"] == pytest.approx(0.919342338, abs=1e-6)
    assert re.fullmatch(r"80% agree \(95% CI \d+-\d+%\), n = 20", row["label"])


def test_numeric_scale_and_label_spellings(tmp_path):
    # 5, 4, " strongly AGREE " -> 3 agree; 3, "Neutral", "neither agree or disagree" -> 3
    # neither; 1, 2 -> 2 disagree; "4.0" (Excel's whole number) -> agree. n = 9, agree = 4.
    answers = [
        "5", "4", " strongly  AGREE ", "3", "Neutral", "neither agree or disagree",
        "1", "2", "4.0", "DK", "N/A", "Prefer not to say", "dont know",
    ]  # fmt: skip
    row = only_row(survey_agreement(read_survey(one_statement(tmp_path, answers))))
    assert (row["n"], row["excluded"], row["agree"]) == (9, 4, 4)
    assert row["pct_agree"] == pytest.approx(4 / 9)
    assert row["pct_neither"] == pytest.approx(3 / 9)
    assert row["pct_disagree"] == pytest.approx(2 / 9)
    assert re.fullmatch(r"44% agree \(95% CI \d+-\d+%\), n = 9", row["label"])  # 4/9 = 44.4%


def test_yes_no_item_reports_percent_yes(tmp_path):
    # 12 yes (Yes, y, YES) and 4 no (No, N): 12/16 = 0.75 yes, 4/16 = 0.25 no; "N/A" excluded.
    answers = ["Yes"] * 10 + ["y", "YES"] + ["No"] * 3 + ["N", "N/A"]
    row = only_row(survey_agreement(read_survey(one_statement(tmp_path, answers))))
    assert row["type"] == "yes-no"
    assert (row["n"], row["excluded"], row["agree"]) == (16, 1, 12)
    assert row["pct_agree"] == pytest.approx(0.75)
    assert math.isnan(row["pct_neither"])
    assert row["pct_disagree"] == pytest.approx(0.25)
    assert re.fullmatch(r"75% yes \(95% CI \d+-\d+%\), n = 16", row["label"])


def test_label_rounds_half_up(tmp_path):
    # 1 agree of 8 = 12.5%, shown as 13% (not banker's 12%).
    answers = ["Agree"] + ["Disagree"] * 7
    row = only_row(survey_agreement(read_survey(one_statement(tmp_path, answers))))
    assert re.fullmatch(r"13% agree \(95% CI \d+-\d+%\), n = 8", row["label"])


@pytest.mark.parametrize(
    "agree",
    [
        pytest.param({5}, id="number"),
        pytest.param(["Strongly agree"], id="label"),
        pytest.param(5, id="single-number"),
    ],
)
def test_agree_top_box_only(tmp_path, agree):
    # 3 strongly agree, 5 agree, 1 neither, 1 disagree: n = 10.
    # agree = {5}: 3/10 agree; "Agree" is neither: (5 + 1)/10; disagree = 1/10.
    answers = ["5"] * 3 + ["4"] * 5 + ["3", "2"]
    table = survey_agreement(read_survey(one_statement(tmp_path, answers)), agree=agree)
    row = only_row(table)
    assert row["agree"] == 3
    assert row["pct_agree"] == pytest.approx(0.3)
    assert row["pct_neither"] == pytest.approx(0.6)
    assert row["pct_disagree"] == pytest.approx(0.1)
    assert re.fullmatch(r"30% agree \(95% CI \d+-\d+%\), n = 10", row["label"])
    assert table.attrs["agree"] == (5,)


@pytest.mark.parametrize(
    "agree",
    [
        pytest.param({6}, id="off-scale-number"),
        pytest.param({"Yes"}, id="yes"),
        pytest.param(set(), id="empty"),
    ],
)
def test_unusable_agree_levels(tmp_path, agree):
    df = read_survey(one_statement(tmp_path, ["Agree"]))
    with pytest.raises(SurveyError):
        survey_agreement(df, agree=agree)


def test_by_attribute_gives_each_group_and_its_n(tmp_path):
    rows = [["participant_id", "sector", "Secure different contracts", "Shared data"]]
    # Health: 4 answers, 3 agree; yes/no 2 yes of 3 (one blank).
    # Education: 2 answers + 1 Don't know, 1 agree; yes/no 0 yes of 3.
    rows += [
        ["h1", "Health", "Agree", "Yes"],
        ["h2", "Health", "Strongly agree", "Yes"],
        ["h3", "Health", "Agree", "No"],
        ["h4", "Health", "Disagree", ""],
        ["e1", "Education", "Agree", "No"],
        ["e2", "Education", "Neutral", "No"],
        ["e3", "Education", "Don't know", "No"],
    ]
    table = survey_agreement(read_survey(write_csv(tmp_path, rows)), by="sector")
    assert list(table.columns) == ["statement", "sector", *AGREEMENT_COLUMNS[1:]]
    got = {(r.statement, r.sector): (r.n, r.excluded, r.agree, r.label) for r in table.itertuples()}
    small = "; small group (n < 5)"  # every group here has fewer than 5 answers
    assert got == {
        ("Secure different contracts", "Education"): (
            2,
            1,
            1,
            "50% agree (95% CI 9-91%), n = 2" + small,
        ),
        ("Secure different contracts", "Health"): (
            4,
            0,
            3,
            "75% agree (95% CI 30-95%), n = 4" + small,
        ),
        ("Shared data", "Education"): (3, 0, 0, "0% yes (95% CI 0-56%), n = 3" + small),
        ("Shared data", "Health"): (3, 1, 2, "67% yes (95% CI 21-94%), n = 3" + small),
    }
    # Statement by statement, groups sorted.
    assert list(table["sector"]) == ["Education", "Health", "Education", "Health"]


def test_groups_of_fewer_than_five_answers_are_flagged_small(tmp_path):
    # Health: 5 valid answers (4 agree) is not small; Education: 4 valid answers (one
    # more is "Don't know", which is not counted) is; the whole sample is never flagged.
    rows = [["participant_id", "sector", "Q1"]]
    rows += [[f"h{i}", "Health", a] for i, a in enumerate(["5", "4", "4", "4", "2"])]
    rows += [[f"e{i}", "Education", a] for i, a in enumerate(["5", "1", "2", "3", "Don't know"])]
    df = read_survey(write_csv(tmp_path, rows))
    labels = dict(
        zip(survey_agreement(df, by="sector")["sector"], survey_agreement(df, by="sector")["label"])
    )
    assert labels == {
        "Education": "25% agree (95% CI 5-70%), n = 4; small group (n < 5)",
        "Health": "80% agree (95% CI 38-96%), n = 5",
    }
    assert "small" not in survey_agreement(df)["label"].iloc[0]  # n = 9, no groups


def test_unknown_by_names_the_attribute_columns(tmp_path):
    df = read_survey(one_statement(tmp_path, ["Agree"]))
    with pytest.raises(SurveyError, match=r'no attribute column "region".*"sector"'):
        survey_agreement(df, by="region")


def test_statement_without_valid_answers(tmp_path):
    rows = [["participant_id", "Q1", "Q2"], ["p1", "Agree", "Don't know"], ["p2", "Agree", ""]]
    table = survey_agreement(read_survey(write_csv(tmp_path, rows)), statements=["Q1", "Q2"])
    row = table.set_index("statement").loc["Q2"]
    assert (row["n"], row["excluded"], row["agree"]) == (0, 2, 0)
    assert math.isnan(row["pct_agree"]) and math.isnan(row["ci_low"])
    assert row["label"] == "no valid answers"


def test_out_of_scale_values_list_every_row(tmp_path):
    # Rows in the spreadsheet: header = 1, so the answers are rows 2..10.
    answers = ["Agree", "Agree", "Agreee", "Agree", "5", "4", "Disagree", "7", "Agree"]
    df = read_survey(one_statement(tmp_path, answers))
    with pytest.raises(SurveyError) as caught:
        survey_agreement(df)
    assert str(caught.value) == (
        f'{tmp_path / "survey.csv"}: column "{STATEMENT}" has values outside the scale: '
        'row 4 "Agreee", row 9 "7"; use Strongly disagree ... Strongly agree, 1-5, or Yes/No'
    )


def test_row_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("participant_id,Q1\np1,Agree\n\np2,Agree\np3,Agre\n", encoding="utf-8")
    with pytest.raises(SurveyError, match=r'row 5 "Agre"'):
        survey_agreement(read_survey(path))


# --- column roles ----------------------------------------------------------------


def test_statement_columns_detection_and_overrides(tmp_path):
    rows = [
        ["participant_id", "sector", "lead", "Q1", "Q2", "notes"],
        ["p1", "Health", "Yes", "Agree", "1", "fine"],
        ["p2", "Education", "No", "", "5", ""],
        ["p3", "Health", "No", "Don't know", "", "late"],
    ]
    df = read_survey(write_csv(tmp_path, rows))
    assert statement_columns(df) == ["lead", "Q1", "Q2"]
    assert statement_columns(df, attributes=["lead"]) == ["Q1", "Q2"]
    assert statement_columns(df, statements=["Q2"]) == ["Q2"]
    with pytest.raises(SurveyError, match="does not have"):
        statement_columns(df, statements=["Q9"])
    # A yes/no column used as by is an attribute, not a statement.
    table = survey_agreement(df, by="lead")
    assert set(table["statement"]) == {"Q1", "Q2"}


# --- read_survey -----------------------------------------------------------------


def test_cells_are_stripped_strings(tmp_path):
    rows = [[" participant_id ", " sector ", "Q1"], [" p1 ", " Health ", " 4 "], ["p2", "", ""]]
    df = read_survey(write_csv(tmp_path, rows))
    assert list(df.columns) == ["participant_id", "sector", "Q1"]
    assert df.loc[2].tolist() == ["p1", "Health", "4"]
    assert df.loc[3].tolist() == ["p2", "", ""]
    assert df.index.name == "row"


def test_windows_1252_curly_apostrophe_dont_know(tmp_path):
    rows = [
        ["participant_id", "Q1"],
        ["p1", "Agree"],
        ["p2", "Don\u2019t know"],
        ["p3", "Disagree"],
    ]
    path = write_csv(tmp_path, rows, encoding="cp1252")
    assert b"Don\x92t know" in path.read_bytes()
    df = read_survey(path)
    assert df.loc[3, "Q1"] == "Don\u2019t know"
    row = only_row(survey_agreement(df))
    # Agree + Disagree valid, Don't know excluded: 1 of 2 = 50%.
    assert (row["n"], row["excluded"], row["agree"]) == (2, 1, 1)
    assert re.fullmatch(r"50% agree \(95% CI \d+-\d+%\), n = 2", row["label"])


def test_utf8_bom_header(tmp_path):
    path = write_csv(tmp_path, [["participant_id", "Q1"], ["p1", "Agree"]], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(read_survey(path).columns) == ["participant_id", "Q1"]


def test_xlsx_numbers_become_text(tmp_path):
    path = tmp_path / "survey.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["participant_id", "sector", "Q1"])
    sheet.append([101, "Health", 4])
    sheet.append([102, "Health", 2])
    sheet.append([103, None, "Strongly agree"])
    workbook.save(path)
    df = read_survey(path)
    assert df["participant_id"].tolist() == ["101", "102", "103"]
    assert df["sector"].tolist() == ["Health", "Health", ""]
    row = only_row(survey_agreement(df))
    assert (row["n"], row["agree"], row["label"]) == (3, 2, "67% agree (95% CI 21-94%), n = 3")


def test_missing_id_column(tmp_path):
    path = write_csv(tmp_path, [["id", "Q1"], ["p1", "Agree"]])
    with pytest.raises(SurveyError, match=r'no "participant_id" column \(found "id", "Q1"\)'):
        read_survey(path)
    assert read_survey(path, id_column="id")["id"].tolist() == ["p1"]


def test_duplicate_ids_name_the_rows(tmp_path):
    rows = [["participant_id", "Q1"], ["p1", "Agree"], ["p2", "Agree"], ["p1", "Disagree"]]
    with pytest.raises(SurveyError, match=r'duplicate participant_id "p1" on rows 2, 4'):
        read_survey(write_csv(tmp_path, rows))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("survey.csv", None, "not found", id="missing-file"),
        pytest.param("survey.csv", b"", "is empty", id="empty-file"),
        pytest.param("survey.csv", b"\r\n  \r\n", "is empty", id="blank-lines-only"),
        pytest.param("survey.csv", b"participant_id,Q1\n", "no responses", id="header-only"),
        pytest.param("survey.xls", b"x", r"save the survey as \.csv or \.xlsx", id="xls"),
        pytest.param("survey.xlsx", b"not a zip", "cannot be read", id="corrupt-xlsx"),
        pytest.param("survey.csv", b"participant_id,Q1\n,Agree\n", "row 2 has no", id="blank-id"),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SurveyError, match=message) as caught:
        read_survey(path)
    assert str(path) in str(caught.value)


def test_xlsx_rows_keep_spreadsheet_numbers_below_blank_rows(tmp_path):
    path = tmp_path / "survey.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "participant_id", "Q1"
    sheet["B4"], sheet["C4"] = "p1", "Agree"
    sheet["B5"], sheet["C5"] = "p2", "Agree"
    sheet["B6"], sheet["C6"] = "p3", "Agre"
    workbook.save(path)
    df = read_survey(path)
    assert list(df.columns) == ["participant_id", "Q1"]
    with pytest.raises(SurveyError, match=r'row 6 "Agre"'):
        survey_agreement(df)


def test_a_register_given_as_a_survey_is_named(small_files):
    from mpsp_qual.core.errors import SurveyError
    from mpsp_qual.inputs.survey_io import read_survey

    with pytest.raises(SurveyError, match="is a participants register .*not survey responses"):
        read_survey(small_files["register"])
