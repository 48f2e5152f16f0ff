"""The project file: schema version, pragmas, transactions and the audit log."""

from __future__ import annotations

import sqlite3

import pytest

from mpsp_qual.core.errors import ProjectError
from mpsp_qual.store.db import MIGRATIONS, PROJECT_FILE, Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / PROJECT_FILE, create=True)
    yield s
    s.close()


def settings(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
    finally:
        conn.close()


def test_schema_version_is_the_number_of_migrations(store):
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert store.version == len(MIGRATIONS)


def test_migrations_are_recorded_in_the_audit_log(store):
    actions = store.execute("SELECT action, detail FROM audit ORDER BY id").fetchall()
    assert [(a, d) for a, d in actions] == [
        ("migrate", f'{{"migration": "{name}"}}') for name, _ in MIGRATIONS
    ]


def test_reopening_applies_nothing(tmp_path, store):
    again = Store(tmp_path / PROJECT_FILE)
    try:
        assert again.migrate() == []
        assert again.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == len(MIGRATIONS)
    finally:
        again.close()


def test_tables_the_foundation_needs(store):
    names = {r[0] for r in store.execute("SELECT name FROM sqlite_master")}
    for table in (
        "documents",
        "turns",
        "segments",
        "participants",
        "codes",
        "codings",
        "audit",
        "segment_view",
    ):
        assert table in names


def test_foreign_keys_are_on(store):
    assert store.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.execute(
            "INSERT INTO turns (document_id, idx, speaker, start, end, text) "
            "VALUES (999, 0, 'A', 0, 1, 'x')"
        )


def test_deleting_a_document_cascades_to_its_turns(store):
    store.execute(
        "INSERT INTO documents (name, path, format, sha256, text, imported_at) "
        "VALUES ('a.txt', 'a.txt', 'txt', 'x', 'A: hi', 'now')"
    )
    store.execute(
        "INSERT INTO turns (document_id, idx, speaker, start, end, text) VALUES (1, 0, 'A', 3, 5, 'hi')"
    )
    store.execute("DELETE FROM documents")
    assert store.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0


def test_journal_is_wal(store):
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failing_operation_inside_a_transaction_rolls_back(tmp_path, store):
    store.set_setting("kept", "1")
    with pytest.raises(RuntimeError), store.transaction():
        store.set_setting("lost", "2")
        store.audit("lost", {})
        raise RuntimeError("boom")
    assert settings(tmp_path / PROJECT_FILE) == [("kept", "1")]
    assert store.execute("SELECT COUNT(*) FROM audit WHERE action = 'lost'").fetchone()[0] == 0


def test_a_failing_nested_transaction_rolls_back_the_outer_one(tmp_path, store):
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.set_setting("outer", "1")
        with store.transaction():
            store.set_setting("inner", "2")
            store.execute(
                "INSERT INTO turns (document_id, idx, speaker, start, end, text) "
                "VALUES (999, 0, 'A', 0, 1, 'x')"
            )
    assert settings(tmp_path / PROJECT_FILE) == []
    # The store is usable again after the rollback.
    with store.transaction():
        store.set_setting("after", "3")
    assert settings(tmp_path / PROJECT_FILE) == [("after", "3")]


def test_a_committed_transaction_is_visible_to_another_connection(tmp_path, store):
    with store.transaction():
        store.set_setting("k", "v")
        store.audit("test", {"n": 1})
    assert settings(tmp_path / PROJECT_FILE) == [("k", "v")]
    assert store.get_setting("k") == "v"
    assert store.get_setting("missing", "default") == "default"


def test_audit_records_who_what_when(store, monkeypatch):
    monkeypatch.setenv("MPSP_QUAL_USER", "alice")
    store.audit("import", {"imported": ["a.txt"]})
    at, who, action, detail = store.execute(
        "SELECT at, who, action, detail FROM audit ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert (who, action, detail) == ("alice", "import", '{"imported": ["a.txt"]}')
    assert at.endswith("+00:00") and "T" in at


def test_opening_a_missing_project_says_how_to_make_one(tmp_path):
    with pytest.raises(ProjectError) as info:
        Store(tmp_path / PROJECT_FILE)
    assert str(info.value) == (
        f"{tmp_path} is not a project (no project.sqlite); "
        "run `init` there first, or pass -p PROJECT_DIR."
    )
    assert info.value.hint == "init"
    assert not (tmp_path / PROJECT_FILE).exists()


def test_a_newer_schema_is_refused(tmp_path, store):
    store.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    store.close()
    with pytest.raises(ProjectError, match="written by a newer version"):
        Store(tmp_path / PROJECT_FILE)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / PROJECT_FILE
    path.write_bytes(b"this is not a database, it is plain text " * 20)
    with pytest.raises(ProjectError, match="is not a readable project file"):
        Store(path)


# -- document texts set into place after the document is let go of ---------------------


def _document(text_of_turns: list[tuple[str, str]]):
    from mpsp_qual.inputs.transcripts.build import Found, Utterance, build_document

    found = Found(utterances=[Utterance(who, None, said) for who, said in text_of_turns])
    return build_document("café.txt", found, fmt="txt", layout="test")


@pytest.mark.parametrize(
    "turns",
    [
        pytest.param([("Ann", "Plain words."), ("Bo", "More.")], id="ascii"),
        pytest.param([("Zoë", "“Naïve” — café ☕ and 😀."), ("Bo", "ß " * 5000)], id="non-ascii"),
    ],
)
def test_a_deferred_text_is_stored_as_the_same_text(store, turns):
    document = _document(turns)
    with store.transaction():
        store.documents.write(document, "café.txt", "0" * 64, [], "turn", "now", defer_text=True)
        store.documents.settle_texts()
    row = store.conn.execute("SELECT typeof(text), text FROM documents").fetchone()
    assert tuple(row) == ("text", document.text)
    assert store.documents.text("café.txt") == document.text
    pending = "SELECT name FROM sqlite_temp_master WHERE name = 'pending_text'"
    assert store.conn.execute(pending).fetchall() == []
    # The turns' offsets point into the stored text as into the document's.
    spans = store.conn.execute("SELECT start, end, text FROM turns ORDER BY idx").fetchall()
    assert [tuple(span) for span in spans] == [(t.start, t.end, t.text) for t in document.turns]
    assert all(row[1][s:e] == t for s, e, t in spans)


def test_a_deferred_text_is_rolled_back_with_the_import(store):
    document = _document([("Ann", "Words that never land.")])
    with pytest.raises(RuntimeError), store.transaction():
        store.documents.write(document, "a.txt", "0" * 64, [], "turn", "now", defer_text=True)
        raise RuntimeError("an import that fails after the write")
    assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    with store.transaction():
        store.documents.write(document, "a.txt", "0" * 64, [], "turn", "now", defer_text=True)
        store.documents.settle_texts()
    assert store.documents.text(document.name) == document.text
