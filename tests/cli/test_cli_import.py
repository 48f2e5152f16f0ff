"""The import command's report: the layout per file, --dry-run, and honest refusals."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.store.db import PROJECT_FILE

DATA = Path(__file__).resolve().parents[1] / "data" / "transcripts"


def dump(directory: Path) -> list[str]:
    conn = sqlite3.connect(directory / PROJECT_FILE)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def proj(runner, tmp_path) -> Path:
    directory = tmp_path / "proj"
    assert runner.invoke(cli, ["init", str(directory)]).exit_code == 0
    return directory


def invoke(runner, directory: Path, *args):
    return runner.invoke(cli, ["-p", str(directory), *map(str, args)])


def test_import_reports_the_layout_of_each_file(runner, proj):
    result = invoke(runner, proj, "import", DATA / "teams.docx", DATA / "zoom.vtt")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Read teams.docx as a Teams transcript: 2 speakers, 9 turns, times 0:03-2:40",
        "Read zoom.vtt as a Zoom WebVTT transcript: 2 speakers, 9 turns, times 0:03-2:40",
        "2 imported, 0 unchanged; 18 new segments.",
    ]


def test_dry_run_reports_per_file_and_writes_nothing(runner, proj, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("rev.txt", "otter.docx", "meet.txt"):
        shutil.copy(DATA / name, folder / name)
    register = tmp_path / "people.csv"
    register.write_text("participant_id,transcript,speaker\nP1,rev.txt,Zoë Ünal\n", "utf-8")
    before = dump(proj)
    result = invoke(runner, proj, "import", folder, "--register", register, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Read meet.txt as a Google Meet transcript: 2 speakers, 9 turns, times 0:00-5:00",
        "Read otter.docx as an Otter transcript: 2 speakers, 9 turns, times 0:03-2:40",
        "Read rev.txt as a Rev transcript: 2 speakers, 9 turns, times 0:03-2:40",
        "Dry run, nothing written: 3 would be imported, 0 unchanged.",
    ]
    assert dump(proj) == before
    with Project.open(proj) as project:
        assert project.documents().empty and project.participants().empty


@pytest.mark.parametrize(
    "name, text, message",
    [
        pytest.param(
            "caps.txt",
            "DANA REID — Thanks for coming.\nZOË ÜNAL — Glad to.\nDANA REID — How did it start?\n"
            "ZOË ÜNAL — With a tender.\nDANA REID — Thanks.\n",
            'caps.txt has no speaker labels in any layout read ("Name: text", "Name   0:03", '
            '"[Name] 10:02:15", "Name (00:12):", "00:00:09 Speaker 1", "SPEAKER_00", a bold '
            "name, a speaker table), but lines like 'DANA REID — Thanks for coming.' start with "
            "'DANA REID' 3 times; if that is a speaker, write it as \"DANA REID: text\".",
            id="two-speakers-in-an-unknown-layout",
        ),
        pytest.param(
            "cover.txt",
            "Project: Partnerships\nDate: 4 March 2025\nInterviewer: Dr Dana Reid\n",
            "cover.txt holds only header or cover-sheet fields ('Project: Partnerships'...) and no "
            'speaker turns; label each turn with the speaker\'s name (e.g. "Name: text").',
            id="cover-sheet-only",
        ),
    ],
)
def test_refusals_name_the_file_and_what_was_found_without_suggesting_speaker(
    runner, proj, tmp_path, name, text, message
):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = dump(proj)
    result = invoke(runner, proj, "import", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: {message}"
    ]
    assert "--speaker" not in result.stderr
    assert dump(proj) == before


def test_every_layout_gives_the_interviewee_their_own_words(tmp_path):
    """A register naming each fixture's interviewee as a researcher would write them."""
    import json

    expected = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    rows = ["participant_id,transcript,speaker,consent_quotes"]
    for n, (name, want) in enumerate(sorted(expected.items()), start=1):
        label = want["turns"][1][0]
        # The name a researcher types, not the tool's decoration of it.
        person = "Zoë Ünal" if "Zoë" in label or "Ünal" in label else label
        rows.append(f"P{n:02d},{name},{person},yes")
    register = tmp_path / "people.csv"
    register.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with Project.init(tmp_path / "p") as project:
        report = project.import_transcripts([DATA], register=register)
        segments = project.segments()
    assert report.warnings == []
    assert sorted(report.imported) == sorted(expected)
    for name, want in expected.items():
        mine = segments[segments["document"] == name]
        words = mine[mine["participant_id"].notna()]["text"].str.split().str.len().sum()
        theirs = sum(w for who, _, w in want["turns"][1::2])
        assert words == theirs, name
        assert mine[mine["participant_id"].isna()]["speaker"].nunique() == 1, name
