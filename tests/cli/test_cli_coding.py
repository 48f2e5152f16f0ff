"""Tests for the coding commands: autocode, codes, codings, segments --code, codebook."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.core.model import AUTO_CODER


def run(runner, project: Project, *args: str, **kwargs):
    return runner.invoke(cli, ["-p", str(project.directory), *args], **kwargs)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_autocode_prints_the_count_table_and_saves(runner, project):
    result = run(runner, project, "autocode")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Segments and participants coded, per code:"
    assert lines[1].split() == ["code", "name", "segments", "participants"]
    assert lines[-1] == "Auto-coded 5 participant segments: 4 codings."
    assert "capacity-constraints" in result.stdout
    codings = project.codings(coder=AUTO_CODER)
    assert sorted(codings["code"]) == sorted(
        ["capacity-constraints", "misaligned-values", "lead-provider", "new-markets"]
    )


def test_autocode_dry_run_leaves_the_project_file_unchanged(runner, project):
    project.close()
    database = project.directory / "project.sqlite"
    before = file_digest(database)
    result = run(runner, project, "autocode", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Dry run: 4 codings on 5 participant segments; nothing saved."
    )
    assert file_digest(database) == before
    with Project.open(project.directory) as reopened:
        assert reopened.codings(coder=AUTO_CODER).empty


def test_autocode_csv_keeps_stdout_for_the_table(runner, project):
    result = run(runner, project, "autocode", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "code,name,segments,participants"
    assert "Auto-coded 5 participant segments: 4 codings." in result.stderr


def test_autocode_without_a_codebook_is_one_error(runner, tmp_path):
    bare = Project.init(tmp_path / "bare")
    bare.close()
    result = runner.invoke(cli, ["-p", str(tmp_path / "bare"), "autocode"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the project in {tmp_path / 'bare'} has no codebook; "
        "load one with `mpsp-qual codebook set FILE`.\n"
    )


def test_codes_lists_direct_counts_per_coder(runner, project):
    run(runner, project, "autocode")
    project.record_codings(
        "alice", [("beta.txt#1.0", "lead-provider", None)], segments=["beta.txt#1.0"]
    )
    result = run(runner, project, "codes", "--format", "json")
    assert result.exit_code == 0
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["lead-provider"] == {
        "id": "lead-provider",
        "name": "Lead provider negotiation",
        "level": 3,
        "auto segments": 1,
        "auto participants": 1,
        "alice segments": 1,
        "alice participants": 1,
    }
    assert rows["misaligned-values"]["alice segments"] == 0  # children are not rolled up
    table = run(runner, project, "codes", "--wide")
    assert table.stdout.splitlines()[0] == (
        "Codes; per coder, segments and participants coded (direct counts, children not rolled up):"
    )


def test_codings_lists_evidence_compactly_and_as_json(runner, project):
    run(runner, project, "autocode")
    table = run(runner, project, "codings", "--coder", "auto", "--wide")
    assert table.exit_code == 0
    assert 'stretched ("stretched", exact); capacity ("capacity", exact)' in table.stdout
    as_csv = run(runner, project, "codings", "--format", "csv")
    header, *rows = as_csv.stdout.splitlines()
    assert header == (
        "segment_id,document,turn,speaker,participant_id,start,end,code,coder,origin,evidence"
    )
    segment = project.segments().set_index("segment_id").loc["alpha.txt#1.0"]
    assert rows[0] == (
        f"alpha.txt#1.0,alpha.txt,1,Alice Moss,P01,{segment.start},{segment.end},"
        "capacity-constraints,auto,segment,"
        '"stretched (""stretched"", exact); capacity (""capacity"", exact)"'
    )
    as_json = json.loads(run(runner, project, "codings", "--format", "json").stdout)
    text = project.document_text("alpha.txt")
    first = as_json[0]["evidence"][0]
    assert first["keyword"] == "stretched"
    assert text[first["start"] : first["end"]] == "stretched"


def test_codings_of_one_coder_only(runner, project):
    run(runner, project, "autocode")
    project.record_codings(
        "alice", [("beta.txt#2.0", "new-markets", None)], segments=["beta.txt#2.0"]
    )
    result = run(runner, project, "codings", "--coder", "alice", "--format", "json")
    assert [(r["segment_id"], r["code"], r["evidence"]) for r in json.loads(result.stdout)] == [
        ("beta.txt#2.0", "new-markets", None)
    ]


def test_codings_lists_auto_and_human_codings_together(runner, project):
    run(runner, project, "autocode")
    project.record_codings(
        "alice", [("beta.txt#2.0", "new-markets", None)], segments=["beta.txt#2.0"]
    )
    result = run(runner, project, "codings", "--format", "json")
    assert result.exit_code == 0
    assert {r["coder"] for r in json.loads(result.stdout)} == {"auto", "alice"}


def test_segments_by_code_highlights_the_evidence(runner, project):
    run(runner, project, "autocode")
    result = run(runner, project, "segments", "--code", "capacity-constraints", color=True)
    assert result.exit_code == 0
    styled = click.style("capacity", fg="yellow", bold=True, underline=True)
    assert f"Our {styled} was the problem" in result.stdout
    plain = run(runner, project, "segments", "--code", "capacity-constraints")
    assert plain.stdout.splitlines()[:4] == [
        "1 segments coded capacity-constraints (or below) by auto; evidence highlighted.",
        "",
        "alpha.txt#1.0  Alice Moss (P01)  [capacity-constraints]",
        "We were stretched, honestly. Our capacity was the problem from day one.",
    ]


def test_segments_by_code_includes_the_codes_below_it(runner, project):
    run(runner, project, "autocode")
    result = run(runner, project, "segments", "--code", "misaligned-values", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["segment_id"], r["codes"]) for r in rows] == [
        ("alpha.txt#3.0", "misaligned-values"),
        ("beta.txt#1.0", "lead-provider"),
    ]
    assert [m["text"] for m in rows[1]["evidence"]] == ["lead provider"]
    as_csv = run(runner, project, "segments", "--code", "lead-provider", "--format", "csv")
    assert as_csv.stdout.splitlines()[1].endswith(
        ',lead-provider,auto,"lead provider (""lead provider"", exact)"'
    )


def test_segments_by_coder(runner, project):
    project.record_codings(
        "alice", [("beta.txt#2.0", "new-markets", None)], segments=["beta.txt#2.0"]
    )
    result = run(runner, project, "segments", "--coder", "alice")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "1 segments coded by alice; evidence highlighted."
    none = run(runner, project, "segments", "--code", "lead-provider", "--coder", "alice")
    assert none.stdout == "No segments coded lead-provider (or below) by alice.\n"


def test_segments_with_an_unknown_code_is_one_error(runner, project):
    result = run(runner, project, "segments", "--code", "nope")
    assert result.exit_code == 1
    assert (
        result.stderr == "Error: the codebook has no code 'nope'; `mpsp-qual codes` lists them.\n"
    )


def test_codebook_show(runner, project):
    result = run(runner, project, "codebook", "show")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Small test codebook (version 1), 6 codes:"
    rows = json.loads(run(runner, project, "codebook", "show", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [
        "challenges",
        "misaligned-values",
        "lead-provider",
        "capacity-constraints",
        "benefits",
        "new-markets",
    ]
    assert rows[1]["exclude_keywords"] == "value for money"


def test_codebook_check_a_good_file(runner, tmp_path, small_files):
    result = runner.invoke(cli, ["codebook", "check", str(small_files["codebook"])])
    assert result.exit_code == 0
    assert result.stdout == f"{small_files['codebook']}: OK, 6 codes (4 codable).\n"


def test_codebook_check_a_bad_file_names_the_code_and_line(runner, tmp_path, small_files):
    small_yaml = small_files["codebook"].read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_yaml.replace("id: lead-provider", "id: Lead_Provider"), encoding="utf-8")
    result = runner.invoke(cli, ["codebook", "check", str(bad)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {bad} line 13: code 'Lead_Provider' has an invalid id; use lowercase letters, "
        "digits and hyphens, e.g. 'lead-provider'.\n"
    )
    assert "Traceback" not in result.output


def test_codebook_set_replaces_the_codebook(runner, project, tmp_path, small_files):
    small_yaml = small_files["codebook"].read_text(encoding="utf-8")
    new = tmp_path / "v2.yaml"
    new.write_text(
        small_yaml.replace("name: New markets", "name: New markets and income"), encoding="utf-8"
    )
    result = run(runner, project, "codebook", "set", str(new))
    assert result.exit_code == 0
    assert result.stdout == f"Codebook set from {new}: 6 codes.\n"
    with Project.open(project.directory) as reopened:
        assert reopened.codebook.get("new-markets").name == "New markets and income"


def test_codebook_set_refuses_to_orphan_codings_without_force(
    runner, project, tmp_path, small_files
):
    small_yaml = small_files["codebook"].read_text(encoding="utf-8")
    run(runner, project, "autocode")
    dropped = small_yaml.replace(
        """          - id: lead-provider
            name: Lead provider negotiation
            keywords: ["lead provider"]
