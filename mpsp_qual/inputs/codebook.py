"""Load, validate and save codebooks: YAML written by hand, or one spreadsheet row per code.

A codebook is a tree of codes (see ``Codebook`` in ``model.py``). Researchers write it
as YAML with nested ``children`` or as a CSV/XLSX table with a ``parent`` column;
``load_codebook`` reads either into the same ``Codebook``, codes in pre-order, each
remembering the YAML line or spreadsheet row it came from. Validation collects every
problem in the file before raising one ``CodebookError`` whose ``problems`` name the
file, the code and its line or row, and the fix. ``save_codebook`` writes any of the
formats back whole (temporary file, then rename) so that loading what it saved gives
an equal codebook, and ``codebook_frame`` lays the codebook out as a table.

The spreadsheet layout (columns, ``# codebook:`` and ``# version:`` lines, ``;`` in
list cells) is read and written by ``codebook_sheets.py``; this module checks what it
reads. Without a ``# codebook:`` line the name is the file's stem.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mpsp_qual.core.errors import CodebookError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import Code, Codebook, PathLike
from mpsp_qual.inputs import codebook_sheets
from mpsp_qual.inputs.codebook_sheets import CODEBOOK_COLUMNS
from mpsp_qual.inputs.register import register_columns

__all__ = [
    "CODEBOOK_COLUMNS",
    "FRAME_COLUMNS",
    "codebook_frame",
    "codebook_to_yaml",
    "load_codebook",
    "load_codebook_text",
    "save_codebook",
]

#: Columns of the table ``codebook_frame`` returns.
FRAME_COLUMNS = ("id", "parent", "level", *CODEBOOK_COLUMNS[2:])

_TEXT_KEYS = ("id", "name", "description", "include", "exclude", "color", "codable", "fuzzy")
_LIST_KEYS = ("keywords", "exclude_keywords", "examples")
_CODE_KEYS = (*_TEXT_KEYS, *_LIST_KEYS, "children")
_TOP_KEYS = ("codebook", "version", "codes")
_ID = re.compile(r"[a-z0-9-]+")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_TRUE = {"yes", "true", "1", "y", "on"}
_FALSE = {"no", "false", "0", "n", "off"}
_NULL_TAG = "tag:yaml.org,2002:null"
_YAML_SUFFIXES = {".yaml", ".yml"}


# --------------------------------------------------------------------------- problems


@dataclass
class _Entry:
    """One code as read from the file, before its fields are parsed."""

    fields: dict[str, Any]  # key -> str | None, or list[str | None] for list keys
    parent: str | None
    line: int


class _Problems:
    """Collects problem sentences for one file; ``unit`` is "line" (YAML) or "row"."""

    def __init__(self, source: str, unit: str) -> None:
        self.source = source
        self.unit = unit
        self._found: list[tuple[int, str]] = []

    @property
    def items(self) -> list[str]:
        """The problems in file order (whole-file problems first)."""
        return [text for _, text in sorted(self._found, key=lambda found: found[0])]

    def file(self, text: str) -> None:
        self._found.append((0, f"{self.source} {text}"))

    def at(self, line: int | None, text: str) -> None:
        where = f" {self.unit} {line}" if line is not None else ""
        self._found.append((line or 0, f"{self.source}{where}: {text}"))

    def code(self, code_id: str, line: int | None, text: str) -> None:
        self.at(line, f"code {code_id!r} {text}" if code_id else f"a code without an id {text}")

    def raise_if_any(self) -> None:
        items = self.items
        if len(items) == 1:
            raise CodebookError(items[0], items)
        if items:
            joined = "; ".join(p.rstrip(".") for p in items)
            raise CodebookError(f"{self.source} has {len(items)} problems: {joined}.", items)


def _fail(source: str, text: str) -> CodebookError:
    problem = f"{source} {text}"
    return CodebookError(problem, [problem])


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known keys are {', '.join(known)}."


# --------------------------------------------------------------------------- loading


def load_codebook(path: PathLike) -> Codebook:
    """Read a codebook from YAML (.yaml/.yml) or a spreadsheet (.csv/.xlsx).

    Args:
        path: The codebook file.

    Returns:
        The codebook, codes in pre-order (each parent before its children).

    Raises:
        CodebookError: if the file is missing, unreadable or invalid; ``problems``
            lists every problem found, each naming the code and its line or row.

    Example:
        >>> cb = load_codebook("codebooks/partnerships.yaml")  # doctest: +SKIP
        >>> [c.id for c in cb.children("challenges")]  # doctest: +SKIP
        ['misaligned-values', 'ways-of-working', 'capacity-constraints']
    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES | codebook_sheets.SHEET_SUFFIXES:
        raise _fail(source, "is not a codebook file; use .yaml, .yml, .csv or .xlsx.")
    if not path.exists():
        raise _fail(source, "does not exist.")
    try:
        if suffix in _YAML_SUFFIXES:
            return load_codebook_text(codebook_sheets.read_text(path), source=source)
        rows = codebook_sheets.read_rows(path)
    except codebook_sheets.READ_ERRORS as exc:
        raise _fail(source, f"cannot be read ({exc.__class__.__name__}: {exc}).") from exc
    return _load_rows(rows, source=source, default_name=path.stem)


