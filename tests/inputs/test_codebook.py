"""Tests for mpsp_qual.inputs.codebook: the shipped codebook, round trips and every validation rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import openpyxl
import pytest

from mpsp_qual.core.errors import CodebookError
from mpsp_qual.core.model import Code, Codebook
from mpsp_qual.inputs import codebook_sheets as codebook_module
from mpsp_qual.inputs.codebook import (
    FRAME_COLUMNS,
    codebook_frame,
    codebook_to_yaml,
    load_codebook,
    load_codebook_text,
    save_codebook,
)

SHIPPED = Path(__file__).resolve().parents[2] / "codebooks" / "partnerships.yaml"

CSV_HEADER = "id,parent,name,description,include,exclude,keywords,exclude_keywords,examples,color,codable,fuzzy\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    return caught.value.problems


# --------------------------------------------------------------------------- shipped codebook


@pytest.fixture(scope="module")
def shipped() -> Codebook:
    return load_codebook(SHIPPED)


def test_shipped_codebook_top_level_groups(shipped):
    assert shipped.name == "Partnership interviews"
    assert shipped.version == "1"
    roots = shipped.roots()
    assert [c.id for c in roots] == [
        "challenges",
        "benefits",
        "support-needs",
        "programme-objectives",
    ]
    assert all(not c.codable and not c.keywords and not c.exclude_keywords for c in roots)


def test_shipped_codebook_challenge_tree(shipped):
    primaries = shipped.children("challenges")
    assert [c.id for c in primaries] == [
        "misaligned-values",
        "ways-of-working",
        "capacity-constraints",
    ]
    assert shipped.get("misaligned-values").name == "Misalignment of organisational aims and values"
    secondary = {p.id: {c.id for c in shipped.children(p.id)} for p in primaries}
    assert secondary == {
        "misaligned-values": {
            "lead-provider",
            "risk-reward-sharing",
            "financial-obligations",
            "partner-performance",
        },
        "ways-of-working": {
            "triage-systems",
            "terminology",
            "governance",
            "decision-making",
            "communication",
        },
        "capacity-constraints": {"staff-commitment", "time-and-resources", "power-balance"},
    }
    assert all(c.codable for c in shipped.descendants("challenges"))
    assert shipped.level("power-balance") == 3


def test_shipped_codebook_benefits_and_other_groups(shipped):
    benefits = shipped.children("benefits")
    assert len(benefits) >= 10  # nine benefits plus the contract benefits
    assert {"contract-success", "risk-sharing", "bidding-skills", "credibility"} <= {
        c.id for c in benefits
    }
    assert len(shipped.children("support-needs")) >= 5
    assert {"neutral-broker", "funding", "knowledge-transfer"} <= {
        c.id for c in shipped.children("support-needs")
    }
    assert len(shipped.children("programme-objectives")) >= 4


def test_misaligned_values_excludes_value_for_money(shipped):
    code = shipped.get("misaligned-values")
    assert "value for money" in code.exclude_keywords
    assert "values" in code.keywords


def test_shipped_codes_are_fully_described(shipped):
    for code in shipped.codable():
        assert 4 <= len(code.keywords) <= 12, code.id
        assert all(k and k == k.strip() for k in code.keywords + code.exclude_keywords), code.id
        assert code.description and code.include and code.exclude, code.id
        assert len(code.examples) >= 1, code.id
        assert code.color is not None and code.color.startswith("#"), code.id
        generic = {"work", "time", "partner", "partnership", "thing", "good"}
        assert not generic & {k.lower() for k in code.keywords}, code.id


def test_shipped_source_lines_point_at_the_code(shipped):
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    for code in shipped:
        assert lines[code.source_line - 1].strip() == f"- id: {code.id}"


# --------------------------------------------------------------------------- round trips


def test_yaml_csv_xlsx_yaml_round_trip(shipped, tmp_path):
    save_codebook(shipped, tmp_path / "cb.csv")
    from_csv = load_codebook(tmp_path / "cb.csv")
    assert from_csv == shipped
    save_codebook(from_csv, tmp_path / "cb.xlsx")
    from_xlsx = load_codebook(tmp_path / "cb.xlsx")
    assert from_xlsx == shipped
    save_codebook(from_xlsx, tmp_path / "cb.yaml")
    assert load_codebook(tmp_path / "cb.yaml") == shipped
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.csv", "cb.xlsx", "cb.yaml"]


TRICKY = Codebook(
    name="Tricky: names; and = signs",
    version="1.10",
    codes=(
        Code(id="top", name="yes", codable=False, color="#00AA00", description="=SUM(A1)"),
        Code(
            id="child-1",
            name="+44 line",
            parent="top",
            description="first line\nsecond line",
            include="-starts with a dash",
            exclude="@mention",
            keywords=("a;b", "back\\slash", "trailing\\", "no"),
            exclude_keywords=("#N/A",),
            examples=('He said: "one; two"', "'quoted'"),
            fuzzy=0,
        ),
        Code(id="child-2", name="Second", parent="top", fuzzy=85),
        Code(id="other", name="Other"),
    ),
)


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".csv", ".xlsx"])
def test_tricky_values_round_trip(tmp_path, suffix):
    path = tmp_path / f"tricky{suffix}"
    save_codebook(TRICKY, path)
    assert load_codebook(path) == TRICKY


def test_xlsx_formula_looking_text_is_stored_as_text(tmp_path):
    path = tmp_path / "cb.xlsx"
    save_codebook(TRICKY, path)
    sheet = openpyxl.load_workbook(path).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    for text in ("=SUM(A1)", "#N/A", "+44 line", "-starts with a dash", "@mention"):
        assert cells[text].data_type == "s", text
    assert load_codebook(path).get("top").description == "=SUM(A1)"


def test_yaml_text_round_trip_and_defaults_omitted(shipped):
    text = codebook_to_yaml(shipped)
    assert load_codebook_text(text) == shipped
    assert "codable: true" not in text
    assert text.count("fuzzy:") == sum(c.fuzzy is not None for c in shipped)
    assert text.count("codable: false") == 4
    assert "exclude_keywords: [value for money" in text


def test_spreadsheet_without_preamble_uses_file_stem_and_header_row_1(tmp_path):
    path = write(
        tmp_path,
        "mini.csv",
        CSV_HEADER
        + "child,top,Child,,,,x; y,,,,,\n"  # a child before its parent is put after it
        + "top,,Top,,,,,,,,no,\n",
    )
    cb = load_codebook(path)
    assert (cb.name, cb.version) == ("mini", "")
    assert [(c.id, c.parent, c.source_line) for c in cb] == [
        ("top", None, 3),
        ("child", "top", 2),
    ]
    assert cb.get("child").keywords == ("x", "y")
    assert not cb.get("top").codable


def test_codebook_frame(shipped):
    frame = codebook_frame(shipped)
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert list(frame["id"]) == [c.id for c in shipped]
    row = frame.set_index("id").loc["misaligned-values"]
    assert row["level"] == 2 and row["parent"] == "challenges"
    assert row["keywords"].startswith("values; ethos; ")
    assert row["exclude_keywords"].startswith("value for money")
    assert frame.set_index("id").loc["power-balance", "level"] == 3
    assert not frame.set_index("id").loc["challenges", "codable"]


def test_save_writes_whole_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "cb.csv"
    path.write_text("original", encoding="utf-8")

    def broken(codebook, tmp):
        tmp.write_text("half a fi", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(codebook_module, "_write_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        save_codebook(TRICKY, path)
    assert path.read_text(encoding="utf-8") == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["cb.csv"]


def test_save_refuses_an_invalid_codebook(tmp_path):
    bad = Codebook(name="x", version="1", codes=(Code(id="Bad Id", name="Bad"),))
    with pytest.raises(CodebookError, match="'Bad Id' has an invalid id.*'bad-id'"):
        save_codebook(bad, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("name", ["codebook.txt", "codebook.qdc"])
def test_unsupported_suffix(tmp_path, name):
    with pytest.raises(CodebookError, match="use .yaml, .yml, .csv or .xlsx"):
        save_codebook(TRICKY, tmp_path / name)
    (tmp_path / name).write_text("x")
    with pytest.raises(CodebookError, match="is not a codebook file"):
        load_codebook(tmp_path / name)


# --------------------------------------------------------------------------- validation

GOOD_TOP = """\
codebook: Test
version: "1"
codes:
"""

VALIDATION_CASES = [
    pytest.param(
        "x.yaml",
        GOOD_TOP
        + """\
  - id: alpha
    name: Alpha
  - id: beta
    name: Beta
    children:
      - id: alpha
        name: Alpha again
