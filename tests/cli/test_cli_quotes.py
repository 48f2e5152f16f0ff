"""The quotes, verify and participant commands: exit codes, messages, and the state after."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SAMPLE, code_small, distinctive_phrases, output_text, raw_bytes
from openpyxl import load_workbook

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.consent.approvals import approvals, require_approval
from mpsp_qual.formats.quotebank import fill_decisions

ALICE_1 = "We were stretched, honestly. Our capacity was the problem from day one."
BEN = "The marmalade protocol never worked for us, and the lead provider kept changing."


@pytest.fixture
def coded(project: Project) -> Project:
    code_small(project)
    return project


def run(runner, project: Project, *args: str):
    return runner.invoke(cli, ["-p", str(project.directory), *args])


def test_quotes_lists_by_status(runner, coded):
    result = run(runner, coded, "quotes")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "(none)"  # nothing approved yet
    result = run(runner, coded, "quotes", "--status", "pending", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "quote_id,code,participant_id,attribution,start_time,words,status,text"
    )
    assert "Our capacity was the problem" in result.stdout
    assert "marmalade" not in result.stdout


@pytest.mark.parametrize("attribution", ["label", "named"])
@pytest.mark.parametrize("approval", ["on", "off"])
@pytest.mark.parametrize("code", [None, "lead-provider"])
def test_quotes_files_never_hold_declined_words(
    runner, coded, tmp_path, attribution, approval, code
):
    for r in coded.store.execute(
        "SELECT segment_id, participant_id, start, end, text FROM segment_view "
        "WHERE participant_id IS NOT NULL"
    ).fetchall():
        coded.store.execute(
            "INSERT INTO quote_approvals VALUES (?, ?, ?, ?, ?, 'approved', NULL, '2025-01-01')",
            tuple(r),
        )
    assert run(runner, coded, "quotes", "require-approval", approval).exit_code == 0
    options = ["--attribution", attribution, "--status", "all"]
    if code:
        options += ["--code", code]
    for suffix in (".md", ".docx", ".xlsx", ".csv"):
        out = tmp_path / f"quotes{suffix}"
        result = run(runner, coded, "quotes", *options, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"Wrote {out} (")
        assert "marmalade" not in output_text(out)
    requests = tmp_path / "requests"
    result = run(runner, coded, "quotes", "request", "--all", "-o", str(requests), *options[4:])
    assert result.exit_code == 0, result.output
    assert {f.name for f in requests.iterdir()} <= {"P01.xlsx", "P03.xlsx"}
    assert not any("marmalade" in output_text(f) for f in requests.iterdir())


def test_quotes_bad_options(runner, coded, tmp_path):
    result = run(runner, coded, "quotes", "-o", str(tmp_path / "quotes.pdf"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: quotes.pdf: quotes are written as .md, .docx, .xlsx, .csv or .json; "
        "change the file extension.\n"
    )
    assert not (tmp_path / "quotes.pdf").exists()
    result = run(runner, coded, "quotes", "--code", "nonsense")
    assert result.exit_code == 1
    assert "codebook has no code 'nonsense'" in result.stderr
    result = run(runner, coded, "quotes", "--coder", "bob")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the project has no codings by coder 'bob'; the coders are alice.\n"
    )
    bad = tmp_path / "names.txt"
    bad.write_text("Dora Quill\norg:   \n", encoding="utf-8")
    result = run(runner, coded, "quotes", "--status", "all", "--redact", str(bad))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: names.txt, line 2: org: has no term after it; write e.g. "
        "`org: Hartwell Health`, or delete the line.\n"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_quotes_redact_file(runner, coded, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("org: Day One Partners\nname: Capacity\n", encoding="utf-8")
    result = run(
        runner, coded, "quotes", "--status", "all", "--redact", str(names), "--format", "json"
    )
    assert result.exit_code == 0
    assert "Our [name] was the problem from day one." in result.stdout


def test_request_and_approve_round_trip(runner, coded, tmp_path):
    path = tmp_path / "requests"
    result = run(runner, coded, "quotes", "request", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 2 workbooks to {path}: 3 quotes, one file per participant.\n"
    assert load_workbook(path / "P01.xlsx").sheetnames == ["Read me", "P01"]
    assert load_workbook(path / "P03.xlsx").sheetnames == ["Read me", "P03"]
    assert fill_decisions(path / "P01.xlsx", "approved", decided_at="2025-05-01") == 2
    assert fill_decisions(path / "P03.xlsx", "approved", decided_at="2025-05-01") == 1
    result = run(runner, coded, "quotes", "approve", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "P01.xlsx: Recorded 2 decisions (2 approved); 0 unchanged, 0 still pending.\n"
        "P03.xlsx: Recorded 1 decisions (1 approved); 0 unchanged, 0 still pending.\n"
    )
    state = approvals(coded)
    assert list(state["decision"]) == ["approved"] * 3
    assert set(state["decided_at"]) == {"2025-05-01"}
    result = run(runner, coded, "quotes", "--format", "csv")
    assert result.stdout.count("\n") == 4  # header and three approved quotes


def test_approve_bad_workbook_changes_nothing(runner, coded, tmp_path):
    path = tmp_path / "requests.xlsx"
    result = run(runner, coded, "quotes", "request", "--participant", "P01", "-o", str(path))
    assert result.stdout == f"Wrote {path}: 2 quotes for P01.\n"
    wb = load_workbook(path)
    wb["P01"]["F2"] = "yes please"
    wb["P01"]["F3"] = "approved"
    wb.save(path)
    result = run(runner, coded, "quotes", "approve", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: requests.xlsx, sheet P01, cell F2: "yes please" is not a decision; '
        "choose approved, declined or approved with edits.\n"
    )
    assert approvals(coded).empty
    result = run(runner, coded, "quotes", "approve", str(tmp_path / "missing.xlsx"))
    assert result.exit_code == 1
    assert "missing.xlsx: no such file." in result.stderr


def test_require_approval_command(runner, coded):
    result = run(runner, coded, "quotes", "require-approval")
    assert result.stdout == "Quote approval required: on.\n"
    result = run(runner, coded, "quotes", "require-approval", "off")
    assert result.exit_code == 0
    assert result.stdout == "Quote approval required: off.\n"
    assert not require_approval(coded)
    result = run(runner, coded, "quotes", "--format", "csv")
    assert result.stdout.count("\n") == 4  # pending quotes now reach the bank


def test_verify_exit_status(runner, coded, tmp_path):
    run(runner, coded, "quotes", "request", "-o", str(tmp_path / "r"))
    for f in (tmp_path / "r").iterdir():
        fill_decisions(f, "approved")
    run(runner, coded, "quotes", "approve", str(tmp_path / "r"))
    good = tmp_path / "good.md"
    good.write_text(f"As one leader put it: “{ALICE_1}”\n", encoding="utf-8")
    result = run(runner, coded, "verify", str(good))
    assert result.exit_code == 0, result.output
    assert result.stderr == "All 1 quoted passages are verified.\n"
    assert "verbatim" in result.stdout

    bad = tmp_path / "bad.md"
    bad.write_text(
        f"“{ALICE_1}”\n\n“Our partnership transformed everything we do, overnight.”\n\n> {BEN}\n",
        encoding="utf-8",
    )
    result = run(runner, coded, "verify", str(bad), "--format", "csv")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 2 of 3 quoted passages failed: 1 not found, "
        "1 by a participant who declined quotes.\n"
    )
    assert "not found" in result.stdout

    result = run(runner, coded, "verify", str(tmp_path / "draft.pdf"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: draft.pdf: verify reads .docx, .md and .txt drafts; save the draft as one of them.\n"
    )


def test_participant_withdraw_purge(runner, coded):
    coded.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"marmalade protocol" in raw_bytes(coded)
    result = run(runner, coded, "participant", "withdraw", "P02", "--purge")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "P02 withdrawn: excluded from every count, matrix, sheet and quote from now on.",
        "Purged P02: 2 turns, 2 segments, 2 codings, 0 memos and 0 quote approvals deleted; "
        "their words blanked out of the stored transcripts; project file compacted.",
    ]
    assert "still holds P02's words; delete it or redact it by hand." in result.stderr
    assert b"marmalade protocol" not in raw_bytes(coded)
    assert coded.participant("P02").withdrawn

    result = run(runner, coded, "participant", "withdraw", "P99")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no participant 'P99' in the register; `mpsp-qual participants` lists them.\n"
    )


def test_sample_purge_removes_distinctive_phrases(runner, tmp_path):
    phrases = distinctive_phrases().get("P06")
    if not phrases:
        pytest.skip("the sample README lists no phrases for P06")
    folder = SAMPLE / "interviews" if (SAMPLE / "interviews").is_dir() else SAMPLE
    transcript = folder / "int05_orrinvale_care.txt"
    with Project.init(
        tmp_path / "proj",
        codebook=Path(__file__).resolve().parents[2] / "codebooks" / "partnerships.yaml",
        register=SAMPLE / "participants.csv",
    ) as p:
        p.import_transcripts([transcript])
        p.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = raw_bytes(p)
        assert all(ph.encode() in before for ph in phrases)
        result = run(runner, p, "participant", "withdraw", "P06", "--purge")
        assert result.exit_code == 0, result.output
        after = raw_bytes(p)
        assert not [ph for ph in phrases if ph.encode() in after]
        # Priya Raman, interviewed alongside, keeps every word.
        assert b"I'm chief executive of Orrin Vale" in after


def test_quotes_help_says_a_bank_file_names_no_transcript(runner):
    result = runner.invoke(cli, ["quotes", "--help"])
    assert result.exit_code == 0
    assert "a file (.md, .docx, .xlsx, .csv, .json) names no transcript" in " ".join(
        result.output.split()
    )


def test_request_usage(runner, coded, tmp_path):
    result = run(runner, coded, "quotes", "request", "-o", str(tmp_path / "all.xlsx"))
    assert result.exit_code == 2
    assert "quote requests are one workbook per participant" in result.stderr
    result = run(
        runner, coded, "quotes", "request", "--participant", "P09", "-o", str(tmp_path / "r")
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: there are no quotes of P09 to ask about; check the participant id, or pass "
        "--all to include quotes already decided.\n"
    )
    assert not (tmp_path / "all.xlsx").exists()


def test_approve_a_workbook_returned_after_a_reimport(runner, coded, small_files, tmp_path):
    path = tmp_path / "requests.xlsx"
    run(runner, coded, "quotes", "request", "--participant", "P01", "-o", str(path))
    fill_decisions(path, "approved")
    alpha = small_files["alpha"]
    alpha.write_text(
        alpha.read_text(encoding="utf-8").replace("honestly", "candidly"), encoding="utf-8"
    )
    result = run(runner, coded, "import", "--replace", str(alpha))
    assert result.exit_code == 0, result.output
    result = run(runner, coded, "quotes", "approve", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: requests.xlsx, sheet P01, cell E2: quote Q-")
    assert result.stderr.endswith(
        " no longer matches its transcript (it was re-imported); request the quotes again.\n"
    )
    assert approvals(coded).empty