def load_codebook_text(text: str, *, source: str = "<string>") -> Codebook:
    """Read a codebook from YAML text, e.g. as stored in the project file.

    Args:
        text: The YAML document.
        source: How messages name the text (a file name, or "<string>").

    Returns:
        The codebook, codes in pre-order.

    Raises:
        CodebookError: if the YAML does not parse or the codebook is invalid.
    """
    # The C loader (where PyYAML was built with libyaml) is about ten times faster and
    # gives the same nodes and line marks.
    _refuse_aliases(text, source)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise _fail(source, f"is not valid YAML{line}: {exc.problem or exc.context}.") from exc
    except yaml.YAMLError as exc:
        raise _fail(source, f"is not valid YAML: {exc}.") from exc
    finally:
        loader.dispose()

    problems = _Problems(source, "line")
    if not isinstance(root, yaml.MappingNode):
        raise _fail(source, "is not a codebook; expected keys codebook, version and codes.")
    top = _mapping(root, problems, "")
    for key, (key_node, _) in top.items():
        if key not in _TOP_KEYS:
            problems.at(_line(key_node), f"has unknown key {key!r}{_suggest(key, _TOP_KEYS)}")
    name = _text(_value(top, "codebook"))
    if not name:
        problems.file("has no codebook name; add a line like 'codebook: Partnership interviews'.")
    entries: list[_Entry] = []
    codes_node = _value(top, "codes")
    if isinstance(codes_node, yaml.SequenceNode) and codes_node.value:
        _walk(codes_node, None, entries, problems, text.splitlines())
    else:
        problems.file("has no codes; add a 'codes:' list.")
    return _finish(name or "", _text(_value(top, "version")) or "", entries, problems)


def _refuse_aliases(text: str, source: str) -> None:
    """Refuse YAML anchors and aliases: nine lines of ``&a [*b, *b, ...]`` expand to
    billions of nodes (an alias bomb), and a codebook never needs them."""
    events = yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    try:
        for event in events:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise _fail(
                    source,
                    f"uses a YAML anchor or alias at line {line} (&name or *name); write the "
                    "value out in full, as a codebook may not repeat parts by reference.",
                )
    except yaml.YAMLError:
        return  # the loader below reports the syntax error with its line


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


_Pairs = dict[str, tuple[yaml.Node, yaml.Node]]


def _mapping(node: yaml.MappingNode, problems: _Problems, code_id: str) -> _Pairs:
    """Key -> (key node, value node), reporting keys given twice."""
    out: _Pairs = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in out:
            problems.code(code_id, _line(key_node), f"has the key {key!r} twice; keep one.")
        out[key] = (key_node, value_node)
    return out


def _value(pairs: _Pairs, key: str) -> yaml.Node | None:
    return pairs[key][1] if key in pairs else None


def _text(node: yaml.Node | None) -> str | None:
    """The scalar as written, so that ``version: 1.10`` stays "1.10" and ``no`` stays text."""
    if node is None or not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    return str(node.value)


