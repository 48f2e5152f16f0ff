"""What a purge leaves behind on purpose: hashes of the purged words, and a pending mark.

A purge records a salted hash of every five-word run its participant said, so that a
copy of their transcript imported later (renamed or edited) can be recognised without
keeping the words; and it marks the file as waiting for compaction until ``VACUUM``
has run, so that a purge killed between its commit and its compaction is finished the
next time the project is opened. :func:`leftover` reads the raw bytes of the file and
its side files, for the check that a purge's words are really gone.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from pathlib import Path

from mpsp_qual.store.db import COMPACTION_PENDING, Store

_SALT = "purge_salt"
#: The files SQLite may keep beside ``project.sqlite``.
SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _salt(store: Store) -> str:
    salt = store.get_setting(_SALT)
    if salt is None:
        salt = secrets.token_hex(16)
        store.set_setting(_SALT, salt)
    return salt


def run_hash(salt: str, run: Iterable[str]) -> str:
    """The salted hash of one run of (case-folded) words."""
    return hashlib.sha256((salt + "\x1f" + " ".join(run)).encode("utf-8")).hexdigest()


def record(store: Store, participant_id: str, runs: Iterable[tuple[str, ...]]) -> int:
    """Remember the runs of words a purge removed (as hashes); call inside its transaction."""
    salt = _salt(store)
    rows = [(run_hash(salt, run), participant_id) for run in runs]
    store.executemany(
        "INSERT OR IGNORE INTO purged_text (hash, participant_id) VALUES (?, ?)", rows
    )
    return len(rows)


def hashes(store: Store) -> tuple[str, dict[str, str]]:
    """(salt, hash -> participant id) of every purged run of words."""
    salt = store.get_setting(_SALT) or ""
    found = {h: pid for h, pid in store.execute("SELECT hash, participant_id FROM purged_text")}
    return salt, found


def mark_pending(store: Store) -> None:
    """Say that compaction is owed (inside the purge's transaction); see
    :meth:`Store.finish_compaction`, which clears it, and which opening the file runs."""
    store.set_setting(COMPACTION_PENDING, "1")


def is_pending(store: Store) -> bool:
    return store.get_setting(COMPACTION_PENDING) is not None


def live_text(store: Store) -> list[str]:
    """Every text value in the file's tables (what a compacted file still holds on purpose)."""
    out = []
    tables = [
        r[0]
        for r in store.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        for row in store.execute(f'SELECT * FROM "{table}"'):
            out.extend(v for v in row if isinstance(v, str))
    return out


def leftover(path: Path, needles: Iterable[str], *, block: int = 16 * 1024 * 1024) -> list[str]:
    """The ``needles`` whose UTF-8 bytes are still in ``path`` or a side file of it.

    The files are read a block at a time (a project file can be gigabytes), each block
    overlapping the last by the longest needle.
    """
    wanted = {n: n.encode("utf-8") for n in needles if n}
    if not wanted:
        return []
    overlap = max(len(b) for b in wanted.values())
    found: set[str] = set()
    for suffix in SIDE_FILES:
        side = Path(str(path) + suffix)
        if not side.is_file():
            continue
        with side.open("rb") as f:
            tail = b""
            while len(found) < len(wanted):
                chunk = f.read(block)
                if not chunk:
                    break
                window = tail + chunk
                found.update(n for n, b in wanted.items() if n not in found and b in window)
                tail = window[-overlap:]
    return [n for n in wanted if n in found]
