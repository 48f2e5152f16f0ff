"""The workspace's pages and its JSON API: each view calls one workspace function.

Pages are rendered on the server from Jinja2 templates (autoescaped, so transcript
text is always text); the API takes and returns JSON and is what the page's script
calls to write. A page is built and rendered on a reader thread with its own
connection, a write on the one writer thread (:mod:`.connections`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from mpsp_qual.app import workspace as ws
from mpsp_qual.app import workspace_pages as pages
from mpsp_qual.core.errors import MpspQualError


def _state(request: Request):
    return request.app.state


def _viewer(request: Request) -> ws.Viewer:
    return _state(request).viewer


def reading(view):
    """Run a page view ``view(request, project)`` on a reader thread."""

    async def endpoint(request: Request) -> Response:
        return await _state(request).connections.read(lambda project: view(request, project))

    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    state = _state(request)
    context.update(
        request=request,
        me=state.viewer.coder,
        blind=state.viewer.blind,
        csrf=state.guard.csrf(request),
    )
    return state.templates.TemplateResponse(request, template, context)


# ------------------------------------------------------------------------------ pages


@reading
def home(request: Request, project) -> Response:
    viewer = _viewer(request)
    return page(request, "home.html", data=pages.home(project, viewer), title="Documents")


@reading
def document(request: Request, project) -> Response:
    viewer = _viewer(request)
    name = request.path_params["name"]
    data = pages.reader(project, viewer, name)
    codes = pages.codebook_panel(project, viewer)
    return page(request, "reader.html", data=data, codes=codes, title=name)


@reading
def turn_fragment(request: Request, project) -> Response:
    name = request.path_params["name"]
    data = pages.reader(project, _viewer(request), name, turn=int(request.path_params["turn"]))
    return page(request, "_turn.html", t=data["turns"][0], data=data)


@reading
def review(request: Request, project) -> Response:
    viewer = _viewer(request)
    q = request.query_params

    def number(key: str) -> int | None:
        value = q.get(key, "")
        return _bounded(int(value), key) if value.isdecimal() else None

    if number("item") is not None:
        item = pages.review_item(project, viewer, item=number("item"))
    elif number("before") is not None:
        item = pages.review_item(project, viewer, after=number("before"), backwards=True)
    else:
        item = pages.review_item(project, viewer, after=number("after"))
    codes = pages.codebook_panel(project, viewer)
    return page(request, "review.html", item=item, codes=codes, title="Review")


@reading
def bulk(request: Request, project) -> Response:
    code = request.query_params.get("code", "")
    try:
        score = float(request.query_params.get("min_score", "100"))
    except ValueError:
        raise ws.WorkspaceError("the score must be a number from 0 to 100.") from None
    items = ws.bulk_preview(project, _viewer(request), code, score)
    return page(request, "bulk.html", items=items, code=code, score=score, title="Accept all")


@reading
def code_view(request: Request, project) -> Response:
    viewer = _viewer(request)
    code = request.path_params["code"]
    passages = pages.code_view(project, viewer, code)
    codes = pages.codebook_panel(project, viewer)
    info = next(c for c in codes if c["id"] == code)
    notes = pages.notes(project, viewer, "code", code)
    my_note = next((n["memo"] for n in notes if n["coder"] == viewer.coder), "")
    return page(
        request,
        "code.html",
        passages=passages,
        code=info,
        codes=codes,
        notes=notes,
        my_note=my_note,
        title=info["name"],
    )


@reading
def search(request: Request, project) -> Response:
    viewer = _viewer(request)
    query = request.query_params.get("q", "").strip()
    data = pages.search(project, viewer, query) if query else None
    codes = pages.codebook_panel(project, viewer)
    return page(request, "search.html", data=data, query=query, codes=codes, title="Search")


@reading
def dashboard(request: Request, project) -> Response:
    data = pages.dashboard(project, _viewer(request))
    return page(request, "dashboard.html", data=data, title="Dashboard")


# -------------------------------------------------------------------------------- API


#: SQLite's whole numbers are 64-bit: a larger id or offset names nothing.
_LARGEST = 2**63 - 1


def _bounded(value: int, key: str) -> int:
    if not -_LARGEST <= value <= _LARGEST:
        raise ws.WorkspaceError(f"{key} {value} is out of range; reload the page.")
    return value


def _path_id(request: Request) -> int:
    return _bounded(int(request.path_params["id"]), "the suggestion id")


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: nested beyond Python's limit
        raise ws.WorkspaceError("the request body is not JSON; reload the page.") from None
    if not isinstance(body, dict):
        raise ws.WorkspaceError("the request body is not a JSON object; reload the page.")
    return body


def _int(body: dict, key: str, *, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ws.WorkspaceError(f"the request needs {key} as a whole number; reload the page.")
    return _bounded(value, key)


def _str(body: dict, key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ws.WorkspaceError(f"the request needs {key} as text; reload the page.")
    return value


async def _write(request: Request, work) -> JSONResponse:
    body = await _json(request)
    state = _state(request)
    result = await state.connections.write(lambda project: work(project, state.viewer, body))
    return JSONResponse({"ok": True, **(result or {})})


async def api_code(request: Request) -> Response:
    return await _write(
        request,
        lambda p, v, b: ws.code_passage(
            p,
            v,
            document=_str(b, "document"),
            start=_int(b, "start"),
            end=_int(b, "end"),
            code=_str(b, "code"),
            memo=_str(b, "memo"),
        ),
    )


async def api_done(request: Request) -> Response:
    def work(p, v, b):
        done = b.get("done", True)
        if not isinstance(done, bool):
            raise ws.WorkspaceError("the request needs done as true or false; reload the page.")
        return ws.mark_done(p, v, document=_str(b, "document"), turn=_int(b, "turn"), done=done)

    return await _write(request, work)


async def api_uncode(request: Request) -> Response:
    return await _write(request, lambda p, v, b: ws.uncode(p, v, _int(b, "id")))


async def api_memo(request: Request) -> Response:
    def work(p, v, b):
        kind = _str(b, "kind")
        if kind == "coding":
            target = _str(b, "target")
            if not target.isdecimal():
                raise ws.WorkspaceError("the request needs target as a coding id; reload the page.")
            ws.set_coding_memo(
                p, v, _bounded(int(target), "target"), _str(b, "memo"), expected=_str(b, "expected")
            )
        else:
            ws.set_note(
                p, v, kind, _str(b, "target"), _str(b, "memo"), expected=_str(b, "expected")
            )
        return {"memo": _str(b, "memo")}

    return await _write(request, work)


async def api_accept(request: Request) -> Response:
    sid = _path_id(request)
    return await _write(
        request,
        lambda p, v, b: ws.accept(
            p, v, sid, start=_int(b, "start", required=False), end=_int(b, "end", required=False)
        ),
    )


async def api_reject(request: Request) -> Response:
    sid = _path_id(request)
    return await _write(request, lambda p, v, b: ws.reject(p, v, sid))


async def api_undo(request: Request) -> Response:
    sid = _path_id(request)
    return await _write(request, lambda p, v, b: ws.undo_decision(p, v, sid))


async def api_bulk_accept(request: Request) -> Response:
    def work(p, v, b):
        ids = b.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ws.WorkspaceError("the request needs the previewed ids; preview again.")
        score = b.get("min_score")
        if not isinstance(score, (int, float)):
            raise ws.WorkspaceError("the request needs min_score; preview again.")
        return {"accepted": ws.bulk_accept(p, v, _str(b, "code"), float(score), previewed=ids)}

    return await _write(request, work)


# ------------------------------------------------------------------------------ errors

_STATUS = {ws.Conflict: 409, ws.Forbidden: 403}


def error_handler(request: Request, exc: Exception) -> Response:
    """Library errors: one sentence, as JSON for the API and as a page otherwise."""
    assert isinstance(exc, MpspQualError)
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    message = exc.render("<mpsp-qual {}>")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    state = _state(request)
    return state.templates.TemplateResponse(
        request,
        "error.html",
        {
            "request": request,
            "parts": exc.message.split("{hint}", 1) if exc.hint else [exc.render()],
            "hint": exc.hint,
            "me": state.viewer.coder,
            "blind": state.viewer.blind,
            "csrf": state.guard.csrf(request),
            "title": "Error",
        },
        status_code=status,
    )