def _walk(
    seq: yaml.SequenceNode,
    parent: str | None,
    entries: list[_Entry],
    problems: _Problems,
    lines: list[str],
) -> None:
    for item in seq.value:
        line = _line(item)
        if not isinstance(item, yaml.MappingNode):
            problems.at(line, "a code must be a mapping of id, name, ...; found a plain value.")
            continue
        code_id = (_text(next((v for k, v in item.value if k.value == "id"), None)) or "").strip()
        pairs = _mapping(item, problems, code_id)
        fields: dict[str, Any] = {}
        for key, (key_node, node) in pairs.items():
            if key == "children":
                continue
            if key not in _CODE_KEYS:
                problems.code(code_id, line, f"has unknown key {key!r}{_suggest(key, _CODE_KEYS)}")
            elif key in _LIST_KEYS:
                fields[key] = _items(node, key, code_id, problems)
            elif isinstance(node, yaml.ScalarNode):
                fields[key] = _text(node)
                if key == "color" and re.search(r"color\s*:\s*#", lines[_line(key_node) - 1]):
                    # An unquoted #D81B60 starts a YAML comment and leaves the value empty.
                    problems.code(code_id, line, 'has an unquoted colour; write color: "#RRGGBB".')
            else:
                problems.code(code_id, line, f"has a list or mapping for {key!r}; expected text.")
        entries.append(_Entry(fields, parent, line))
        children = _value(pairs, "children")
        if isinstance(children, yaml.SequenceNode):
            _walk(children, code_id, entries, problems, lines)
        elif _text(children) is not None or isinstance(children, yaml.MappingNode):
            problems.code(code_id, line, "has 'children' that are not a list of codes.")


def _items(node: yaml.Node, key: str, code_id: str, problems: _Problems) -> list[str | None]:
    if isinstance(node, yaml.ScalarNode):
        value = _text(node)
        return [] if value is None else [value]
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(n, yaml.ScalarNode) for n in node.value
    ):
        return [_text(n) for n in node.value]
    problems.code(code_id, _line(node), f"has {key!r} that is not a list of text items.")
    return []


# --------------------------------------------------------------------------- spreadsheets


def _load_rows(rows: list[list[Any]], *, source: str, default_name: str) -> Codebook:
    table = codebook_sheets.parse_sheet(rows)
    if table is None:
        raise _fail(source, f"has no header row; expected columns {', '.join(CODEBOOK_COLUMNS)}.")
    mistaken = register_columns(table.header)
    if mistaken:
        message = (
            f"{source} is a participants register (it has the columns {', '.join(mistaken)}), "
            "not a codebook; give the codebook (.yaml, or a table with id and name columns), "
            "and load the register with {hint}."
        )
        raise CodebookError(message, [message], hint="register FILE")
    problems = _Problems(source, "row")
    header, at = table.header, table.header_row
    known = (*CODEBOOK_COLUMNS, "level")  # codebook_frame adds "level"; it is derived, so ignored
    for number, column in enumerate(header):
        if column and column not in known:
            problems.at(at, f"unknown column {column!r}{_suggest(column, CODEBOOK_COLUMNS)}")
        elif column and column in header[:number]:
            problems.at(at, f"the column {column!r} appears twice; keep one.")
    for required in ("id", "name"):
        if required not in header:
            problems.at(at, f"has no {required!r} column; the header needs id and name.")
    if "id" not in header or "name" not in header:
        problems.raise_if_any()

    entries: list[_Entry] = []
    for number, values in table.rows:
        fields: dict[str, Any] = {k: values[k] for k in _TEXT_KEYS if k in values}
        fields.update({k: codebook_sheets.split_list(values[k]) for k in _LIST_KEYS if k in values})
        entries.append(_Entry(fields, values.get("parent", "").strip() or None, number))
    if not entries:
        problems.file("has no codes; add one row per code under the header.")
    name = table.name or default_name
    return _finish(name, table.version, _preorder(entries), problems)


