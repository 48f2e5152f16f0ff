"""An outsider's review of the workspace, over real HTTP against a live server on
127.0.0.1: every route with and without the session, the CSRF token and the right Host;
blind mode asked for another coder's work; a withdrawn or declined participant's words
looked for in every page; path traversal and markup in names, labels and memos; huge
and malformed bodies; and nothing external to load (so the token cannot leak by
Referer)."""

from __future__ import annotations

import csv
import re

import httpx
import pytest

from mpsp_qual import Project
from mpsp_qual.app import services
from mpsp_qual.app import workspace as ws

GET_ROUTES = [
    "/",
    "/doc/alpha.txt",
    "/doc/alpha.txt/turn/1",
    "/review",
    "/review/bulk?code=capacity-constraints&min_score=0",
    "/code/capacity-constraints",
    "/search?q=capacity",
    "/dashboard",
    "/static/workspace.js",
]
POST_ROUTES = [
    "/api/code",
    "/api/uncode",
    "/api/done",
    "/api/memo",
    "/api/suggestion/1/accept",
    "/api/suggestion/1/reject",
    "/api/suggestion/1/undo",
    "/api/bulk-accept",
]


def session(base: str, token: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    r = client.get(f"/?token={token}")
    assert r.status_code == 303 and "token" not in r.headers["location"]
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)
    return client, csrf


def span(project, document, phrase):
    text = project.document_text(document)
    start = text.index(phrase)
    return {"document": document, "start": start, "end": start + len(phrase)}


def audit_count(project: Project) -> int:
    return project.store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


# ------------------------------------------------------------------- session, CSRF, Host


def test_every_route_refuses_a_request_without_the_session(live):
    base, token, _ = live("alice")
    for path in GET_ROUTES:
        r = httpx.get(base + path)
        assert r.status_code == 403 and "needs its token" in r.text, path
        assert token not in r.text
    for path in POST_ROUTES:
        r = httpx.post(base + path, json={}, headers={"X-CSRF-Token": "x"})
        assert r.status_code == 403, path
    forged = httpx.get(base + "/", cookies={"mpsp_qual_00000000": "guess"})
    assert forged.status_code == 403


def test_every_write_refuses_a_missing_or_forged_csrf_token(live, project):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    before = audit_count(project)
    body = {**span(project, "alpha.txt", "Our capacity"), "code": "capacity-constraints"}
    for path in POST_ROUTES:
        for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": csrf + "x"}):
            r = client.post(path, json=body, headers={**headers, "Origin": base})
            assert r.status_code == 403 and "CSRF" in r.text, (path, headers)
    # no CORS: another origin's script can never read a page (and so its CSRF token)
    for origin in ("http://attacker.example", "null", base):
        r = client.get("/", headers={"Origin": origin})
        assert "access-control-allow-origin" not in r.headers
        r = client.options("/api/code", headers={"Origin": origin})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    # a cross-site form post cannot set the header; PUT and DELETE need it too
    r = client.post("/api/code", data={"document": "alpha.txt"})
    assert r.status_code == 403
    assert client.request("DELETE", "/api/code").status_code == 403
    assert ws.coding_list(project).empty and audit_count(project) == before


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "127.0.0.1.attacker.example",
        "localhost.attacker.example:80",
        "127.0.0.1:1",
        "",
    ],
)
def test_every_route_checks_the_host_header_even_with_a_session(live, host):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    for path in GET_ROUTES:
        r = client.get(path, headers={"Host": host})
        assert r.status_code == 400 and "not this workspace's address" in r.text, path
    r = client.post("/api/done", json={}, headers={"Host": host, "X-CSRF-Token": csrf})
    assert r.status_code == 400


def test_the_token_is_dropped_from_the_address_and_never_in_a_page(live):
    base, token, _ = live("alice")
    client = httpx.Client(base_url=base)
    r = client.get(f"/search?q=capacity&token={token}")
    assert r.status_code == 303 and r.headers["location"] == "/search?q=capacity"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    for path in GET_ROUTES:
        r = client.get(path)
        assert r.status_code == 200, path
        assert token not in r.text
        assert r.headers["referrer-policy"] == "no-referrer"


def test_nothing_external_is_loaded_so_nothing_leaks_by_referer(live, project):
    project.autocode()
    base, token, _ = live("alice")
    client, _ = session(base, token)
    external = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
    for path in [*GET_ROUTES, "/static/workspace.css", "/static/favicon.svg"]:
        text = client.get(path).text
        assert not external.search(text), path
        assert "@import" not in text and "url(http" not in text, path
    assert "default-src 'none'" in client.get("/").headers["content-security-policy"]


