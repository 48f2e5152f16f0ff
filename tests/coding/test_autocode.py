"""Tests for mpsp_qual.coding.autocode: lemma phrase matching, fuzzy spelling, exclusions, evidence.

Fuzzy scores are worked out by hand: rapidfuzz's ``fuzz.ratio`` is the normalised Indel
similarity 100 * (1 - (insertions + deletions) / (len(a) + len(b))).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.coding import autocode as autocode_module
from mpsp_qual.coding.autocode import (
    autocode,
    code_counts,
    coded_segment_table,
    format_evidence,
)
from mpsp_qual.coding.evidence import evidence_strength
from mpsp_qual.core.errors import ProjectError, UnknownCode
from mpsp_qual.core.model import AUTO_CODER

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"
PARTNERSHIPS = ROOT / "codebooks" / "partnerships.yaml"

REGISTER = """\
participant_id,transcript,speaker,withdrawn
P01,talk.txt,Ann Bell,no
P02,talk.txt,Dev Rao,no
P03,talk.txt,Gus Hale,yes
"""


def codebook_yaml(*codes: str) -> str:
    body = textwrap.indent(textwrap.dedent("\n".join(codes)), "  ")
    return f'codebook: Test\nversion: "1"\ncodes:\n{body}\n'


PARTNER = """\
- id: partnering
  name: Partnering
  keywords: [partner]
"""
LEAD = """\
- id: lead-provider
  name: Lead provider
  keywords: ["lead provider"]
"""
VALUES = """\
- id: misaligned-values
  name: Misaligned values
  keywords: [value, misaligned]
  exclude_keywords: ["value for money"]
"""
CAPACITY = """\
- id: capacity
  name: Capacity
  keywords: [capacity, "on top of the day job", "day job"]
"""


def make_project(tmp_path: Path, transcript: str, *codes: str) -> Project:
    d = tmp_path / "in"
    d.mkdir(exist_ok=True)
    (d / "codebook.yaml").write_text(codebook_yaml(*codes), encoding="utf-8")
    (d / "participants.csv").write_text(REGISTER, encoding="utf-8")
    (d / "talk.txt").write_text(textwrap.dedent(transcript), encoding="utf-8")
    project = Project.init(
        tmp_path / "proj", codebook=d / "codebook.yaml", register=d / "participants.csv"
    )
    project.import_transcripts([d / "talk.txt"])
    return project


def auto_codings(project: Project):
    return project.codings(coder=AUTO_CODER)


def matches(project: Project, code: str) -> list[dict]:
    rows = auto_codings(project)
    return [m for ev in rows[rows["code"] == code]["evidence"] for m in ev]


def test_inflected_and_capitalised_forms_match_the_lemma(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Tell me about it.
        Ann Bell: Partnering was new. We partnered twice, and our partners liked it.
        """,
        PARTNER,
    )
    autocode(project)
    found = matches(project, "partnering")
    assert [m["text"] for m in found] == ["Partnering", "partnered", "partners"]
    assert {(m["keyword"], m["kind"], m["score"]) for m in found} == {("partner", "exact", 100)}
    text = project.document_text("talk.txt")
    assert all(text[m["start"] : m["end"]] == m["text"] for m in found)


def test_a_phrase_keyword_matches_its_words_in_order_only(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Who led?
        Ann Bell: We were the lead provider, then two leading providers bid.
        Interviewer: And you?
        Dev Rao: I had to lead, and the provider was slow. Provider lead times were long.
        """,
        LEAD,
    )
    autocode(project)
    codings = auto_codings(project)
    assert list(codings["participant_id"]) == ["P01"]
    assert [m["text"] for m in codings.iloc[0]["evidence"]] == [
        "lead provider",
        "leading providers",
    ]


def test_an_exclude_phrase_vetoes_an_overlapping_match_only(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: What mattered?
        Ann Bell: Value for money was all they talked about.
        Interviewer: And for you?
        Dev Rao: Our values were misaligned. Value for money came later.
        """,
        VALUES,
    )
    autocode(project)
    codings = auto_codings(project)
    assert list(codings["participant_id"]) == ["P02"]
    assert [m["text"] for m in codings.iloc[0]["evidence"]] == ["values", "misaligned"]


