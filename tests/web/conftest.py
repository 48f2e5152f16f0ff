"""Fixtures for the workspace: a small project, the app, a live server and Chromium.

The browser is Debian's Chromium driven by Playwright for Python (no browser download
is possible here, so ``executable_path`` points at it); a page fails its test on any
console error or uncaught exception.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live(project):
    """Start a workspace server for a coder on the project; stops them all at the end."""
    import uvicorn

    from mpsp_qual.web.app import create_app
    from mpsp_qual.web.security import Guard
    from mpsp_qual.web.server import free_port

    servers = []

    def start(
        coder: str = "alice",
        *,
        blind: bool = False,
        directory: Path | None = None,
        password: str | None = None,
    ):
        port = free_port()
        guard = Guard.create(host="127.0.0.1", port=port, password=password)
        app = create_app(
            directory or project.directory, coder=coder, blind=blind, guard=guard, port=port
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the workspace server did not start")
            time.sleep(0.02)
        servers.append((server, thread, app))
        return f"http://127.0.0.1:{port}", guard.token, app

    yield start
    for server, thread, app in servers:
        server.should_exit = True
        thread.join(timeout=5)
        app.state.connections.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.fail("Chromium is needed for the browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A Playwright page that records console errors, page errors and dialogs."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser):
    """A fresh browser context and page; the test fails on any console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    wrapped = Page(context.new_page())
    yield wrapped
    errors = list(wrapped.errors)
    context.close()
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def recording_page(browser):
    """Make a page in a new context of its own (a route, no session): ``(context, Page)``.

    The test checks its console errors itself (it provokes some on purpose)."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context, Page(context.new_page())

    yield make
    for context in contexts:
        context.close()
