"""Bounded input: zip bombs, YAML alias bombs, short declared sheet ranges, huge turns,
and a flood of warnings."""

from __future__ import annotations

import re
import shutil
import textwrap
import zipfile
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.core.errors import InputError
from mpsp_qual.core.model import Document, Turn
from mpsp_qual.inputs.codebook import load_codebook, load_codebook_text
from mpsp_qual.inputs.segment import segment_documents

#: Twenty megabytes of one letter: deflates about a thousand times over.
BOMB = b"a" * (20 * 1024 * 1024)


def add_member(path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return path


def test_a_docx_transcript_that_unpacks_a_thousand_times_over_is_refused(tmp_path, project):
    from docx import Document as Word

    word = Word()
    word.add_paragraph("Interviewer: Hello there.")
    word.add_paragraph("Alice Moss: We were stretched.")
    path = tmp_path / "bomb.docx"
    word.save(str(path))
    add_member(path, "word/media/padding.xml", BOMB)
    with pytest.raises(
        InputError, match=r"bomb\.docx: word/media/padding\.xml unpacks .* zip bomb"
    ):
        project.import_transcripts([path])
    assert "bomb.docx" not in set(project.documents()["document"])


def test_a_workbook_bomb_is_refused_as_a_codebook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["id", "name"])
    wb.active.append(["capacity", "Capacity"])
    path = tmp_path / "codebook.xlsx"
    wb.save(path)
    add_member(path, "xl/padding.xml", BOMB)
    with pytest.raises(InputError, match="zip bomb"):
        load_codebook(path)


def test_a_qdpx_bomb_is_refused(tmp_path):
    from mpsp_qual.app.exchange import import_qdpx

    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "project.qde",
            '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"/>',
        )
        archive.writestr("sources/0a1b.txt", BOMB)
    with pytest.raises(InputError, match="zip bomb"):
        import_qdpx(path, tmp_path / "new")
    assert not (tmp_path / "new" / "project.sqlite").exists()


ALIAS_BOMB = textwrap.dedent(
    """\
    codebook: Bomb
    version: "1"
    codes:
      - id: capacity
        name: Capacity
        keywords: &words [stretched, thin, capacity]
      - id: stretched
        name: Stretched
        keywords: *words
    """
)


def test_yaml_aliases_are_refused_with_the_line():
    with pytest.raises(InputError, match=r"bomb\.yaml uses a YAML anchor or alias at line 6"):
        load_codebook_text(ALIAS_BOMB, source="bomb.yaml")


def test_a_codebook_sheet_with_a_too_small_declared_range_is_read_whole(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "codebook"
    ws.append(["id", "name", "keywords"])
    for n in range(1, 43):
        ws.append([f"code-{n}", f"Code {n}", f"word{n}"])
    full = tmp_path / "full.xlsx"
    wb.save(full)
    # Another program declared A1:C10 for 43 rows of cells.
    short = tmp_path / "short.xlsx"
    with zipfile.ZipFile(full) as src, zipfile.ZipFile(short, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:C10"', data)
                assert n == 1
            dst.writestr(info, data)
    assert len(load_codebook(short)) == 42


def test_a_turn_of_over_a_million_characters_is_segmented_with_its_offsets():
    sentence = "We were stretched thin and the lead provider kept changing. "
    body = sentence * (1_200_000 // len(sentence))
    text = "Alice Moss: " + body
    turn = Turn(0, "Alice Moss", body, len("Alice Moss: "), len(text))
    document = Document(name="long.txt", text=text, turns=(turn,), format="txt")
    [(_, segments)] = list(segment_documents([(document, frozenset())]))
    assert len(segments) > 100
    assert all(text[s.start : s.end] == s.text for s, _ in segments)
    assert len({s.segment_id for s, _ in segments}) == len(segments)
    covered = sum(len(s.text.split()) for s, _ in segments)
    assert covered == len(body.split())


def test_a_flood_of_warnings_is_summarised(tmp_path, small_files, runner):
    rows = ["participant_id,transcript,speaker,consent_quotes"]
    rows += [f"X{n:05d},missing{n}.txt,Nobody {n},yes" for n in range(2000)]
    register = tmp_path / "in" / "many.csv"
    register.write_text("\n".join(rows) + "\n", encoding="utf-8")
    Project.init(tmp_path / "proj").close()
    result = runner.invoke(cli, ["-p", str(tmp_path / "proj"), "register", str(register)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 11
    assert warnings[-1] == "Warning: and 1,990 more warnings like these."


@pytest.fixture(autouse=True)
def _no_leftover(tmp_path):
    yield
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_zip_that_is_no_workbook_is_one_sentence_as_a_register(tmp_path, runner):
    fake = tmp_path / "register.xlsx"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    Project.init(tmp_path / "proj").close()
    result = runner.invoke(cli, ["-p", str(tmp_path / "proj"), "register", str(fake)])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: register.xlsx cannot be read as a participants register"
    )
    assert "Traceback" not in result.output


def test_a_docx_with_an_external_entity_is_refused_not_cut_short(tmp_path, project):
    from docx import Document as Word

    word = Word()
    word.add_paragraph("Interviewer: Hello there.")
    word.add_paragraph("Alice Moss: We were stretched ENTITY_HERE and the rest is here.")
    plain = tmp_path / "plain.docx"
    word.save(str(plain))
    hostile = tmp_path / "entity.docx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(hostile, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                head, _, body = data.partition(b"?>")
                data = (
                    head
                    + b'?><!DOCTYPE w:document [<!ENTITY ext SYSTEM "file:///etc/hostname">]>'
                    + body.replace(b"ENTITY_HERE", b"&ext;")
                )
            dst.writestr(info, data)
    with pytest.raises(InputError, match=r"entity\.docx: word/document\.xml declares XML entities"):
        project.import_transcripts([hostile])
