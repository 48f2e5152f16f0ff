"""The app factory: one Starlette app over one project directory.

:func:`create_app` wires the routes of :mod:`.views`, the guard of :mod:`.security`,
the templates and static files shipped as package data, and the one exception handler
that turns library errors into responses.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from mpsp_qual.app.project import Project
from mpsp_qual.app.workspace import Viewer
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.web import views
from mpsp_qual.web.connections import Connections
from mpsp_qual.web.security import BodyLimit, Guard, GuardMiddleware

HERE = Path(__file__).resolve().parent


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mpsp_qual.web", "templates"),
        autoescape=True,  # transcript text is always text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def create_app(
    directory: Path | str,
    *,
    coder: str,
    blind: bool = False,
    guard: Guard | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    password: str | None = None,
) -> Starlette:
    """The workspace app over the project in ``directory``, for ``coder``.

    Args:
        directory: the project directory (it must hold a project).
        coder: whose codings the workspace writes.
        blind: show the coder only their own codings, and no suggestions.
        guard: the token and sessions (default: a new random token for ``host:port``).
        host, port: where it will listen (for the Host check).
        password: a password instead of (as well as) the token.

    Raises:
        ProjectError: ``directory`` holds no project.
    """
    Project.open(directory).close()  # fail now, in one sentence, if there is no project
    guard = guard or Guard.create(host=host, port=port, password=password)
    connections = Connections(Path(directory))
    routes = [
        Route("/", views.home),
        Route("/doc/{name:path}/turn/{turn:int}", views.turn_fragment),
        Route("/doc/{name:path}", views.document),
        Route("/review", views.review),
        Route("/review/bulk", views.bulk),
        Route("/code/{code}", views.code_view),
        Route("/search", views.search),
        Route("/dashboard", views.dashboard),
        Route("/api/code", views.api_code, methods=["POST"]),
        Route("/api/uncode", views.api_uncode, methods=["POST"]),
        Route("/api/done", views.api_done, methods=["POST"]),
        Route("/api/memo", views.api_memo, methods=["POST"]),
        Route("/api/suggestion/{id:int}/accept", views.api_accept, methods=["POST"]),
        Route("/api/suggestion/{id:int}/reject", views.api_reject, methods=["POST"]),
        Route("/api/suggestion/{id:int}/undo", views.api_undo, methods=["POST"]),
        Route("/api/bulk-accept", views.api_bulk_accept, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        connections.close()  # checkpoint and close every connection when the server stops

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit), Middleware(GuardMiddleware, guard=guard)],
        exception_handlers={MpspQualError: views.error_handler},
    )
    app.state.viewer = Viewer(coder, blind=blind)
    app.state.guard = guard
    app.state.connections = connections
    app.state.templates = _templates()
    return app