def _preorder(entries: list[_Entry]) -> list[_Entry]:
    """Parents before children, siblings in file order; orphans and cycles go last."""
    children: dict[str | None, list[_Entry]] = {}
    for entry in entries:
        children.setdefault(entry.parent, []).append(entry)
    out: list[_Entry] = []
    seen: set[int] = set()

    def visit(parent: str | None) -> None:
        for entry in children.get(parent, []):
            if id(entry) not in seen:
                seen.add(id(entry))
                out.append(entry)
                visit((entry.fields.get("id") or "").strip())

    visit(None)
    for entry in entries:
        if id(entry) not in seen:
            seen.add(id(entry))
            out.append(entry)
    return out


# --------------------------------------------------------------------------- validation


def _finish(name: str, version: str, entries: list[_Entry], problems: _Problems) -> Codebook:
    codes = [_make_code(e, problems) for e in entries]
    _check_codes(codes, problems)
    problems.raise_if_any()
    return Codebook(name=name.strip(), version=version.strip(), codes=tuple(codes))


def _make_code(entry: _Entry, problems: _Problems) -> Code:
    f = entry.fields
    code_id = (f.get("id") or "").strip()

    def text(key: str) -> str:
        return (f.get(key) or "").strip()

    def items(key: str) -> tuple[str, ...]:
        return tuple((i or "").strip() for i in f.get(key, []))

    codable_text = text("codable").lower()
    codable = codable_text not in _FALSE
    if codable_text and codable_text not in _TRUE | _FALSE:
        problems.code(code_id, entry.line, f"has codable {codable_text!r}; use yes or no.")
    fuzzy: int | None = None
    if text("fuzzy"):
        try:
            number = float(text("fuzzy"))  # a spreadsheet may hold 80 as "80.0"
            if not number.is_integer():
                raise ValueError(number)
            fuzzy = int(number)
        except ValueError:
            problems.code(code_id, entry.line, f"has fuzzy {text('fuzzy')!r}; use 0 to 100.")
    color = text("color")
    return Code(
        id=code_id,
        name=text("name"),
        parent=entry.parent,
        description=text("description"),
        include=text("include"),
        exclude=text("exclude"),
        keywords=items("keywords"),
        exclude_keywords=items("exclude_keywords"),
        examples=items("examples"),
        color=(color.upper() if _COLOR.fullmatch(color) else color) or None,
        codable=codable,
        fuzzy=fuzzy,
        source_line=entry.line,
    )


def _check_codes(codes: list[Code], problems: _Problems) -> None:
    """Every rule that holds for a codebook however it was written."""
    first: dict[str, Code] = {}
    for code in codes:

        def report(text: str, code: Code = code) -> None:
            problems.code(code.id, code.source_line, text)

        if not code.id:
            hint = _slug(code.name) or "misaligned-values"
            problems.at(code.source_line, f"a code has no id; add one, e.g. id: {hint}.")
        elif not _ID.fullmatch(code.id):
            hint = _slug(code.id) or "misaligned-values"
            report(f"has an invalid id; use lowercase letters, digits and hyphens, e.g. {hint!r}.")
        elif code.id in first:
            where = first[code.id].source_line
            report(
                f"is defined twice, at {problems.unit} {where} and {problems.unit} "
                f"{code.source_line}; ids must be unique across the codebook."
            )
        else:
            first[code.id] = code
        if not code.name:
            report("has no name; add a short name such as 'Different ways of working'.")
        for key in ("keywords", "exclude_keywords"):
            for number, keyword in enumerate(getattr(code, key), start=1):
                if not keyword:
                    report(f"has an empty keyword (item {number} of {key}); remove it.")
        if not code.codable and (code.keywords or code.exclude_keywords):
            report(
                "is a grouping code (codable: false) but has keywords; move them to a "
                "child code or make it codable."
            )
        if code.color is not None and not _COLOR.fullmatch(code.color):
            report(f'has colour {code.color!r}; use #RRGGBB, e.g. "#D81B60".')
        if code.fuzzy is not None and not 0 <= code.fuzzy <= 100:
            report(f"has fuzzy {code.fuzzy}; use a whole number from 0 (off) to 100.")
    parents = {c.id: c.parent for c in reversed(codes)}
    for code in codes:
        if code.parent is not None and code.parent not in parents:
            problems.code(
                code.id,
                code.source_line,
                f"has parent {code.parent!r}, which is not a code in this codebook.",
            )
    reported: set[frozenset[str]] = set()
    for code in first.values():  # a repeated id is reported above, not as a cycle
        path, node = [code.id], code.parent
        while node is not None and node in parents and node not in path:
            path.append(node)
            node = parents[node]
        if node == code.id and frozenset(path) not in reported:
            reported.add(frozenset(path))
            chain = " -> ".join([*path, code.id])
            problems.code(
                code.id,
                code.source_line,
                f"is its own ancestor ({chain}); "
                "give one code in this parent cycle a parent outside it, or none.",
            )


