"""``mpsp-qual serve``: the browser workspace.

The command finds the workspace as the ``mpsp_qual.interfaces`` entry point ``serve``
(:mod:`mpsp_qual.web` registers it), so that the command line never imports the web
layer: the two interfaces are siblings over the library.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import click

from mpsp_qual.cli.base import State, cli


def _workspace():
    found = entry_points(group="mpsp_qual.interfaces", name="serve")
    if not found:
        raise click.ClickException(
            "the browser workspace is not installed with this mpsp-qual; reinstall it "
            "(pip install -e .) and run the command again."
        )
    return next(iter(found)).load()


@cli.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port (default: a free one)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (another needs --password).",
)
@click.option(
    "--password",
    default=None,
    envvar="MPSP_QUAL_PASSWORD",
    help="A password to log in with (needed with --host).",
)
@click.option(
    "--coder", metavar="NAME", default=None, help="Who is coding (default: your user name)."
)
@click.option(
    "--blind",
    is_flag=True,
    help="Show the coder only their own codings and no suggestions (reliability sample).",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@click.option(
    "--demo",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build the demo project in DIR first (if it is not there) and open it.",
)
@click.pass_obj
def serve(
    state: State,
    port: int | None,
    host: str,
    password: str | None,
    coder: str | None,
    blind: bool,
    no_browser: bool,
    demo_dir: Path | None,
) -> None:
    """Open the browser workspace on the project: read, code passages, review suggestions.

    It listens on 127.0.0.1 and prints its address with a one-time token.

    \b
    Example:
      mpsp-qual -p study serve
      mpsp-qual serve --demo demo-output
      mpsp-qual -p study serve --coder bob --blind --no-browser
    """
    from mpsp_qual.app.workspace import demo_project, workspace_coder

    directory = state.directory
    if demo_dir is not None:
        directory = demo_project(demo_dir, log=click.echo)
    _workspace()(
        directory,
        coder=workspace_coder(coder),
        blind=blind,
        host=host,
        port=port,
        password=password,
        open_browser=not no_browser,
        echo=click.echo,
    )