def test_a_misspelt_keyword_matches_fuzzily_with_its_score(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Why?
        Ann Bell: There is only so much capcity in the system.
        """,
        CAPACITY,
    )
    autocode(project)
    [match] = matches(project, "capacity")
    # "capcity" (7) to "capacity" (8): one insertion, so 100 * (1 - 1/15) = 93.3.
    assert match == {
        "keyword": "capacity",
        "text": "capcity",
        "start": project.document_text("talk.txt").index("capcity"),
        "end": project.document_text("talk.txt").index("capcity") + 7,
        "kind": "fuzzy",
        "score": 93.3,
    }


@pytest.mark.parametrize(
    ("fuzzy", "coded"),
    [
        pytest.param(0, False, id="fuzzy-0-off"),
        pytest.param(94, False, id="threshold-above-93.3"),
        pytest.param(93, True, id="threshold-below-93.3"),
    ],
)
def test_the_fuzzy_threshold_is_per_code(tmp_path, fuzzy, coded):
    code = CAPACITY + f"  fuzzy: {fuzzy}\n"
    project = make_project(
        tmp_path,
        """\
        Interviewer: Why?
        Ann Bell: There is only so much capcity in the system.
        """,
        code,
        PARTNER,
    )
    autocode(project)
    assert bool(matches(project, "capacity")) is coded


def test_words_shorter_than_five_letters_are_never_fuzzy_matched(tmp_path):
    trust = """\
    - id: broker
      name: Neutral broker
      keywords: [trust]
      fuzzy: 85
    """
    project = make_project(
        tmp_path,
        """\
        Interviewer: Why?
        Ann Bell: There was no trst at first.
        Dev Rao: Trusst came later.
        """,
        trust,
    )
    autocode(project)
    # "trst" (4) to "trust" (5): 100 * (1 - 1/9) = 88.9 >= 85, but it is too short;
    # "trusst" (6): one deletion, 100 * (1 - 1/11) = 90.9.
    assert [(m["text"], m["score"]) for m in matches(project, "broker")] == [("Trusst", 90.9)]


def test_the_longer_of_two_nested_matches_of_a_code_is_kept(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: How was it?
        Ann Bell: It was on top of the day job, and the day job never stops.
        """,
        CAPACITY,
    )
    autocode(project)
    assert [m["text"] for m in matches(project, "capacity")] == ["on top of the day job", "day job"]


def test_the_interviewer_and_withdrawn_participants_are_never_coded(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Was capacity the issue?
        Gus Hale: Capacity, yes, capacity.
        Ann Bell: No.
        """,
        CAPACITY,
    )
    counts = autocode(project)
    assert auto_codings(project).empty
    assert project.codings(coder=AUTO_CODER, include_withdrawn=True).empty
    assert counts.set_index("code").loc["capacity", "segments"] == 0
    assert counts.attrs["segments"] == 1  # Ann Bell's turn only


def test_a_participant_who_withdraws_loses_their_auto_codings_on_the_next_run(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Was capacity the issue?
        Dev Rao: Capacity, yes.
        """,
        CAPACITY,
    )
    autocode(project)
    assert list(auto_codings(project)["participant_id"]) == ["P02"]
    register = tmp_path / "in" / "participants.csv"
    register.write_text(REGISTER.replace("Dev Rao,no", "Dev Rao,yes"), encoding="utf-8")
    project.load_register(register)
    autocode(project)
    assert project.codings(coder=AUTO_CODER, include_withdrawn=True).empty
    assert project.coded_segments(AUTO_CODER) == []


def test_rerunning_replaces_auto_codings_and_leaves_human_codings(project):
    before_auto = autocode(project)
    human = [
        ("alpha.txt#3.0", "capacity-constraints", {"note": "checked"}),
        ("beta.txt#2.0", "new-markets", None),
    ]
    project.record_codings(
        "alice",
        human,
        segments=["alpha.txt#3.0", "beta.txt#2.0"],
        memos={"alpha.txt#3.0": "clear case"},
    )
    alice = project.codings(coder="alice")
    alice_memos = project.memos(coder="alice")
    first = auto_codings(project)
    after_auto = autocode(project)
    assert project.codings(coder="alice").equals(alice)
    assert project.memos(coder="alice").equals(alice_memos)
    assert auto_codings(project).equals(first)
    assert before_auto.equals(after_auto)


