"""The command group, the shared options and the one place errors are translated.

Commands are thin: parse, call one library function, format the result. Library
errors (:class:`~mpsp_qual.core.errors.MpspQualError`) become ``Error: ...`` on stderr
with exit status 1 here, once; usage errors stay click's (exit status 2).
"""

from __future__ import annotations

import errno
import functools
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.core import vocab
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.core.limits import summarise
from mpsp_qual.core.safe_text import printable

if TYPE_CHECKING:
    import pandas as pd

    from mpsp_qual.app.project import Project


class State:
    """What the group callback hands to subcommands: the project directory, opened lazily."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            from mpsp_qual.app.project import Project

            self._project = Project.open(self.directory)
        return self._project

    def close(self) -> None:
        if self._project is not None:
            self._project.close()
            self._project = None


def error_message(exc: MpspQualError) -> str:
    """The exception's sentence, its hint as a command, then its problems one per line."""
    problems = getattr(exc, "problems", None) or []
    message = exc.render("`mpsp-qual {}`")
    if len(problems) > 1 and not all(p in message for p in problems):
        message += "".join(f"\n  - {p}" for p in problems)
    return message


def os_error_message(exc: OSError) -> str:
    """One sentence for a file the system would not let us read or write."""
    where = exc.filename or "a file"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"{where}: the disk is full; free some space and run the command again."
    if exc.errno == errno.EROFS:
        return f"{where}: the disk is read-only; write to a folder on another disk."
    reason = (exc.strerror or str(exc)).lower()
    return f"{where}: {reason}; check the path and its folder, then run the command again."


def project_first(args: list[str]) -> list[str]:
    """The arguments with ``-p DIR`` / ``--project DIR`` moved before the command name, so
    that ``mpsp-qual prevalence -p study`` works as ``mpsp-qual -p study prevalence``."""
    head: list[str] = []
    rest: list[str] = []
    moved: list[str] = []
    i, seen_command = 0, False
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if not seen_command:
            if not arg.startswith("-"):
                seen_command = True
                rest.append(arg)
            else:
                head.append(arg)
                if arg in ("-p", "--project") and i + 1 < len(args):
                    head.append(args[i + 1])
                    i += 1
            i += 1
            continue
        if arg in ("-p", "--project") and i + 1 < len(args):
            moved += ["--project", args[i + 1]]
            i += 2
            continue
        if arg.startswith("--project="):
            moved.append(arg)
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            moved += ["--project", arg[2:]]
        else:
            rest.append(arg)
        i += 1
    return [*head, *moved, *rest]


