"""Writing output files whole or not at all.

Every output goes to a temporary file in the target's folder, which is renamed over
the target only once it is complete; a failure part-way leaves the old file (or no
file) in place, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mpsp_qual.core.model import PathLike


def _stale_temporaries(target: Path) -> None:
    """Delete the temporary files a killed writer of ``target`` left (their process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[^.]*{re.escape(target.suffix)}$")
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                entry.unlink()
        except (PermissionError, OverflowError, OSError):
            continue


def _about_target(exc: OSError, tmp: Path | None, target: Path) -> OSError:
    """The error as if about ``target``: the hidden temporary file means nothing to anyone."""
    if tmp is None or exc.filename in (str(tmp), tmp) or exc.filename is None:
        return OSError(exc.errno, exc.strerror or str(exc), str(target))
    return exc


@contextlib.contextmanager
def atomic_path(target: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The temporary file is named after ``target`` and this process, so that one left by
    a killed command is deleted the next time ``target`` is written. An error about the
    temporary file is reported as one about ``target``.

    Example:
        >>> with atomic_path("summary.xlsx") as tmp:
        ...     workbook.save(tmp)
    """
    target = Path(target)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _stale_temporaries(target)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=target.suffix, dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise _about_target(exc, None, target) from None
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the permissions any new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        raise _about_target(exc, tmp, target) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: PathLike, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