def test_small_project_counts_by_hand(project):
    counts = autocode(project).set_index("code")
    # alpha: Alice Moss says stretched + capacity (one turn) and different agenda +
    # misaligned (another); beta: Ben Hart says "lead provider" (and "Value for money",
    # no keyword), Cara Lin "diversify" and "new market". 5 participant segments.
    assert counts.loc["capacity-constraints", ["segments", "participants"]].tolist() == [1, 1]
    assert counts.loc["misaligned-values", ["segments", "participants"]].tolist() == [1, 1]
    assert counts.loc["lead-provider", ["segments", "participants"]].tolist() == [1, 1]
    assert counts.loc["new-markets", ["segments", "participants"]].tolist() == [1, 1]
    assert list(counts.index) == [
        "misaligned-values",
        "lead-provider",
        "capacity-constraints",
        "new-markets",
    ]
    assert counts.attrs == {"segments": 5, "codings": 4, "dry_run": False}


def test_dry_run_writes_nothing(project):
    audit_before = project.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    counts = autocode(project, dry_run=True)
    assert counts["segments"].sum() == 4
    assert auto_codings(project).empty
    assert project.coded_segments(AUTO_CODER) == []
    assert project.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audit_before


def test_progress_is_reported_per_document(project):
    seen = []
    autocode(project, dry_run=True, progress=lambda done, name: seen.append((done, name)))
    assert seen == [(1, "alpha.txt"), (2, "beta.txt")]


def test_a_project_without_a_codebook_is_refused(tmp_path):
    project = Project.init(tmp_path / "bare")
    with pytest.raises(ProjectError, match="has no codebook"):
        autocode(project)


def test_format_evidence_is_one_compact_line():
    evidence = [
        {
            "keyword": "partner",
            "text": "partnered",
            "start": 1,
            "end": 10,
            "kind": "exact",
            "score": 100,
        },
        {
            "keyword": "capacity",
            "text": "capcity",
            "start": 20,
            "end": 27,
            "kind": "fuzzy",
            "score": 93.3,
        },
    ]
    assert (
        format_evidence(evidence) == 'partner ("partnered", exact); capacity~"capcity" (fuzzy 93)'
    )
    assert format_evidence(None) == ""
    assert format_evidence({"note": "checked"}) == '{"note":"checked"}'


def test_evidence_strength_weighs_each_match_by_its_score():
    exact = {"keyword": "a", "text": "a", "start": 0, "end": 1, "kind": "exact", "score": 100}
    fuzzy = {**exact, "kind": "fuzzy", "score": 91.0}
    assert evidence_strength([exact, fuzzy]) == 1.91
    assert evidence_strength([fuzzy]) == 0.91
    assert evidence_strength(None) == 1.0  # a human's coding: one judgement
    assert sorted([[fuzzy], [exact], [exact, fuzzy]], key=evidence_strength, reverse=True) == [
        [exact, fuzzy],
        [exact],
        [fuzzy],
    ]


def test_code_counts_are_direct_per_coder(project):
    autocode(project)
    project.record_codings(
        "alice", [("beta.txt#1.0", "lead-provider", None)], segments=["beta.txt#1.0"]
    )
    table = code_counts(project).set_index("id")
    assert list(table.columns) == [
        "name",
        "level",
        "auto segments",
        "auto participants",
        "alice segments",
        "alice participants",
    ]
    assert table.loc["lead-provider", ["level", "auto segments", "alice segments"]].tolist() == [
        3,
        1,
        1,
    ]
    # misaligned-values (parent of lead-provider) counts only its own codings.
    assert table.loc["misaligned-values", ["auto segments", "alice segments"]].tolist() == [1, 0]
    assert table.loc["challenges", ["level", "auto segments"]].tolist() == [1, 0]