# --------------------------------------------------------------------------- saving


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook as YAML text in the hand-written format, omitting defaults.

    Args:
        codebook: The codebook.

    Returns:
        YAML that ``load_codebook_text`` reads back into an equal codebook.
    """
    children: dict[str | None, list[Code]] = {}
    for code in codebook.codes:
        children.setdefault(code.parent, []).append(code)

    def tree(parent: str | None) -> list[dict[str, Any]]:
        out = []
        for code in children.get(parent, []):
            item: dict[str, Any] = {"id": code.id, "name": code.name}
            if not code.codable:
                item["codable"] = False
            for key in ("description", "include", "exclude"):
                if getattr(code, key):
                    item[key] = getattr(code, key)
            for key in _LIST_KEYS:
                values = list(getattr(code, key))
                if values:
                    item[key] = values if key == "examples" else _FlowList(values)
            if code.color is not None:
                item["color"] = code.color
            if code.fuzzy is not None:
                item["fuzzy"] = code.fuzzy
            if children.get(code.id):
                item["children"] = tree(code.id)
            out.append(item)
        return out

    document = {"codebook": codebook.name, "version": codebook.version, "codes": tree(None)}
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)


class _FlowList(list):
    """A list written on one line: ``keywords: [a, b]``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key, the way the hand-written codebooks are laid out.
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def save_codebook(codebook: Codebook, path: PathLike) -> None:
    """Write a codebook as YAML (.yaml/.yml) or a spreadsheet (.csv/.xlsx).

    The file is written whole or not at all, and ``load_codebook`` reads it back into
    an equal codebook. In XLSX every text cell is stored as text, never as a formula.

    Args:
        codebook: The codebook to write; it is validated first.
        path: The file to write; its suffix chooses the format.

    Raises:
        CodebookError: if the codebook is invalid or the suffix is not a codebook format.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES | codebook_sheets.SHEET_SUFFIXES:
        raise _fail(str(path), "is not a codebook file name; use .yaml, .yml, .csv or .xlsx.")
    problems = _Problems(f"codebook {codebook.name!r}", "line")
    _check_codes(list(codebook.codes), problems)
    problems.raise_if_any()
    if suffix in _YAML_SUFFIXES:
        data = codebook_to_yaml(codebook).encode("utf-8")
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    else:
        codebook_sheets.write_sheet(codebook, path)


# --------------------------------------------------------------------------- tables


def codebook_frame(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a table, one row per code in codebook order.

    Args:
        codebook: The codebook.

    Returns:
        A DataFrame with columns ``FRAME_COLUMNS``: id, parent (missing at the top),
        level (1 at the top), name, description, include, exclude, keywords,
        exclude_keywords and examples (each joined with "; "), color, codable (bool)
        and fuzzy (nullable integer).
    """
    parents = {c.id: c.parent for c in codebook.codes}

    def level(code: Code) -> int:
        depth, parent = 1, code.parent
        while parent is not None and depth <= len(parents):
            depth, parent = depth + 1, parents.get(parent)
        return depth

    records = [
        {
            "id": c.id,
            "parent": c.parent,
            "level": level(c),
            "name": c.name,
            "description": c.description,
            "include": c.include,
            "exclude": c.exclude,
            "keywords": "; ".join(c.keywords),
            "exclude_keywords": "; ".join(c.exclude_keywords),
            "examples": "; ".join(c.examples),
            "color": c.color,
            "codable": c.codable,
            "fuzzy": c.fuzzy,
        }
        for c in codebook.codes
    ]
    frame = pd.DataFrame(records, columns=list(FRAME_COLUMNS))
    return frame.astype({"level": "int64", "codable": "bool", "fuzzy": "Int64"})
