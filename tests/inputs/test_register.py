"""The participants register: reserved columns, attributes, consent, and bad registers."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from mpsp_qual.core.errors import RegisterError
from mpsp_qual.inputs.register import read_register

HEADER = "participant_id,transcript,speaker,name,consent_quotes,consent_named,attribution,withdrawn,sector\n"


def write(tmp_path: Path, text: str, name: str = "register.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reserved_columns_consent_and_attributes(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "P01,a.txt,Ann Lee,Ann Lee,yes,Y,Health PSM,no,Health\n"
        + "P02,b.txt,Bo Li,Bo Li,No,false,Care PSM,TRUE,Social care\n",
    )
    first, second = read_register(path)
    assert (first.participant_id, first.transcript, first.speaker, first.name) == (
        "P01",
        "a.txt",
        "Ann Lee",
        "Ann Lee",
    )
    assert (first.consent_quotes, first.consent_named, first.withdrawn) == (True, True, False)
    assert first.attribution == "Health PSM"
    assert dict(first.attributes) == {"sector": "Health"}
    assert (second.consent_quotes, second.consent_named, second.withdrawn) == (False, False, True)
    assert first.quotable and not second.quotable


def test_blank_consent_means_no(tmp_path):
    path = write(tmp_path, "participant_id,consent_quotes,consent_named\nP01,,\n")
    (p,) = read_register(path)
    assert not p.consent_quotes and not p.consent_named and not p.quotable


def test_header_case_and_spaces_are_forgiven(tmp_path):
    path = write(tmp_path, " Participant_ID , Transcript ,Speaker\n P01 , a.txt , Ann \n")
    (p,) = read_register(path)
    assert (p.participant_id, p.transcript, p.speaker) == ("P01", "a.txt", "Ann")


def test_cp1252_register(tmp_path):
    path = write(
        tmp_path,
        "participant_id,attribution\nP01,Health PSM – “north”\n",
        encoding="cp1252",
    )
    assert read_register(path)[0].attribution == "Health PSM – “north”"


def test_xlsx_register(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["participant_id", "transcript", "speaker", "consent_quotes", "withdrawn", "sector"])
    ws.append([1, "a.txt", "Ann", True, None, "Health"])
    ws.append(["P02", "a.txt", "Bob", "yes", "no", None])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    first, second = read_register(path)
    assert first.participant_id == "1"
    assert first.consent_quotes and not first.withdrawn
    assert dict(first.attributes) == {"sector": "Health"}
    assert second.consent_quotes and dict(second.attributes) == {"sector": ""}


def test_header_only_register_is_refused(tmp_path):
    with pytest.raises(RegisterError) as info:
        read_register(write(tmp_path, "participant_id,transcript,speaker\n"))
    assert str(info.value).endswith(
        "has a header but no participants; add one row per interviewee."
    )


def test_row_numbers_count_blank_lines_and_blank_rows_are_skipped(tmp_path):
    text = "participant_id,transcript,speaker\nP1,a.txt,Ann\n\n,,\nP1,b.txt,Bob\n"
    with pytest.raises(RegisterError) as info:
        read_register(write(tmp_path, text))
    assert "row 5: participant_id P1 is used again (first on row 2)" in str(info.value)


@pytest.mark.parametrize(
    "name, text, message",
    [
        pytest.param(
            "dup.csv",
            "participant_id,transcript,speaker\nP1,a.txt,Ann\nP1,b.txt,Bob\n",
            "dup.csv, row 3: participant_id P1 is used again (first on row 2); ids must be unique.",
            id="duplicate-participant-id",
        ),
        pytest.param(
            "noid.csv",
            "id,transcript,speaker\nP1,a.txt,Ann\n",
            "noid.csv has no participant_id column; add one with a unique id per interviewee.",
            id="no-participant-id-column",
        ),
        pytest.param(
            "blank.csv",
            "participant_id,transcript\nP1,a.txt\n,b.txt\n",
            "blank.csv, row 3: participant_id is blank; give every row an id.",
            id="blank-participant-id",
        ),
        pytest.param(
            "consent.csv",
            "participant_id,consent_quotes\nP1,maybe\n",
            'consent.csv, row 2: column consent_quotes holds "maybe"; use yes or no.',
            id="consent-not-yes-no",
        ),
        pytest.param(
            "twice.csv",
            "participant_id,transcript,speaker\nP1,a.txt,Ann\nP2,a.txt,Ann\n",
            "twice.csv, row 3: speaker 'Ann' in a.txt is already participant on row 2; "
            "give each speaker one row.",
            id="speaker-given-twice",
        ),
        pytest.param(
            "case.csv",
            "participant_id,transcript,speaker\nP1,a.txt,Ann Lee\nP2,A.txt,ann  lee\n",
            "case.csv, row 3: speaker 'ann  lee' in A.txt is already participant on row 2; "
            "give each speaker one row.",
            id="speaker-given-twice-other-case",
        ),
        pytest.param(
            "empty.csv",
            "",
            "empty.csv is empty; a participants register needs a header row.",
            id="empty-file",
        ),
        pytest.param(
            "register.txt",
            "participant_id\nP1\n",
            "register.txt: a participants register must be a .csv or .xlsx file.",
            id="wrong-extension",
        ),
    ],
)
def test_bad_registers(tmp_path, name, text, message):
    with pytest.raises(RegisterError) as info:
        read_register(write(tmp_path, text, name))
    assert str(info.value) == message


def test_missing_register(tmp_path):
    with pytest.raises(RegisterError, match="no such file"):
        read_register(tmp_path / "nope.csv")