class Group(click.Group):
    """A click group that turns library errors into one clean line and exit status 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = project_first(list(args))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MpspQualError as exc:
            raise click.ClickException(error_message(exc)) from None
        except OSError as exc:
            raise click.ClickException(os_error_message(exc)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            message = services.database_error_message(exc)
            if message is None:
                raise
            raise click.ClickException(message) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-p",
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project directory (holding project.sqlite).",
)
@click.version_option(package_name="mpsp-qual")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path) -> None:
    """Code qualitative interviews against a codebook, and report on them.

    \b
    Quick start:
      mpsp-qual -p study init --codebook codebooks/partnerships.yaml --register participants.csv
      mpsp-qual -p study import transcripts/*.txt
      mpsp-qual -p study autocode
      mpsp-qual -p study prevalence
    """
    state = State(project_dir)
    ctx.obj = state
    ctx.call_on_close(state.close)


def pass_project(f):
    """Give the command the open Project as its first argument."""

    @click.pass_obj
    @functools.wraps(f)
    def wrapper(state: State, *args, **kwargs):
        return f(state.project, *args, **kwargs)

    return wrapper


#: ``--coder``: whose codings count, for every command that aggregates or quotes.
coder_option = click.option(
    "--coder",
    metavar="NAME",
    default=None,
    help="Whose codings count (default: a consensus or human coder who coded every "
    "participant segment, else auto).",
)


TERMINAL_WIDTH = 80
WIDE_KEY = "mpsp_qual.wide"


def _remember_wide(ctx: click.Context, _param, value: bool) -> bool:
    ctx.meta[WIDE_KEY] = value
    return value


def output_options(f):
    """``--format table|csv|json``, ``-o FILE`` and ``--wide`` for every command that prints a
    table (tables fit 80 columns unless ``--wide``)."""
    f = click.option(
        "--wide",
        is_flag=True,
        expose_value=False,
        callback=_remember_wide,
        help="Print the table at full width (default: fitted to 80 columns).",
    )(f)
    f = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the table to FILE (.csv, .json or .xlsx) instead of printing it.",
    )(f)
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(vocab.TABLE_FORMATS),
        default="table",
        show_default=True,
        help="How to print the table.",
    )(f)
    return f


#: ``--internal``: for every command whose file holds text not cleared for quoting.
internal_option = click.option(
    "--internal",
    is_flag=True,
    help="Allow -o FILE although it holds participants' words or names not cleared for "
    "quoting; the file is then marked internal (.xlsx: every sheet and page).",
)


#: What the listings hold, for :func:`require_internal`'s sentence.
HOLDS_WORDS = "participants' words"
HOLDS_WORDS_AND_NAMES = "participants' words and the speakers' names"
HOLDS_NAMES = "participants' names and organisations"
HOLDS_FILE_NAMES = "transcript file names, which may name an organisation or a person"


def require_internal(
    output: Path | None, internal: bool, what: str, *, printable: bool = True
) -> None:
    """Refuse to write ``what`` (participants' words or names) to ``output`` without
    ``--internal``: a file can leave the team, a table printed to the terminal cannot
    (``printable``: the command can print it instead)."""
    if output is not None and not internal:
        instead = ", or leave out -o to print it" if printable else ""
        raise click.UsageError(
            f"{output.name} would hold {what}, not cleared for quoting (those who declined "
            "quotes included); add --internal to write it as a file for the research team "
            f"(it is then marked internal){instead}."
        )


def internal_notice(output: Path) -> None:
    """Say on stderr that ``output`` is internal (all a CSV or JSON file can carry)."""
    click.echo(f"Note: {output} is {vocab.INTERNAL_MARK}; keep it within the team.", err=True)


def emit(
    frame: pd.DataFrame,
    fmt: str,
    output: Path | None,
    *,
    title: str | None = None,
    holds: str | None = None,
    internal: bool = False,
) -> None:
    """Print a table (or write it to ``output``), with an optional heading line.

    ``holds`` says what participant text or names the table holds: then it is written to
    a file only with ``internal`` (see :func:`require_internal`), marked internal.
    """
    if output is not None:
        if holds is not None:
            require_internal(output, internal, holds)
        marked = holds is not None
        services.write_table(frame, output, None if fmt == "table" else fmt, internal=marked)
        click.echo(f"Wrote {output} ({len(frame)} rows).", err=True)
        if marked:
            internal_notice(output)
        return
    wide = click.get_current_context().meta.get(WIDE_KEY, False)
    if title and fmt == "table":
        click.echo(title if wide else textwrap.fill(title, TERMINAL_WIDTH))
    click.echo(services.render(frame, fmt, width=None if wide else TERMINAL_WIDTH), nl=False)


def warn(message: str) -> None:
    click.echo(f"Warning: {printable(message)}", err=True)


def warn_all(messages) -> None:
    """Each warning on stderr, the rest counted after the first few ("and 999,990 more")."""
    for message in summarise(list(messages)):
        warn(message)


def progress_bar(length: int, label: str):
    """A progress bar on stderr (quiet when stderr is not a terminal)."""
    stderr = sys.stderr
    return click.progressbar(
        length=length, label=label, file=sys.stderr, show_pos=True, hidden=not stderr.isatty()
    )