# ------------------------------------------------------------------------- blind mode


def bob_codes(project):
    bob = ws.Viewer("bob")
    c = ws.code_passage(
        project,
        bob,
        **span(project, "alpha.txt", "Our capacity was the problem"),
        code="capacity-constraints",
        memo="BOBS-CODING-MEMO",
    )
    ws.set_note(project, bob, "document", "alpha.txt", "BOBS-DOC-MEMO", expected="")
    ws.set_note(project, bob, "code", "capacity-constraints", "BOBS-CODE-MEMO", expected="")
    turn = next(t for t in project.turns(document="alpha.txt").itertuples() if "capacity" in t.text)
    ws.set_note(project, bob, "turn", f"alpha.txt#{turn.turn}", "BOBS-TURN-MEMO", expected="")
    ws.mark_done(project, bob, document="alpha.txt", turn=int(turn.turn))
    return c["id"], int(turn.turn)


def test_blind_mode_sends_no_one_elses_codings_memos_or_suggestions(live, project):
    project.autocode()
    bob_id, turn = bob_codes(project)
    suggestion = project.store.conn.execute("SELECT MIN(id) FROM suggestions").fetchone()[0]
    assert suggestion is not None
    base, token, _ = live("alice", blind=True)
    client, csrf = session(base, token)
    for path in [*GET_ROUTES, f"/doc/alpha.txt/turn/{turn}", f"/review?item={suggestion}"]:
        r = client.get(path)
        for secret in ("BOBS-", "bob", "suggested:", "score "):
            assert secret not in r.text, (path, secret)
    assert client.get("/review").status_code == 403
    assert client.get(f"/review?item={suggestion}").status_code == 403
    assert client.get("/review/bulk?code=capacity-constraints&min_score=0").status_code == 403
    headers = {"X-CSRF-Token": csrf}
    for action in ("accept", "reject", "undo"):
        r = client.post(f"/api/suggestion/{suggestion}/{action}", json={}, headers=headers)
        assert r.status_code == 403 and "blind" in r.json()["error"], action
    r = client.post(
        "/api/bulk-accept",
        json={"code": "capacity-constraints", "min_score": 0, "ids": [suggestion]},
        headers=headers,
    )
    assert r.status_code == 403
    # bob's coding cannot be removed, nor its memo read or overwritten, by alice
    r = client.post("/api/uncode", json={"id": bob_id}, headers=headers)
    assert r.status_code == 400 and "BOBS-" not in r.text and "bob" not in r.text
    r = client.post(
        "/api/memo",
        json={"kind": "coding", "target": str(bob_id), "memo": "x", "expected": ""},
        headers=headers,
    )
    assert r.status_code == 400 and "BOBS-" not in r.text
    assert ws.coding_list(project, coder="bob")["code"].tolist() == ["capacity-constraints"]


# --------------------------------------------------------- withdrawn and declined words


def test_a_withdrawn_participants_words_are_not_sent_as_a_neighbours_context(live, project):
    """Cara's passage follows Ben's turn: the code view's context must stop at Ben."""
    alice = ws.Viewer("alice")
    ws.code_passage(
        project, alice, **span(project, "beta.txt", "We wanted to diversify"), code="new-markets"
    )
    ws.code_passage(
        project,
        alice,
        **span(project, "beta.txt", "The marmalade protocol"),
        code="lead-provider",
    )
    project.withdraw("P02")
    base, token, _ = live("alice")
    client, _ = session(base, token)
    ben_turn = next(
        t.turn for t in project.turns(document="beta.txt").itertuples() if "marmalade" in t.text
    )
    fragment = client.get(f"/doc/beta.txt/turn/{ben_turn}").text
    assert "withdrawn" in fragment and "marmalade" not in fragment
    html = client.get("/code/new-markets").text
    assert "We wanted to diversify" in html  # Cara's passage is there
    for words in ("kept changing", "lead provider", "marmalade", "Value for money"):
        assert words not in html
    assert "marmalade" not in client.get("/code/lead-provider").text


