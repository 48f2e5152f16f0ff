"""What SQLite's failures mean for the person running the command, in one sentence.

SQLite reports a full disk, a read-only file, another writer and a lost race on a
unique name as bare strings ("database or disk is full", "attempt to write a readonly
database", "database is locked", "UNIQUE constraint failed"); :func:`explain` turns
each into a :class:`~mpsp_qual.core.errors.ProjectError` that names the project file
and the fix. A failure it does not know is left as it is.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from mpsp_qual.core.errors import ProjectError


def _name(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
    return _name(exc) == "SQLITE_FULL" or "disk is full" in str(exc) or "disk I/O error" in str(exc)


def is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    return _name(exc) == "SQLITE_READONLY" or "readonly database" in str(exc)


def is_busy(exc: BaseException) -> bool:
    return (
        _name(exc) in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in str(exc) or "busy" in str(exc)
    )


def full_disk(path: Path, what: str = "the command") -> ProjectError:
    return ProjectError(
        f"the disk holding {path} is full, so {what} was not saved and the project is as it "
        "was; free some space and run the command again."
    )


def read_only(path: Path) -> ProjectError:
    return ProjectError(
        f"{path} is read-only (the file, its folder or the disk): it can be listed but not "
        "changed; copy the project folder somewhere you can write, or fix its permissions."
    )


def busy(path: Path) -> ProjectError:
    return ProjectError(
        f"{path} is busy, locked by another program (another mpsp-qual command, a notebook, a "
        "database browser) writing to it; wait for it to finish, or close it, and retry."
    )


def explain(exc: BaseException, path: Path) -> ProjectError | None:
    """The sentence for a failure of ``path``'s database, or None for one we do not know."""
    # Two commands that both saw a name free (two identical imports at once): the second
    # finds it taken when it writes.
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc):
        return ProjectError(
            f"{path} was changed by another command while this one ran ({exc}), so nothing "
            "was saved; run the command again."
        )
    if not isinstance(exc, (sqlite3.OperationalError, OSError)):
        return None
    if is_full(exc):
        return full_disk(path)
    if is_read_only(exc):
        return read_only(path)
    if is_busy(exc):
        return busy(path)
    return None
