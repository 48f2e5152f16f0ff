"""Prevalence, breakdowns and matrices on a small hand-built project.

The project (tests/data/analysis) has five registered participants: P01 and P02
(Health) in one.txt, P03 (Social care) and P05 (Social care, withdrawn) in two.txt,
and P04 (Housing), whose transcript was never imported. So n = 3. Alice coded every
participant segment:

    one.txt#1.0  P01  lead-provider
    one.txt#3.0  P01  new-markets
    one.txt#4.0  P02  misaligned-values, capacity-constraints
    two.txt#1.0  P03  lead-provider
    two.txt#3.0  P03  new-markets
    two.txt#2.0  P05  misaligned-values, new-markets, capacity-constraints  (withdrawn)

and "auto" coded one.txt#4.0 with capacity-constraints only. Every expected figure
below is worked out by hand from this table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import build_analysis_project

from mpsp_qual.analysis.aggregate import (
    PREVALENCE_COLUMNS,
    case_code,
    cooccurrence,
    framework_matrix,
    prevalence,
    resolve_coder,
    trim_excerpt,
)
from mpsp_qual.app.demo import summary_step
from mpsp_qual.core.errors import AnalysisError, UnknownCode

DATA = Path(__file__).resolve().parents[1] / "data" / "analysis"


def by_code(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("code")


def test_prevalence_counts_distinct_units_rolls_up_and_leaves_out_withdrawn(analysis):
    table = prevalence(analysis)

    assert list(table.columns) == PREVALENCE_COLUMNS
    assert table.attrs["coder"] == "alice"
    assert table.attrs["n"] == 3
    assert list(table["code"]) == [
        "challenges",
        "misaligned-values",
        "lead-provider",
        "capacity-constraints",
        "benefits",
        "new-markets",
    ]
    got = by_code(table)
    expected = {
        # code: (segments, documents, participants)
        # four codings on three segments: counted once each
        "challenges": (3, 2, 3),
        # lead-provider (P01, P03) rolls up into misaligned-values (P02)
        "misaligned-values": (3, 2, 3),
        "lead-provider": (2, 2, 2),
        # P05 (withdrawn) would make this 2 segments in 2 documents
        "capacity-constraints": (1, 1, 1),
        "benefits": (2, 2, 2),
        "new-markets": (2, 2, 2),
    }
    for code, (segments, documents, participants) in expected.items():
        row = got.loc[code]
        assert (row["segments"], row["documents"], row["participants"]) == (
            segments,
            documents,
            participants,
        ), code
        assert row["n"] == 3
        assert row["pct_participants"] == pytest.approx(participants / 3)
    assert list(table["level"]) == [1, 2, 3, 2, 1, 2]


def test_prevalence_of_another_coder(analysis):
    table = by_code(prevalence(analysis, coder="auto"))

    assert table.attrs["coder"] == "auto"
    assert table.loc["capacity-constraints", "participants"] == 1
    assert table.loc["challenges", "pct_participants"] == pytest.approx(1 / 3)
    assert table.loc["new-markets", "participants"] == 0


def test_prevalence_by_sector_gives_each_groups_n(analysis):
    table = prevalence(analysis, by="sector")

    assert list(table.columns) == ["sector", *PREVALENCE_COLUMNS]
    # Health: P01, P02; Social care: P03 only (P05 withdrawn); Housing: P04 has no segments
    sizes = table.drop_duplicates("sector").set_index("sector")["n"].to_dict()
    assert sizes == {"Health": 2, "Social care": 1}
    health = by_code(table[table["sector"] == "Health"])
    assert health.loc["challenges", "pct_participants"] == 1.0
    assert health.loc["lead-provider", "participants"] == 1
    assert health.loc["lead-provider", "pct_participants"] == 0.5
    assert health.loc["capacity-constraints", "pct_participants"] == 0.5
    social = by_code(table[table["sector"] == "Social care"])
    assert social.loc["capacity-constraints", "participants"] == 0
    assert social.loc["new-markets", "pct_participants"] == 1.0


def test_prevalence_by_a_reserved_register_column(analysis):
    table = prevalence(analysis, by="role")

    sizes = table.drop_duplicates("role").set_index("role")["n"].to_dict()
    assert sizes == {"Chief Executive": 1, "Director": 2}


def test_unknown_by_column_and_coder_are_errors(analysis):
    with pytest.raises(AnalysisError, match="no column 'region'; its attribute columns are sector"):
        prevalence(analysis, by="region")
    with pytest.raises(
        AnalysisError, match="no codings by coder 'carol'; the coders are auto, alice"
    ):
        prevalence(analysis, coder="carol")


def test_default_coder_falls_back_to_auto_without_human_codings(project):
    table = prevalence(project)

    assert resolve_coder(project) == "auto"
    assert table.attrs["coder"] == "auto"
    assert table.attrs["n"] == 3
    assert (table["participants"] == 0).all()
    assert (table["pct_participants"] == 0).all()
    assert case_code(project)[["challenges", "new-markets"]].to_numpy().sum() == 0
    assert cooccurrence(project)["new-markets"].fillna(0).sum() == 0


def test_case_code_counts_segments_per_participant(analysis):
    table = case_code(analysis).set_index("participant_id")

    assert list(table.index) == ["P01", "P02", "P03"]
    assert table.loc["P01", "attribution"] == "@Health PSM"
    assert table["segments"].to_dict() == {"P01": 2, "P02": 1, "P03": 2}
    assert table.loc["P01", ["challenges", "lead-provider", "capacity-constraints"]].tolist() == [
        1,
        1,
        0,
    ]
    assert table.loc["P02", ["misaligned-values", "capacity-constraints", "benefits"]].tolist() == [
        1,
        1,
        0,
    ]
    assert table.loc["P03", "new-markets"] == 1


def test_case_code_with_chosen_codes(analysis):
    table = case_code(analysis, codes=["new-markets", "lead-provider"])

    assert list(table.columns) == [
        "participant_id",
        "attribution",
        "segments",
        "new-markets",
        "lead-provider",
    ]
    with pytest.raises(UnknownCode):
        case_code(analysis, codes=["no-such-code"])


def test_cooccurrence_of_segments(analysis):
    table = cooccurrence(analysis).set_index("code")

    assert table.loc["misaligned-values", "capacity-constraints"] == 1  # one.txt#4.0
    assert table.loc["capacity-constraints", "misaligned-values"] == 1
    assert table.loc["lead-provider", "capacity-constraints"] == 0
    # P05's withdrawn segment carries both; it must not count
    assert table.loc["new-markets", "capacity-constraints"] == 0
    assert table.loc["challenges", "benefits"] == 0
    assert table.loc["challenges", "challenges"] == 3
    assert table.loc["lead-provider", "lead-provider"] == 2
    # a code and its ancestor co-occur by construction: left empty
    assert pd.isna(table.loc["lead-provider", "misaligned-values"])
    assert pd.isna(table.loc["challenges", "lead-provider"])


def test_cooccurrence_of_participants(analysis):
    table = cooccurrence(analysis, unit="participants").set_index("code")

    assert table.attrs["unit"] == "participants"
    assert table.loc["challenges", "benefits"] == 2  # P01, P03
    assert table.loc["lead-provider", "new-markets"] == 2
    assert table.loc["misaligned-values", "capacity-constraints"] == 1  # P02
    assert table.loc["capacity-constraints", "new-markets"] == 0  # only withdrawn P05
    with pytest.raises(AnalysisError, match="unknown co-occurrence unit 'turns'"):
        cooccurrence(analysis, unit="turns")


def test_framework_matrix_cells_hold_trimmed_excerpts_and_counts(analysis):
    table = framework_matrix(analysis).set_index("participant_id")

    assert list(table.columns) == [
        "attribution",
        "sector",
        "challenges",
        "challenges_n",
        "benefits",
        "benefits_n",
    ]
    assert list(table.index) == ["P01", "P02", "P03"]
    assert table.loc["P01", "challenges"] == '=HYPERLINK("http://example.com","x")'
    assert table.loc["P01", "benefits"] == (
        "+44 was the dialling code of our first new market abroad."
    )
    assert table.loc["P02", "benefits"] == ""
    assert table.loc["P02", "benefits_n"] == 0
    forty = (DATA / "two.txt").read_text(encoding="utf-8").split("Cat Cole: ")[2].split()[:40]
    assert table.loc["P03", "benefits"] == " ".join(forty) + "…"
    assert table.loc["P03", "benefits"].endswith("thirty-nine forty…")
    assert "Zebra quartz marmalade" not in table.to_string()


def test_framework_matrix_with_chosen_codes_and_attributes(analysis):
    table = framework_matrix(
        analysis, codes=["new-markets", "lead-provider"], words=3, attributes=[]
    )

    assert table.attrs["codes"] == ("new-markets", "lead-provider")
    assert list(table.columns) == [
        "participant_id",
        "attribution",
        "new-markets",
        "new-markets_n",
        "lead-provider",
        "lead-provider_n",
    ]
    rows = table.set_index("participant_id")
    assert rows.loc["P01", "new-markets"] == "+44 was the…"
    assert rows.loc["P03", "lead-provider"] == "@partners kept asking…"
    assert rows["lead-provider_n"].tolist() == [1, 0, 1]
    with pytest.raises(AnalysisError, match="no column 'region'"):
        framework_matrix(analysis, attributes=["region"])


def test_framework_matrix_separates_excerpts_with_blank_lines(tmp_path):
    project = build_analysis_project(tmp_path / "p")
    segments = project.segments(participants_only=True)["segment_id"].tolist()
    project.record_codings(
        "alice",
        [(s, "capacity-constraints", None) for s in segments],
        segments=segments,
    )
    table = framework_matrix(project, codes=["challenges"], words=4).set_index("participant_id")
    project.close()

    assert table.loc["P01", "challenges_n"] == 2
    assert table.loc["P01", "challenges"] == (
        '=HYPERLINK("http://example.com","x")\n\n+44 was the dialling…'
    )


def test_trim_excerpt():
    assert trim_excerpt("  short text  ", words=5) == "short text"
    assert trim_excerpt("a b c d e f", words=4) == "a b c d…"


def test_demo_step_shows_prevalence_and_writes_the_summary(analysis, tmp_path):
    lines: list[str] = []
    shown: dict[str, pd.DataFrame] = {}

    summary = summary_step(
        analysis,
        tmp_path / "out",
        log=lines.append,
        show=lambda title, frame: shown.update({title: frame}),
        survey=DATA / "survey.csv",
    )

    assert (tmp_path / "out" / "summary.xlsx").is_file()
    assert "Survey" in summary.sheets and "By sector" in summary.sheets
    (title,) = shown
    assert title == "Prevalence (coder alice, n = 3 participants)"
    assert shown[title].set_index("code").loc["lead-provider", "pct_participants"] == "67%"
    assert lines[-1].startswith(f"Wrote {tmp_path / 'out' / 'summary.xlsx'} (")
