"""Safe by default: the session token, CSRF tokens, the Host check and strict headers.

Every request needs the session: the address ``serve`` prints carries the server's
token (as Jupyter's does: good for as long as the server runs, so a second tab can open
it); opening it sets a session cookie and drops the token from the address. With
``--password`` (needed to listen beyond 127.0.0.1) the login page takes the password
instead; wrong passwords are answered one at a time, each after a pause of
:data:`LOGIN_PAUSE` seconds, so that guessing is slow while the right password is
never delayed. Every write (any method but GET and HEAD) must carry the
session's CSRF token in the ``X-CSRF-Token`` header. The Host header must name the
server itself, so that a page on another site cannot reach it by DNS rebinding. The
Content-Security-Policy lets the page load nothing but its own scripts and styles.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import secrets
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SAFE_METHODS = {"GET", "HEAD"}
#: The largest request body read (a memo, a bulk accept's ids, the login form).
MAX_BODY = 1024 * 1024

_NEEDS_TOKEN = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>mpsp-qual workspace: token needed</title></head><body>
<h1>This workspace needs its token</h1>
<p>Open the address that <code>mpsp-qual serve</code> printed (it ends in
<code>?token=...</code>).</p></body></html>"""

_LOGIN = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>mpsp-qual workspace: log in</title></head><body>
<h1>Log in to the workspace</h1>
<form method="post" action="/login"><label>Password
<input type="password" name="password" autofocus></label>
<button type="submit">Log in</button></form>{error}</body></html>"""


#: Seconds before a wrong password is answered; wrong guesses queue one behind another.
LOGIN_PAUSE = 1.0


async def _pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass
class Guard:
    """The server's secrets: its token, optional password, sessions and allowed hosts."""

    token: str
    allowed_hosts: set[str]
    password: str | None = None
    cookie: str = field(default_factory=lambda: f"mpsp_qual_{secrets.token_hex(4)}")
    sessions: dict[str, str] = field(default_factory=dict)
    failed_logins: int = 0
    _wrong_guesses: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def create(cls, *, host: str, port: int, password: str | None = None, token: str | None = None):
        names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
        if host in ("0.0.0.0", "::"):  # every interface: this machine's own names and addresses
            names = {"127.0.0.1", "localhost", *_own_names()}
        allowed = {f"{n}:{port}" for n in names} | names
        return cls(
            token=token or secrets.token_urlsafe(24), allowed_hosts=allowed, password=password
        )

    def new_session(self) -> str:
        session = secrets.token_urlsafe(32)
        self.sessions[session] = secrets.token_urlsafe(32)
        return session

    def csrf(self, request: Request) -> str:
        return self.sessions.get(request.cookies.get(self.cookie, ""), "")


def _own_names() -> set[str]:
    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None):
            address = info[4][0]
            names.add(f"[{address}]" if ":" in address else address)
    return {n for n in names if n}


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class GuardMiddleware(BaseHTTPMiddleware):
    """Host check, then session (token or password), then CSRF on writes; strict headers."""

    def __init__(self, app, guard: Guard) -> None:
        super().__init__(app)
        self.guard = guard

    async def dispatch(self, request: Request, call_next) -> Response:
        guard = self.guard
        host = request.headers.get("host", "")
        if host not in guard.allowed_hosts:
            return _harden(
                PlainTextResponse(
                    f"Host {host!r} is not this workspace's address; open the address "
                    "mpsp-qual serve printed.",
                    status_code=400,
                )
            )
        session = request.cookies.get(guard.cookie, "")
        if session not in guard.sessions:
            token = request.query_params.get("token", "")
            if _same(token, guard.token):
                return _harden(self._start(request, guard))
            if guard.password is not None and request.url.path == "/login":
                return _harden(await self._login(request, guard))
            if guard.password is not None and request.method in SAFE_METHODS:
                return _harden(RedirectResponse("/login", status_code=303))
            return _harden(HTMLResponse(_NEEDS_TOKEN, status_code=403))
        if request.method not in SAFE_METHODS and not _same(
            request.headers.get("x-csrf-token", ""), guard.sessions[session]
        ):
            return _harden(
                PlainTextResponse(
                    "This write has no valid CSRF token; reload the page and try again.",
                    status_code=403,
                )
            )
        return _harden(await call_next(request))

    def _start(self, request: Request, guard: Guard) -> Response:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        # one leading slash: "//host/" would send the browser to another site
        path = "/" + request.url.path.lstrip("/\\")
        target = path + (f"?{urlencode(query)}" if query else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            guard.cookie, guard.new_session(), httponly=True, samesite="strict", path="/"
        )
        return response

    async def _login(self, request: Request, guard: Guard) -> Response:
        if request.method == "POST":
            # The one form the workspace reads; parsed here, without python-multipart.
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            if _same(form.get("password", [""])[0], guard.password or ""):
                response = RedirectResponse("/", status_code=303)
                response.set_cookie(
                    guard.cookie, guard.new_session(), httponly=True, samesite="strict", path="/"
                )
                return response
            async with guard._wrong_guesses:
                guard.failed_logins += 1
                await _pause(LOGIN_PAUSE)
            return HTMLResponse(
                _LOGIN.format(error="<p>That password is not this workspace's.</p>"), 403
            )
        return HTMLResponse(_LOGIN.format(error=""))


class BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413, before anyone reads it.

    A declared Content-Length over the limit is refused at once; a body sent without
    one (chunked) is read up to the limit here and handed on only if it fits. This
    runs before the session check, so a stranger cannot fill memory through the
    login form either.
    """

    def __init__(self, app, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"").decode("latin-1").strip()
        if length.isdecimal():
            if int(length) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(scope, receive, send)
                return
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send) -> None:
        response = PlainTextResponse(
            f"This request is too large (over {self.limit // 1024} KiB); send less at once.",
            status_code=413,
            headers={"Connection": "close"},
        )
        await _harden(response)(scope, receive, send)


def _harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
