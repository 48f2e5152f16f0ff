"""The set-up and listing commands: init, import, register, documents, turns, segments.

Each bad input is checked the way a user meets it: exit status 1, one ``Error:``
sentence on stderr that names the file, no traceback, and the project file exactly
as it was (every table but the audit log compared as SQL).
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.store.db import PROJECT_FILE

NO_LABELS = (
    '{name} has no speaker labels; expected lines like "Name: text" '
    "(if one person speaks throughout, say who with `mpsp-qual import {name} --speaker NAME`)."
)


def dump(directory: Path) -> list[str]:
    """Every table of the project file as SQL, the audit log left out."""
    conn = sqlite3.connect(directory / PROJECT_FILE)
    try:
        return [line for line in conn.iterdump() if not line.startswith('INSERT INTO "audit"')]
    finally:
        conn.close()


def invoke(runner, directory: Path, *args: str):
    return runner.invoke(cli, ["-p", str(directory), *map(str, args)])


def assert_error(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {message}"]


@pytest.fixture
def proj(project) -> Path:
    """The directory of the small project (two transcripts, a register, a codebook)."""
    return project.directory


def docx_bytes(paragraphs: list[str]) -> bytes:
    word = docx.Document()
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    return out.getvalue()


NOT_WORD = (
    "{name} is not a Word (.docx) file; open it in Word and save it as .docx, "
    "or rename it to its real extension."
)
BINARY = (
    "{name} is not a text file (it holds binary data); "
    "export the transcript as .txt, .docx, .vtt or .srt."
)
EMPTY = "{name} is empty; give a transcript with at least one turn."


@pytest.mark.parametrize(
    "name, data, message",
    [
        pytest.param("empty.txt", b"", EMPTY, id="empty-file"),
        pytest.param("empty.vtt", b"\n\n", EMPTY, id="empty-vtt"),
        pytest.param(
            "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", BINARY, id="binary-png-as-txt"
        ),
        pytest.param(
            "word.txt",
            docx_bytes(["Interviewer: hi", "Ann: hello"]),
            BINARY,
            id="docx-renamed-txt",
        ),
        pytest.param(
            "notes.pdf",
            b"%PDF-1.4",
            "notes.pdf: unknown transcript format '.pdf'; use one of .txt, .md, .docx, .vtt, .srt.",
            id="unknown-extension",
        ),
        pytest.param(
            "README",
            b"Interviewer: hi\n",
            "README: unknown transcript format '(no extension)'; "
            "use one of .txt, .md, .docx, .vtt, .srt.",
            id="no-extension",
        ),
        pytest.param(
            "plain.txt",
            b"We found the partnership hard.\n\nBut we kept going.\n",
            NO_LABELS,
            id="no-speaker-labels",
        ),
        pytest.param(
            "broken.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi.\n\n"
            b"00:00:03.000 --> 00:00:0x.000\n<v B>Hello.\n",
            "broken.vtt, line 6: broken timestamp '00:00:03.000 --> 00:00:0x.000'; "
            'expected "hh:mm:ss.ttt --> hh:mm:ss.ttt".',
            id="vtt-broken-timestamp",
        ),
        pytest.param(
            "arrow.vtt",
            b"WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\n<v A>Hi.\n",
            'arrow.vtt, line 3: cue has no timing line; expected "00:00:01.000 --> 00:00:04.000".',
            id="vtt-timestamp-without-arrow",
        ),
        pytest.param("text.docx", b"Interviewer: hi\nAnn: hello\n", NOT_WORD, id="docx-plain-text"),
        pytest.param("archive.docx", zip_bytes(), NOT_WORD, id="docx-zip-not-word"),
    ],
)
def test_bad_transcript(runner, proj, tmp_path, name, data, message):
    bad = tmp_path / name
    bad.write_bytes(data)
    before = dump(proj)
    result = invoke(runner, proj, "import", bad)
    assert_error(result, message.format(name=name))
    assert dump(proj) == before


def test_bad_file_among_good_ones_imports_none(runner, proj, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Interviewer: Hi.\nDan: Hello.\n", encoding="utf-8")
    bad = tmp_path / "plain.txt"
    bad.write_text("No labels here.\n", encoding="utf-8")
    before = dump(proj)
    assert_error(invoke(runner, proj, "import", good, bad), NO_LABELS.format(name="plain.txt"))
    assert dump(proj) == before


def test_missing_file(runner, proj, tmp_path):
    before = dump(proj)
    assert_error(
        invoke(runner, proj, "import", tmp_path / "nope.txt"),
        f"{tmp_path / 'nope.txt'}: no such file.",
    )
    assert dump(proj) == before


def test_no_speaker_labels_imports_with_speaker(runner, proj, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("We found the partnership hard.\n\nBut we kept going.\n", encoding="utf-8")
    result = invoke(runner, proj, "import", plain, "--speaker", "Dana Reid")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 imported, 0 unchanged; 1 new segments."
    with Project.open(proj) as p:
        turns = p.turns(document="plain.txt")
    assert list(turns.speaker) == ["Dana Reid"]
    assert list(turns.text) == ["We found the partnership hard.\n\nBut we kept going."]


def test_import_error_is_the_only_line_on_stderr(runner, proj, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = invoke(runner, proj, "import", bad)
    assert result.stderr == f"Error: {EMPTY.format(name='empty.txt')}\n"


# -- registers ----------------------------------------------------------------------------

DUPLICATE = "participant_id,transcript,speaker\nP1,alpha.txt,Alice Moss\nP1,beta.txt,Ben Hart\n"
DUPLICATE_MESSAGE = (
    "dup.csv, row 3: participant_id P1 is used again (first on row 2); ids must be unique."
)
NO_ID = "id,transcript,speaker\nP1,alpha.txt,Alice Moss\n"
NO_ID_MESSAGE = "noid.csv has no participant_id column; add one with a unique id per interviewee."

BAD_REGISTERS = [
    pytest.param("dup.csv", DUPLICATE, DUPLICATE_MESSAGE, id="duplicate-participant-id"),
    pytest.param("noid.csv", NO_ID, NO_ID_MESSAGE, id="no-participant-id-column"),
]


@pytest.mark.parametrize("name, text, message", BAD_REGISTERS)
def test_bad_register_command(runner, proj, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = dump(proj)
    result = invoke(runner, proj, "register", path)
    assert_error(result, message)
    assert result.stderr == f"Error: {message}\n"
    assert dump(proj) == before


@pytest.mark.parametrize("name, text, message", BAD_REGISTERS)
def test_bad_register_at_import(runner, proj, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("Interviewer: Hi.\nDan: Hello.\n", encoding="utf-8")
    before = dump(proj)
    assert_error(invoke(runner, proj, "import", new, "--register", path), message)
    assert dump(proj) == before


@pytest.mark.parametrize("name, text, message", BAD_REGISTERS)
def test_bad_register_at_init_leaves_no_project(runner, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = invoke(runner, tmp_path / "new", "init", "--register", path)
    assert_error(result, message)
    assert result.stderr == f"Error: {message}\n"
    assert not (tmp_path / "new" / PROJECT_FILE).exists()


def test_register_row_naming_a_transcript_not_imported_is_a_warning(runner, proj, tmp_path):
    path = tmp_path / "ghost.csv"
    path.write_text(
        "participant_id,transcript,speaker\nP01,alpha.txt,Alice Moss\nP09,ghost.txt,Gus Hale\n",
        encoding="utf-8",
    )
    result = invoke(runner, proj, "register", path)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: ghost.csv: participant P09 names transcript ghost.txt, which is not imported; "
        "import it, or fix the file name in the register.\n"
    )
    assert result.stdout == "Register loaded: 4 participants.\n"
    with Project.open(proj) as p:
        assert p.participant("P09").transcript == "ghost.txt"


def test_register_warning_at_import(runner, tmp_path, small_files):
    path = tmp_path / "ghost.csv"
    path.write_text("participant_id,transcript,speaker\nP09,ghost.txt,Gus Hale\n", encoding="utf-8")
    invoke(runner, tmp_path / "p", "init")
    result = invoke(runner, tmp_path / "p", "import", small_files["alpha"], "--register", path)
    assert result.exit_code == 0, result.output
    assert "Warning: ghost.csv: participant P09 names transcript ghost.txt" in result.stderr
    assert result.stdout.splitlines()[-1] == "1 imported, 0 unchanged; 4 new segments."


def test_withdrawn_stays_withdrawn_through_the_register_command(runner, proj, tmp_path):
    for flag in ("yes", "no"):
        path = tmp_path / f"r-{flag}.csv"
        path.write_text(
            f"participant_id,transcript,speaker,withdrawn\nP01,alpha.txt,Alice Moss,{flag}\n",
            encoding="utf-8",
        )
        assert invoke(runner, proj, "register", path).exit_code == 0
    with Project.open(proj) as p:
        assert p.participant("P01").withdrawn


# -- import: re-import, replace, globs and folders ------------------------------------------


def test_init_then_import(runner, tmp_path, small_files):
    d = tmp_path / "study"
    result = invoke(
        runner,
        d,
        "init",
        "--codebook",
        small_files["codebook"],
        "--register",
        small_files["register"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Project ready in {d} (6 codes, 3 participants).\n"
    result = invoke(runner, d, "import", small_files["alpha"], small_files["beta"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 imported, 0 unchanged; 9 new segments."
    with Project.open(d) as p:
        assert list(p.documents().document) == ["alpha.txt", "beta.txt"]


def test_init_without_a_register_then_import_then_autocode_says_why_nothing_counts(
    runner, tmp_path, small_files
):
    d = tmp_path / "study"
    result = invoke(runner, d, "init", "--codebook", small_files["codebook"])
    assert result.exit_code == 0, result.output
    result = invoke(runner, d, "autocode")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: there are no transcripts to code; import them first with "
        "`mpsp-qual import FILES`.\n"
    )
    result = invoke(runner, d, "import", small_files["alpha"], small_files["beta"])
    assert result.exit_code == 0, result.output
    assert "Warning: no participants register is loaded, so no speaker is a participant" in (
        result.stderr
    )
    before = dump(d)
    result = invoke(runner, d, "autocode")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: there are no participant segments to code: no participants register is "
        "loaded, so every speaker counts as an interviewer; load one with "
        "`mpsp-qual register FILE`.\n"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert dump(d) == before
    # with the register, the same transcripts count and the warning is gone
    assert invoke(runner, d, "register", small_files["register"]).exit_code == 0
    result = invoke(runner, d, "autocode")
    assert result.exit_code == 0, result.output


def test_a_register_that_matches_no_speaker_stops_autocode(runner, tmp_path, small_files):
    d = tmp_path / "study"
    other = small_files["register"].read_text().replace("alpha.txt", "gamma.txt")
    other = other.replace("beta.txt", "delta.txt")
    small_files["register"].write_text(other)
    invoke(runner, d, "init", "--codebook", small_files["codebook"])
    invoke(runner, d, "import", small_files["alpha"], "--register", small_files["register"])
    result = invoke(runner, d, "autocode")
    assert result.exit_code == 1
    assert "no speaker in the imported transcripts is in the participants register" in (
        result.stderr
    )


def test_reimporting_unchanged_files_is_a_no_op(runner, proj, small_files):
    conn = sqlite3.connect(proj / PROJECT_FILE)
    before = list(conn.iterdump())
    conn.close()
    result = invoke(runner, proj, "import", small_files["alpha"], small_files["beta"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 imported, 2 unchanged; 0 new segments."
    conn = sqlite3.connect(proj / PROJECT_FILE)
    assert list(conn.iterdump()) == before  # no audit entry either
    conn.close()


def test_changed_file_is_refused_then_replaced(runner, proj, small_files):
    alpha = small_files["alpha"]
    alpha.write_text("Interviewer: New question?\nAlice Moss: New answer.\n", encoding="utf-8")
    before = dump(proj)
    result = invoke(runner, proj, "import", alpha)
    assert_error(
        result,
        "alpha.txt has changed since it was imported; pass --replace to re-import it "
        "(its segments and codings are dropped and must be redone).",
    )
    assert dump(proj) == before
    result = invoke(runner, proj, "import", alpha, "--replace")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 imported, 1 replaced, 0 unchanged; 2 new segments."
    with Project.open(proj) as p:
        assert list(p.turns(document="alpha.txt").text) == ["New question?", "New answer."]


def test_glob_argument_is_expanded(runner, tmp_path, small_files):
    invoke(runner, tmp_path / "p", "init")
    (small_files["alpha"].parent / "other.md").write_text(
        "Interviewer: Hi.\nZed: Hello.\n", encoding="utf-8"
    )
    result = invoke(runner, tmp_path / "p", "import", str(small_files["alpha"].parent / "*.txt"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("2 imported, 0 unchanged;")
    with Project.open(tmp_path / "p") as p:
        assert list(p.documents().document) == ["alpha.txt", "beta.txt"]


def test_glob_matching_nothing_is_a_usage_error(runner, proj, tmp_path):
    result = invoke(runner, proj, "import", str(tmp_path / "*.vtt"))
    assert result.exit_code == 2
    assert f"Invalid value for FILES: no file matches '{tmp_path / '*.vtt'}'" in result.stderr


def test_an_existing_file_name_with_brackets_is_not_a_glob(runner, tmp_path):
    path = tmp_path / "int [draft].txt"
    path.write_text("Interviewer: Hi.\nAnn: Hello.\n", encoding="utf-8")
    invoke(runner, tmp_path / "p", "init")
    result = invoke(runner, tmp_path / "p", "import", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 imported, 0 unchanged; 2 new segments."


def test_folder_argument_imports_its_transcripts(runner, tmp_path, small_files):
    folder = small_files["alpha"].parent  # also holds the codebook and the register
    invoke(runner, tmp_path / "p", "init")
    result = invoke(runner, tmp_path / "p", "import", folder, "--unit", "sentence")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("2 imported, 0 unchanged;")
    with Project.open(tmp_path / "p") as p:
        texts = list(p.segments(document="alpha.txt").text)
    assert texts[1:3] == [
        "We were stretched, honestly.",
        "Our capacity was the problem from day one.",
    ]


def test_interop_folder(runner, tmp_path, shared_dir):
    folder = shared_dir / "interop" / "transcripts"
    invoke(runner, tmp_path / "p", "init")
    before = dump(tmp_path / "p")
    result = invoke(runner, tmp_path / "p", "import", folder)
    assert_error(result, NO_LABELS.format(name="qualcoder_ID1.docx"))
    assert dump(tmp_path / "p") == before
    result = invoke(runner, tmp_path / "p", "import", folder, "--speaker", "Student")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("4 imported, 0 unchanged;")
    with Project.open(tmp_path / "p") as p:
        turns = p.turns()
    speakers = turns.groupby("document").speaker.apply(lambda s: sorted(set(s))).to_dict()
    assert speakers == {
        "qualcoder_ID1.docx": ["Student"],
        "qualcoder_transcript_b735ce3.txt": ["id1", "id2", "id3"],
        "vttjs_example1_w3c_interview.vtt": ["Neil deGrasse Tyson", "Roger Bingham"],
        "webvtt-py_teams_timeframe.vtt": ["Adrian Petrescu", "Yuri Bakulin"],
    }
    assert turns.groupby("document").size().to_dict() == {
        "qualcoder_ID1.docx": 1,
        "qualcoder_transcript_b735ce3.txt": 7,
        "vttjs_example1_w3c_interview.vtt": 5,
        "webvtt-py_teams_timeframe.vtt": 2,
    }


# -- listings -------------------------------------------------------------------------------

TURN_COLUMNS = [
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start_time",
    "start",
    "end",
    "text",
]
SEGMENT_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start",
    "end",
    "text",
]


def in_order(columns: list[str], documented: list[str]) -> bool:
    return [c for c in columns if c in documented] == documented


def test_turns_csv(runner, proj):
    result = invoke(runner, proj, "turns", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert in_order(list(frame.columns), TURN_COLUMNS)
    alpha = frame[frame.document == "alpha.txt"]
    assert list(alpha.turn) == ["0", "1", "2", "3"]
    assert list(zip(alpha.speaker, alpha.participant_id)) == [
        ("Interviewer", ""),
        ("Alice Moss", "P01"),
        ("Interviewer", ""),
        ("Alice Moss", "P01"),
    ]
    assert alpha.text.iloc[1] == (
        "We were stretched, honestly. Our capacity was the problem from day one."
    )
    assert len(frame) == 9


def test_turns_json(runner, proj):
    result = invoke(runner, proj, "turns", "--format", "json", "--document", "beta.txt")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert in_order(list(rows[0]), TURN_COLUMNS)
    assert rows[0]["speaker"] == "Interviewer" and rows[0]["participant_id"] is None
    assert [r["participant_id"] for r in rows] == [None, "P02", "P03", None, "P02"]
    start = len("Interviewer: Tell me about partnering.\nBen Hart: ")
    assert (rows[1]["start"], rows[1]["end"]) == (start, start + len(rows[1]["text"]))


def test_segments_csv_and_json(runner, proj):
    result = invoke(runner, proj, "segments", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert in_order(list(frame.columns), SEGMENT_COLUMNS)
    assert frame.segment_id.iloc[0] == "alpha.txt#0.0"
    assert frame.participant_id.iloc[0] == ""
    rows = json.loads(invoke(runner, proj, "segments", "--format", "json").stdout)
    assert in_order(list(rows[0]), SEGMENT_COLUMNS)
    assert len(rows) == len(frame) == 9
    with Project.open(proj) as p:
        text = p.document_text("beta.txt")
    for row in rows:
        if row["document"] == "beta.txt":
            assert text[row["start"] : row["end"]] == row["text"]


def test_documents_table(runner, proj):
    result = invoke(runner, proj, "documents")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["document", "format", "turns", "segments", "words"]
    assert [line.split()[0] for line in lines[1:]] == ["alpha.txt", "beta.txt"]


def test_a_directory_without_a_project(runner, tmp_path):
    result = invoke(runner, tmp_path, "turns")
    assert_error(
        result,
        f"{tmp_path} is not a project (no project.sqlite); "
        "run `mpsp-qual init` there first, or pass -p PROJECT_DIR.",
    )
    assert not (tmp_path / PROJECT_FILE).exists()


def test_python_dash_m_help():
    result = subprocess.run(
        [sys.executable, "-m", "mpsp_qual", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: mpsp-qual [OPTIONS] COMMAND [ARGS]...")
    for command in ("init", "import", "register", "documents", "turns", "segments", "demo"):
        assert f"\n  {command} " in result.stdout


# -- output files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, extra, message",
    [
        pytest.param(
            "turns.txt",
            [],
            "turns.txt: a table can be written to .csv, .json or .xlsx; rename the output.",
            id="unknown-extension",
        ),
        pytest.param(
            "turns.xlsx",
            ["--format", "json"],
            "turns.xlsx: --format json does not match the file's extension; drop --format "
            "or name the file .json.",
            id="format-contradicts-extension",
        ),
    ],
)
def test_a_table_output_must_say_what_it_is(runner, proj, tmp_path, name, extra, message):
    result = invoke(runner, proj, "turns", "-o", tmp_path / name, *extra, "--internal")
    assert_error(result, message)
    assert not (tmp_path / name).exists()


def test_an_unwritable_output_is_one_line_not_a_traceback(runner, proj, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = invoke(runner, proj, "turns", "-o", tmp_path / "afile" / "turns.csv", "--internal")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_output_files_get_ordinary_permissions(runner, proj, tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        result = invoke(runner, proj, "turns", "-o", tmp_path / "turns.csv", "--internal")
    finally:
        os.umask(umask)
    assert result.exit_code == 0
    assert stat.S_IMODE((tmp_path / "turns.csv").stat().st_mode) == 0o644


def test_a_locked_project_is_one_line_not_a_traceback(runner, proj):
    import sqlite3

    locker = sqlite3.connect(proj / "project.sqlite", timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = invoke(runner, proj, "register", proj.parent / "in" / "participants.csv")
    finally:
        locker.close()
    assert result.exit_code == 1
    assert "project.sqlite is busy, locked by another program" in result.stderr
    assert "Traceback" not in result.output