def test_a_withdrawn_participants_suggestions_cannot_be_read_or_accepted(live, project):
    project.autocode()
    alice = ws.Viewer("alice")
    ben = [
        s["id"]
        for s in ws.bulk_preview(project, alice, "lead-provider", 0)
        if s["participant_id"] == "P02"
    ]
    assert ben, "the fixture's autocoding suggests lead-provider in Ben's words"
    sid = ben[0]
    project.withdraw("P02")
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    r = client.get(f"/review?item={sid}")
    assert "marmalade" not in r.text and "lead provider kept" not in r.text
    r = client.get("/review/bulk?code=lead-provider&min_score=0")
    assert "Ben Hart" not in r.text
    r = client.post(f"/api/suggestion/{sid}/accept", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "withdrawn" in r.json()["error"]
    assert ws.coding_list(project, coder="alice").empty


def test_a_participant_who_declined_quotes_is_never_in_the_dashboards_quote_bank(live, project):
    project.autocode()
    services.set_require_approval(project, False)  # pending quotes are in the bank too
    base, token, _ = live("alice")
    client, _ = session(base, token)
    html = client.get("/dashboard").text
    assert "We wanted to diversify" in html  # Cara agreed: her quote is in the bank
    assert "marmalade" not in html and "Value for money" not in html


# --------------------------------------------------------------- names, paths, markup


@pytest.mark.parametrize(
    "path",
    [
        "/doc/../project.sqlite",
        "/doc/%2e%2e/%2e%2e/etc/passwd",
        "/doc/..%2f..%2fetc%2fpasswd",
        "/doc/%2Fetc%2Fpasswd",
        "/doc/alpha.txt%00.sqlite",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/code/..%2f..%2fetc%2fpasswd",
    ],
)
def test_path_traversal_in_names_reads_no_file(live, path):
    base, token, _ = live("alice")
    client, _ = session(base, token)
    r = client.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    for leak in ("root:", "SQLite format", "create_app", "Traceback"):
        assert leak not in r.text


HOSTILE = '<img src=x onerror="alert(1)">'


def test_markup_in_names_labels_code_names_and_memos_is_escaped(live, tmp_path):
    """Every field a project author or coder types, rendered on every page, stays text:
    a document name, a speaker label (a WebVTT voice may hold quotes and ``<``), the
    transcript's text, an attribution label, a code's name and description, memos."""
    d = tmp_path / "x"
    d.mkdir()
    (d / "codebook.yaml").write_text(
        "codebook: X\nversion: '1'\ncodes:\n"
        f"  - id: evil\n    name: '{HOSTILE} code'\n    description: '{HOSTILE} desc'\n"
        "    keywords: [capacity]\n",
        encoding="utf-8",
    )
    speaker = 'Dr "<b'
    with open(d / "participants.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [
                ["participant_id", "transcript", "speaker", "consent_quotes", "consent_named"]
                + ["attribution", "withdrawn"],
                ["P01", f"{HOSTILE}.vtt", speaker, "yes", "no", f"{HOSTILE} label", "no"],
            ]
        )
    doc = d / f"{HOSTILE}.vtt"
    escaped = HOSTILE.replace("<", "&lt;")  # WebVTT text unescapes to the raw markup
    doc.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v Interviewer>Hello?\n\n"
        f"00:00:06.000 --> 00:00:12.000\n<v {speaker}>Our capacity is {escaped} stretched "
        "to the limit and beyond what anyone could reasonably expect of us.\n",
        encoding="utf-8",
    )
    project = Project.init(
        tmp_path / "p", codebook=d / "codebook.yaml", register=d / "participants.csv"
    )
    try:
        project.import_transcripts([doc])
        name = project.documents()["document"].tolist()[0]
        assert "<img" in name
        assert HOSTILE in project.document_text(name)
        project.autocode()
        alice = ws.Viewer("alice")
        text = project.document_text(name)
        start = text.index("Our capacity")
        end = text.index("of us.") + 5
        c = ws.code_passage(
            project, alice, document=name, start=start, end=end, code="evil", memo=HOSTILE
        )
        ws.set_note(project, alice, "document", name, HOSTILE, expected="")
        ws.set_note(project, alice, "code", "evil", HOSTILE, expected="")
        base, token, _ = live("alice", directory=project.directory)
        client, _ = session(base, token)
        quoted = httpx.QueryParams({"q": "capacity"})
        paths = [
            "/",
            f"/doc/{httpx.URL(path=name).raw_path.decode()}",
            f"/doc/{httpx.URL(path=name).raw_path.decode()}/turn/1",
            "/code/evil",
            f"/search?{quoted}",
            "/dashboard",
            "/review",
            "/review/bulk?code=evil&min_score=0",
            "/doc/<script>alert(1)</script>",
        ]
        for path in paths:
            r = client.get(path)
            assert r.status_code in (200, 400), (path, r.status_code)
            for raw in ("<img src=x", '"<b', "<script>alert"):
                assert raw not in r.text, (path, raw)
        assert "&lt;img" in client.get("/code/evil").text
        assert c["id"]
    finally:
        project.close()


