"""Small cases of the line layouts that the fixtures do not show."""

from __future__ import annotations

import pytest

from mpsp_qual.inputs.transcripts import read_transcript


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "王芳\u00a0\u00a0 0:03\n你好。\nDana Reid\u00a0\u00a0 0:09\nHello.\n王芳   0:15\n再见。\n",
            [
                ("王芳", "00:00:03", "你好。"),
                ("Dana Reid", "00:00:09", "Hello."),
                ("王芳", "00:00:15", "再见。"),
            ],
            id="teams-header-uncased-script-and-no-break-spaces",
        ),
        pytest.param(
            "Interviewer: And the board?\nAnn Lee: Slow.\nHonestly: it was very slow.\n"
            "Interviewer: Why?\nAnn Lee: Money.\n",
            [
                ("Interviewer", None, "And the board?"),
                ("Ann Lee", None, "Slow.\nHonestly: it was very slow."),
                ("Interviewer", None, "Why?"),
                ("Ann Lee", None, "Money."),
            ],
            id="a-discourse-opener-is-speech",
        ),
        pytest.param(
            "[00:00:05] Interviewer: Hi.\n\n00:10:00\n\n[00:00:09] Ann Lee: Hello.\n"
            "Interviewer: And?\nAnn Lee: More.\n10:00\nStill me.\n",
            [
                ("Interviewer", "00:00:05", "Hi."),
                ("Ann Lee", "00:00:09", "Hello."),
                ("Interviewer", None, "And?"),
                ("Ann Lee", "00:10:00", "More.\n\nStill me."),
            ],
            id="time-lines-leave-the-text",
        ),
        pytest.param(
            "Q: One?\nA: Yes.\nQ: Two?\n\nA: No.\n\n(laughs) Not really.\n",
            [
                ("Q", None, "One?"),
                ("A", None, "Yes."),
                ("Q", None, "Two?"),
                ("A", None, "No.\n\n(laughs) Not really."),
            ],
            id="q-and-a",
        ),
    ],
)
def test_small_layout_cases(tmp_path, text, expected):
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_transcript(path)
    assert [(t.speaker, t.start_time, t.text) for t in doc.turns] == expected


def test_a_one_off_header_name_is_a_speaker_not_part_of_the_turn_before(tmp_path):
    path = tmp_path / "otter.txt"
    path.write_text(
        "Dana Reid  \nHow was it?\n\nZoë Ünal  \nHard.\n\nDana Reid  \nWhy?\n\n"
        "Zoë Ünal  \nMoney.\n\nSam Lee  \nCan I add one thing?\n",
        encoding="utf-8",
    )
    doc = read_transcript(path)
    assert [(t.speaker, t.text) for t in doc.turns][-2:] == [
        ("Zoë Ünal", "Money."),
        ("Sam Lee", "Can I add one thing?"),
    ]
    assert doc.warnings == (
        "otter.txt, line 13: 'Sam Lee' occurs only once as a speaker label, so it was read as "
        "a speaker of its own; if the words are Zoë Ünal's, join the line to the one above.",
    )


@pytest.mark.parametrize(
    "raw, time",
    [
        ("0:03", "00:00:03"),  # Teams and Otter: m:ss
        ("75:03", "01:15:03"),  # Otter past the hour
        ("1:02:03", "01:02:03"),
        ("0:1:2.110", "00:01:02.110"),  # old Teams WebVTT
        ("0:0:-6.-820", "00:00:00"),  # a negative first start
        ("10:02:15", "10:02:15"),  # Zoom's wall clock
    ],
)
def test_times_are_normalised(raw, time):
    from mpsp_qual.inputs.transcripts.build import norm_time

    assert norm_time(raw) == time