""",
        "",
    )
    new = tmp_path / "v2.yaml"
    new.write_text(dropped, encoding="utf-8")
    database = project.directory / "project.sqlite"
    project.close()
    before = file_digest(database)
    result = run(runner, project, "codebook", "set", str(new))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the new codebook drops 1 code(s) that have codings (lead-provider); "
        "to drop those codings too, run `mpsp-qual codebook set FILE --force`.\n"
    )
    assert file_digest(database) == before
    forced = run(runner, project, "codebook", "set", str(new), "--force")
    assert forced.exit_code == 0
    assert (
        forced.stdout
        == f"Codebook set from {new}: 5 codes. Dropped the codings of lead-provider.\n"
    )
    with Project.open(project.directory) as reopened:
        assert "lead-provider" not in reopened.codebook
        assert "lead-provider" not in set(reopened.codings()["code"])
        assert len(reopened.codings()) == 3


def test_codebook_set_an_invalid_file_changes_nothing(runner, project, tmp_path, small_files):
    small_yaml = small_files["codebook"].read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_yaml + "      - id: new-markets\n        name: Again\n", encoding="utf-8")
    database = project.directory / "project.sqlite"
    project.close()
    before = file_digest(database)
    result = run(runner, project, "codebook", "set", str(bad))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {bad} line 26: code 'new-markets' is defined twice, at line 23 and line 26; "
        "ids must be unique across the codebook.\n"
    )
    assert file_digest(database) == before
    with Project.open(project.directory) as reopened:
        assert reopened.codebook.get("new-markets").name == "New markets"