def test_coded_segment_table_includes_codes_below_and_their_evidence(project):
    autocode(project)
    table = coded_segment_table(project, code="misaligned-values")
    assert list(table["segment_id"]) == ["alpha.txt#3.0", "beta.txt#1.0"]
    assert list(table["codes"]) == ["misaligned-values", "lead-provider"]
    lead = table.iloc[1]
    assert [(m["code"], m["text"]) for m in lead["evidence"]] == [
        ("lead-provider", "lead provider")
    ]
    assert lead["text"][lead["evidence"][0]["start"] - lead["start"] :].startswith("lead provider")
    with pytest.raises(UnknownCode, match="no code 'nope'"):
        coded_segment_table(project, code="nope")


@pytest.mark.skipif(not (SAMPLE / "interviews").is_dir(), reason="sample not present")
def test_the_sample_slips_and_exclusions(tmp_path):
    project = Project.init(
        tmp_path / "sample", codebook=PARTNERSHIPS, register=SAMPLE / "participants.csv"
    )
    project.import_transcripts([SAMPLE / "interviews"])
    autocode(project)
    codings = auto_codings(project)
    found = [m for ev in codings["evidence"] for m in ev]
    # "capcity" in int07: one insertion from "capacity", 93.3.
    assert {
        "keyword": "capacity",
        "text": "capcity",
        "kind": "fuzzy",
        "score": 93.3,
    }.items() <= next(m for m in found if m["text"] == "capcity").items()
    # "value for money" (three transcripts) never yields a "value" match.
    texts = {d: project.document_text(d) for d in codings["document"].unique()}
    for row in codings[codings["code"] == "misaligned-values"].itertuples():
        for m in row.evidence:
            assert not texts[row.document][m["start"] :].lower().startswith("value for money")
    assert codings["participant_id"].notna().all()
    assert "P06" not in set(
        project.codings(coder=AUTO_CODER, include_withdrawn=True)["participant_id"]
    )


def test_plain_matching_finds_what_the_phrase_matcher_finds(tmp_path):
    # Repeated, overlapping and nested occurrences, a phrase cut off by the segment's
    # end, and a slip that matches only through its stand-in.
    project = make_project(
        tmp_path,
        """\
        Interviewer: How was it?
        Ann Bell: The day job day job, on top of the day job. Lead lead provider, partners partner.
        Dev Rao: Value for money was the value; the lead provider, the capcity, the day
        """,
        PARTNER,
        LEAD,
        VALUES,
        CAPACITY,
    )
    rules = autocode_module._compile(project.codebook)
    for segment in autocode_module._codable_segments(project):
        plain = autocode_module._find(segment.lemmas, rules)
        assert sorted(plain) == sorted(autocode_module._matcher_find(segment.lemmas, rules))
    assert autocode_module._match_all(project) == autocode_module._match_all(
        project, find=autocode_module._matcher_find
    )
    assert autocode_module._match_all(project)[1]


@pytest.mark.skipif(not (SAMPLE / "interviews").is_dir(), reason="sample not present")
def test_plain_matching_codes_the_sample_as_the_phrase_matcher_does(tmp_path):
    project = Project.init(
        tmp_path / "sample", codebook=PARTNERSHIPS, register=SAMPLE / "participants.csv"
    )
    project.import_transcripts([SAMPLE / "interviews"])
    plain = autocode_module._match_all(project)
    assert plain[1]
    assert plain == autocode_module._match_all(project, find=autocode_module._matcher_find)


def test_only_a_withdrawn_participant_speaking_codes_nothing_without_an_error(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Was capacity the issue?
        Gus Hale: Capacity, always capacity.
        """,
        CAPACITY,
    )
    counts = autocode(project)
    assert counts.attrs["segments"] == 0
    assert auto_codings(project).empty


def test_only_the_interviewer_speaking_is_refused_before_matching(tmp_path):
    project = make_project(
        tmp_path,
        """\
        Interviewer: Was capacity the issue? Capacity, always capacity.
        """,
        CAPACITY,
    )
    with pytest.raises(ProjectError, match="no speaker in the imported transcripts is in"):
        autocode(project)