# ------------------------------------------------------------ huge and malformed bodies


def test_a_huge_body_is_refused_before_it_is_read(live, project):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    memo = {"kind": "document", "target": "alpha.txt", "expected": "", "memo": "x" * 3_000_000}
    r = client.post("/api/memo", json=memo, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413 and "too large" in r.text
    assert ws.coding_list(project).empty


def test_the_login_page_refuses_a_huge_body_from_anyone(live):
    base, _, _ = live("alice", password="s3cret")

    def chunks():
        for _ in range(40):
            yield b"password=" + b"x" * 100_000

    r = httpx.post(base + "/login", content=chunks())
    assert r.status_code == 413


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/code", b"not json"),
        ("/api/code", b"[1, 2]"),
        ("/api/code", b"\xff\xfe{"),
        ("/api/code", b"[" * 100_000 + b"]" * 100_000),
        ("/api/code", b'{"document": "alpha.txt", "start": 1e400, "end": 2, "code": "x"}'),
        ("/api/memo", b'{"kind": "coding", "target": "abc", "memo": "", "expected": ""}'),
        ("/api/uncode", b'{"id": 100000000000000000000000000}'),
        ("/api/done", b'{"document": "alpha.txt", "turn": 100000000000000000000000000}'),
        ("/api/suggestion/100000000000000000000000/accept", b"{}"),
        (
            "/api/code",
            b'{"document": "alpha.txt", "start": 100000000000000000000000, '
            b'"end": 100000000000000000000001, "code": "capacity-constraints"}',
        ),
        ("/api/bulk-accept", b'{"code": "nope", "min_score": 0, "ids": []}'),
        ("/api/memo", '{"kind": "coding", "target": "²", "memo": "", "expected": ""}'.encode()),
        (
            "/api/memo",
            '{"kind": "turn", "target": "alpha.txt#²", "memo": "", "expected": ""}'.encode(),
        ),
        ("/api/memo", b'{"kind": "turn", "target": "alpha.txt#99", "memo": "", "expected": ""}'),
    ],
)
def test_a_malformed_request_gets_one_sentence_not_a_server_error(live, path, body):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    r = client.post(
        path, content=body, headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    )
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
    error = r.json()["error"]
    assert error.endswith(".") and "Traceback" not in error
    assert r.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/doc/alpha.txt/turn/999",
        "/doc/nope.txt",
        "/code/nope",
        "/review?item=999999",
        "/review?item=100000000000000000000000",
        "/review/bulk?code=nope",
        "/review/bulk?code=capacity-constraints&min_score=nan",
        "/search?q=%20%20",
        "/doc/alpha.txt/turn/100000000000000000000000",
        "/review?item=%C2%B2",
        "/review?after=%D9%A3",
    ],
)
def test_a_malformed_page_request_gets_a_page_not_a_server_error(live, path):
    base, token, _ = live("alice")
    client, _ = session(base, token)
    r = client.get(path)
    assert r.status_code < 500, (path, r.status_code, r.text[:200])


def test_the_token_redirect_stays_on_this_server(live):
    """``//host/`` as a path is another site's address once it is a Location."""
    base, token, _ = live("alice")
    for path in ("//attacker.example/", "///attacker.example/x", "/\\attacker.example/"):
        r = httpx.get(f"{base}{path}?token={token}")
        assert r.status_code == 303
        location = r.headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_two_tabs_accepting_one_suggestion_at_once_get_one_coding_and_a_conflict(live, project):
    import concurrent.futures

    project.autocode()
    alice = ws.Viewer("alice")
    sid = ws.bulk_preview(project, alice, "capacity-constraints", 0)[0]["id"]
    base, token, _ = live("alice")
    tabs = [session(base, token) for _ in range(4)]

    def accept(tab):
        client, csrf = tab
        return client.post(f"/api/suggestion/{sid}/accept", json={}, headers={"X-CSRF-Token": csrf})

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(accept, tabs))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]
    assert all(
        "already accepted by alice" in r.json()["error"] for r in answers if r.status_code == 409
    )
    assert ws.coding_list(project, coder="alice")["code"].tolist() == ["capacity-constraints"]