""",
        ["code 'alpha'", "line 9", "line 4", "defined twice"],
        id="duplicate-id-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,Alpha,,,,,,,,,\nbeta,,Beta,,,,,,,,,\nalpha,beta,Again,,,,,,,,,\n",
        ["code 'alpha'", "row 4", "row 2", "defined twice"],
        id="duplicate-id-csv",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,Alpha,,,,,,,,,\nbeta,gamma,Beta,,,,,,,,,\n",
        ["code 'beta'", "row 3", "parent 'gamma'", "not a code"],
        id="unknown-parent-csv",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "root,,Root,,,,,,,,,\nalpha,beta,Alpha,,,,,,,,,\nbeta,alpha,Beta,,,,,,,,,\n",
        ["code 'alpha'", "row 3", "alpha -> beta -> alpha", "cycle"],
        id="cycle-csv",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,alpha,Alpha,,,,,,,,,\n",
        ["code 'alpha'", "row 2", "alpha -> alpha"],
        id="self-parent-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: Misaligned Values\n    name: Misaligned values\n",
        ["code 'Misaligned Values'", "line 4", "invalid id", "'misaligned-values'"],
        id="bad-id-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "ways_of_working,,Ways,,,,,,,,,\n",
        ["code 'ways_of_working'", "row 2", "invalid id", "'ways-of-working'"],
        id="bad-id-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - name: Nameless\n",
        ["line 4", "has no id", "nameless"],
        id="missing-id-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + '  - id: alpha\n    name: Alpha\n    keywords: [ethos, "", values]\n',
        ["code 'alpha'", "line 4", "empty keyword", "item 2 of keywords"],
        id="empty-keyword-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    exclude_keywords:\n      -\n",
        ["code 'alpha'", "line 4", "empty keyword", "item 1 of exclude_keywords"],
        id="empty-exclude-keyword-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,Alpha,,,,ethos;;values,,,,,\n",
        ["code 'alpha'", "row 2", "empty keyword", "item 2 of keywords"],
        id="empty-keyword-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: group\n    name: Group\n    codable: false\n    keywords: [ethos]\n",
        ["code 'group'", "line 4", "grouping code", "keywords"],
        id="keyword-on-grouping-code-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "group,,Group,,,,ethos,,,,no,\n",
        ["code 'group'", "row 2", "grouping code"],
        id="keyword-on-grouping-code-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + '  - id: alpha\n    name: Alpha\n    color: "red"\n',
        ["code 'alpha'", "line 4", "colour 'red'", "#RRGGBB"],
        id="bad-colour-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,Alpha,,,,,,,#12345,,\n",
        ["code 'alpha'", "row 2", "colour '#12345'", "#RRGGBB"],
        id="bad-colour-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    color: #D81B60\n",
        ["code 'alpha'", "line 4", "unquoted colour"],
        id="unquoted-colour-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    description: No name here\n",
        ["code 'alpha'", "line 4", "has no name"],
        id="missing-name-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,  ,,,,,,,,,\n",
        ["code 'alpha'", "row 2", "has no name"],
        id="missing-name-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    fuzzy: 101\n",
        ["code 'alpha'", "line 4", "fuzzy 101", "0 (off) to 100"],
        id="fuzzy-too-high-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER + "alpha,,Alpha,,,,,,,,,-5\n",
        ["code 'alpha'", "row 2", "fuzzy -5"],
        id="fuzzy-negative-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    fuzzy: high\n",
        ["code 'alpha'", "line 4", "fuzzy 'high'"],
        id="fuzzy-not-a-number-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    keyword: [ethos]\n",
        ["code 'alpha'", "line 4", "unknown key 'keyword'", "did you mean 'keywords'"],
        id="unknown-key-yaml",
    ),
    pytest.param(
        "x.yaml",
        "codebook: Test\nversoin: '1'\ncodes:\n  - id: alpha\n    name: Alpha\n",
        ["line 2", "unknown key 'versoin'", "did you mean 'version'"],
        id="unknown-top-level-key-yaml",
    ),
    pytest.param(
        "x.csv",
        CSV_HEADER.replace("keywords,exclude", "keyword,exclude") + "alpha,,Alpha,,,,a,,,,,\n",
        ["row 1", "unknown column 'keyword'", "did you mean 'keywords'"],
        id="unknown-column-csv",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    codable: maybe\n",
        ["code 'alpha'", "line 4", "codable 'maybe'"],
        id="bad-codable-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n    name: Again\n",
        ["code 'alpha'", "line 6", "key 'name' twice"],
        id="repeated-key-yaml",
    ),
    pytest.param(
        "x.yaml",
        GOOD_TOP + "  - id: alpha\n    name: Alpha\n   keywords: [a]\n",
        ["x.yaml", "not valid YAML", "line 6"],
        id="yaml-does-not-parse",
    ),
    pytest.param(
        "x.yaml",
        "codebook: Test\nversion: '1'\n",
        ["x.yaml", "has no codes"],
        id="no-codes-yaml",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), VALIDATION_CASES)
def test_validation_problem(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 1, problems
    for fragment in [str(path), *expected]:
        assert fragment in problems[0]


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(CodebookError, match=r"nowhere\.yaml does not exist") as caught:
        load_codebook(path)
    assert caught.value.problems == [str(caught.value)]


@pytest.mark.parametrize(
    "name", [pytest.param("x.xlsx", id="not-a-workbook"), pytest.param("d.yaml", id="a-directory")]
)
def test_unreadable_file(tmp_path, name):
    path = tmp_path / name
    if name == "d.yaml":
        path.mkdir()
    else:
        path.write_bytes(b"this is not a zip file")
    with pytest.raises(CodebookError, match="cannot be read"):
        load_codebook(path)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "many.yaml",
        """\
        codebook: Many
        codes:
          - id: group
            name: Group
            codable: false
            keywords: [should not be here]
            children:
              - id: Bad_Id
                name: Bad
                keywords: [ok, ""]
              - id: nameless
                color: "blue"
                fuzzy: 250
              - id: group
                name: Again
                keyword: [typo]
        """,
    )
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    problems = caught.value.problems
    assert len(problems) == 8, problems
    assert str(caught.value).startswith(f"{path} has 8 problems: {problems[0].rstrip('.')}; ")
    expected_order = [
        ("line 3", "'group'", "grouping code"),
        ("line 8", "'Bad_Id'", "invalid id"),
        ("line 8", "'Bad_Id'", "empty keyword"),
        ("line 11", "'nameless'", "no name"),
        ("line 11", "'nameless'", "colour 'blue'"),
        ("line 11", "'nameless'", "fuzzy 250"),
        ("line 14", "'group'", "unknown key 'keyword'"),
        ("line 14", "'group'", "line 3 and line 14"),
    ]
    for problem, fragments in zip(problems, expected_order):
        assert all(f in problem for f in fragments), (problem, fragments)


def test_text_source_names_messages():
    with pytest.raises(CodebookError, match=r"^<string> line 3: code 'a' has no name"):
        load_codebook_text("codebook: T\ncodes:\n  - id: a\n")
    with pytest.raises(CodebookError, match=r"^db:codebook has no codebook name"):
        load_codebook_text("codes:\n  - {id: a, name: A}\n", source="db:codebook")


def test_a_register_given_as_a_codebook_is_named(tmp_path, small_files):
    from mpsp_qual.core.errors import CodebookError
    from mpsp_qual.inputs.codebook import load_codebook

    with pytest.raises(CodebookError) as info:
        load_codebook(small_files["register"])
    assert str(info.value) == (
        f"{small_files['register']} is a participants register (it has the columns transcript, "
        "speaker, consent_quotes, consent_named, attribution, withdrawn), not a codebook; give "
        "the codebook (.yaml, or a table with id and name columns), and load the register "
        "with `register FILE`."
    )


@pytest.mark.parametrize(
    ("typed", "guess"),
    [
        pytest.param("capacity-constraint", "capacity-constraints", id="id-slip"),
        pytest.param("Capacity constraints", "capacity-constraints", id="the-name"),
        pytest.param("zzz", None, id="nothing-close"),
    ],
)
def test_an_unknown_code_id_gets_did_you_mean(small_codebook, typed, guess):
    from mpsp_qual.core.errors import UnknownCode

    with pytest.raises(UnknownCode) as info:
        small_codebook.get(typed)
    message = info.value.render("`mpsp-qual {}`")
    if guess:
        assert f"has no code {typed!r} (did you mean {guess!r}?);" in message
    else:
        assert "did you mean" not in message
    assert message.endswith("`mpsp-qual codes` lists them.")
