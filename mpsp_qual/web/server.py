"""``mpsp-qual serve``: run the workspace with uvicorn, print its address, open a browser.

:func:`serve` is registered as the ``mpsp_qual.interfaces`` entry point ``serve``; the
command line finds it there, so that neither interface imports the other.
"""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from mpsp_qual.core.errors import ProjectError
from mpsp_qual.web.app import create_app
from mpsp_qual.web.security import Guard

LOCAL = "127.0.0.1"


def free_port(host: str = LOCAL) -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(
    directory: Path | str,
    *,
    coder: str,
    blind: bool = False,
    host: str = LOCAL,
    port: int | None = None,
    password: str | None = None,
    open_browser: bool = True,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the workspace until interrupted.

    Raises:
        ProjectError: ``host`` is not 127.0.0.1 and no password was given, or there is
            no project in ``directory``.
    """
    import uvicorn

    if host not in (LOCAL, "localhost") and not password:
        raise ProjectError(
            f"listening on {host} lets other machines reach the workspace; give a password "
            "too ({hint}), or leave --host out to stay on 127.0.0.1.",
            hint="serve --host HOST --password PASSWORD",
        )
    port = port or free_port(LOCAL if host in (LOCAL, "localhost") else host)
    guard = Guard.create(host=host, port=port, password=password)
    app = create_app(directory, coder=coder, blind=blind, guard=guard, host=host, port=port)
    address = f"http://{host}:{port}/?token={guard.token}"
    echo(f"The workspace for {coder}{' (blind)' if blind else ''} is at:\n    {address}")
    echo("Press Ctrl+C to stop it.")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
