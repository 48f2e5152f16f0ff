"""Redaction: names and organisations in quote text, and the redact file."""

from __future__ import annotations

import pytest

from mpsp_qual.consent.redact import Redactor, RedactTerm, read_redact_file
from mpsp_qual.core.errors import InputError

TERMS = [
    RedactTerm("Ben Hart", "name"),
    RedactTerm("Cara Lin", "name"),
    RedactTerm("Hartwell Health", "organisation"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("I told Ben Hart so.", "I told [name] so.", id="full-name"),
        pytest.param("Ben agreed.", "[name] agreed.", id="first-name"),
        pytest.param("ask ben hart", "ask [name]", id="case-insensitive"),
        pytest.param("Hartwell's board", "[organisation]'s board", id="possessive"),
        pytest.param("Ben’s idea", "[name]’s idea", id="curly-possessive"),
        pytest.param("Hartwel never paid", "[organisation] never paid", id="misspelling"),
        pytest.param("HARTWELL HEALTH staff", "[organisation] staff", id="organisation"),
        pytest.param("It broke my heart.", "It broke my heart.", id="not-inside-words"),
        pytest.param("the health of the heart", "the health of the heart", id="ordinary-words"),
        pytest.param("Hartwelling about", "Hartwelling about", id="not-a-prefix"),
    ],
)
def test_redaction(text, expected):
    assert Redactor(TERMS).redact(text) == expected


def test_redaction_keeps_own_name_when_attributed_by_name():
    r = Redactor(TERMS)
    assert r.redact(
        "Ben Hart of Hartwell Health met Cara.", keep=("Ben Hart", "Hartwell Health")
    ) == ("Ben Hart of Hartwell Health met [name].")


def test_redact_file(tmp_path):
    f = tmp_path / "redact.txt"
    f.write_text(
        "# extra names\nname: Dora Quill\norg: Kestrel Trust\norganisation: Brackley Partners\nEd Mund\n\n",
        encoding="utf-8",
    )
    terms = read_redact_file(f)
    assert terms == [
        RedactTerm("Dora Quill", "name"),
        RedactTerm("Kestrel Trust", "organisation"),
        RedactTerm("Brackley Partners", "organisation"),
        RedactTerm("Ed Mund", "name"),
    ]
    text = "Dora Quill at Kestrel Trust and Brackley Partners' lawyers"
    assert Redactor(terms).redact(text) == "[name] at [organisation] and [organisation]' lawyers"


def test_redact_file_bad_line(tmp_path):
    f = tmp_path / "redact.txt"
    f.write_text("Dora Quill\norg:\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"redact.txt, line 2: org: has no term after it"):
        read_redact_file(f)
    with pytest.raises(InputError, match="no such redact file"):
        read_redact_file(tmp_path / "missing.txt")


SAMPLE_TERMS = [
    RedactTerm("Martin Okafor", "name"),
    RedactTerm("Priya Raman", "name"),
    RedactTerm("David Nwosu", "name"),
    RedactTerm("Ben Hart", "name"),
    RedactTerm("Orrin Vale Social Care Mutual", "organisation"),
    RedactTerm("Kestrelmead Education Services", "organisation"),
    RedactTerm("Millbeck Homes Mutual", "organisation"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Okafur said no.", "[name] said no.", id="one-letter-6"),
        pytest.param("I asked Ramen first.", "I asked [name] first.", id="one-letter-5-common"),
        pytest.param("Nwosa's idea", "[name]'s idea", id="one-letter-5"),
        pytest.param("the ramen was cold", "the ramen was cold", id="lower-case-ordinary-word"),
        pytest.param("It broke my heart.", "It broke my heart.", id="heart-is-not-hart"),
        pytest.param("Orrinvale's board", "[organisation]'s board", id="org-as-one-word"),
        pytest.param(
            "ORRINVALE and Orrin-Vale", "[organisation] and [organisation]", id="org-joined"
        ),
        pytest.param("Kestrel Mead staff", "[organisation] staff", id="org-split"),
        pytest.param("Kestrel-mead's staff", "[organisation]'s staff", id="org-split-hyphen"),
        pytest.param("Mill Beck said", "[organisation] said", id="org-split-common-halves"),
        pytest.param("by the mill beck", "by the mill beck", id="lower-case-ordinary-words"),
        pytest.param("a kestrel over the vale", "a kestrel over the vale", id="ordinary-words"),
    ],
)
def test_redaction_catches_near_misses(text, expected):
    assert Redactor(SAMPLE_TERMS).redact(text) == expected
