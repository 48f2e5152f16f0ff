"""Safe by default, tested over HTTP against a live server: token, CSRF, Host, escaping,
withdrawn participants, conflicting writes, and the serve command's refusals."""

from __future__ import annotations

import re
import threading

import httpx
import pytest

from mpsp_qual import Project
from mpsp_qual.app import workspace as ws
from mpsp_qual.app import workspace_pages as pages
from mpsp_qual.cli import cli


def session(base: str, token: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base)
    r = client.get(f"/?token={token}")
    assert r.status_code == 303 and "token" not in r.headers["location"]
    page = client.get("/")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    return client, csrf


def span(project, document, phrase):
    text = project.document_text(document)
    start = text.index(phrase)
    return {"document": document, "start": start, "end": start + len(phrase)}


def test_a_request_without_the_token_gets_403(live):
    base, token, _ = live("alice")
    for path in ("/", "/doc/alpha.txt", "/review", "/static/workspace.js", "/api/code"):
        r = httpx.get(base + path)
        assert r.status_code == 403, path
        assert "needs its token" in r.text
    assert httpx.get(f"{base}/?token=wrong{token}").status_code == 403


def test_the_host_header_is_checked(live):
    base, token, _ = live("alice")
    r = httpx.get(f"{base}/?token={token}", headers={"Host": "attacker.example:80"})
    assert r.status_code == 400
    assert "not this workspace's address" in r.text


def test_a_write_without_the_csrf_token_is_refused(live, project):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    body = {**span(project, "alpha.txt", "Our capacity"), "code": "capacity-constraints"}
    r = client.post("/api/code", json=body)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/api/code", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert ws.coding_list(project).empty
    r = client.post("/api/code", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["ok"]
    assert ws.coding_list(project, coder="alice")["code"].tolist() == ["capacity-constraints"]


def test_pages_carry_a_strict_content_security_policy(live):
    base, token, _ = live("alice")
    client, _ = session(base, token)
    policy = client.get("/doc/alpha.txt").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy


def test_a_selection_across_turns_is_refused_with_its_sentence(live, project):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    text = project.document_text("beta.txt")
    body = {
        "document": "beta.txt",
        "start": text.index("kept changing"),
        "end": text.index("We wanted") + 9,
        "code": "new-markets",
    }
    r = client.post("/api/code", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert r.json()["error"].endswith("select within one speaker's turn.")
    assert ws.coding_list(project).empty


def test_a_withdrawn_participants_words_are_never_sent(live, project):
    project.autocode()
    ben = project.turns(document="beta.txt").query("participant_id == 'P02'").text.tolist()
    project.withdraw("P02")
    base, token, _ = live("alice")
    client, _ = session(base, token)
    pages = [
        client.get(p).text
        for p in (
            "/",
            "/doc/beta.txt",
            "/review",
            "/search?q=marmalade",
            "/code/lead-provider",
            "/dashboard",
        )
    ]
    for words in ben:
        for html in pages:
            assert words not in html
    assert "withdrawn" in pages[1]
    assert "Nothing matches." in pages[3]


def test_two_tabs_editing_one_memo_get_a_conflict_not_a_silent_overwrite(live, project):
    base, token, _ = live("alice")
    one, csrf_one = session(base, token)
    two, csrf_two = session(base, token)
    memo = {"kind": "document", "target": "alpha.txt", "expected": ""}
    r = one.post("/api/memo", json={**memo, "memo": "first"}, headers={"X-CSRF-Token": csrf_one})
    assert r.status_code == 200
    r = two.post("/api/memo", json={**memo, "memo": "second"}, headers={"X-CSRF-Token": csrf_two})
    assert r.status_code == 409
    assert "changed elsewhere" in r.json()["error"]
    assert pages.notes(project, ws.Viewer("alice"), "document", "alpha.txt")[0]["memo"] == "first"


def test_concurrent_writes_from_tabs_and_the_cli_lose_nothing(live, project, runner):
    base, token, _ = live("alice")
    client, csrf = session(base, token)
    text = project.document_text("alpha.txt")
    words = [m.span() for m in re.finditer(r"\w+", text[text.index("We were") :])][:12]
    offset = text.index("We were")
    failures = []

    def code(a, b):
        r = client.post(
            "/api/code",
            json={
                "document": "alpha.txt",
                "start": offset + a,
                "end": offset + b,
                "code": "capacity-constraints",
            },
            headers={"X-CSRF-Token": csrf},
        )
        if r.status_code != 200:
            failures.append(r.text)

    threads = [threading.Thread(target=code, args=w) for w in words]
    for t in threads:
        t.start()
    result = runner.invoke(cli, ["-p", str(project.directory), "autocode"])
    for t in threads:
        t.join()
    assert result.exit_code == 0, result.output
    assert failures == []
    with Project.open(project.directory) as fresh:
        assert len(ws.coding_list(fresh, coder="alice")) == len(words)
        assert not fresh.codings(coder="auto").empty


def test_serve_refuses_another_host_without_a_password(runner, project):
    result = runner.invoke(
        cli, ["-p", str(project.directory), "serve", "--host", "0.0.0.0", "--no-browser"]
    )
    assert result.exit_code == 1
    assert (
        "give a password too (`mpsp-qual serve --host HOST --password PASSWORD`)" in result.stderr
    )


def test_serve_in_a_folder_without_a_project_says_so(runner, tmp_path):
    result = runner.invoke(cli, ["-p", str(tmp_path), "serve", "--no-browser"])
    assert result.exit_code == 1
    assert "is not a project (no project.sqlite)" in result.stderr


@pytest.mark.parametrize("coder", ["auto", " "])
def test_the_workspace_codes_as_a_person(runner, project, coder):
    result = runner.invoke(
        cli, ["-p", str(project.directory), "serve", "--coder", coder, "--no-browser"]
    )
    assert result.exit_code == 1
    assert "the workspace codes as a person" in result.stderr


def test_with_a_password_the_login_page_lets_you_in(live):
    base, token, _ = live("alice", password="s3cret")
    with httpx.Client(base_url=base) as client:
        assert client.get("/").headers["location"] == "/login"
        assert client.post("/login", data={"password": "nope"}).status_code == 403
        r = client.post("/login", data={"password": "s3cret"})
        assert r.status_code == 303
        assert client.get("/").status_code == 200


def test_wrong_passwords_are_answered_one_at_a_time_after_a_pause(live, monkeypatch):
    from mpsp_qual.web import security

    pauses: list[float] = []

    async def pause(seconds):
        pauses.append(seconds)

    monkeypatch.setattr(security, "_pause", pause)
    base, _, _ = live("alice", password="s3cret")
    with httpx.Client(base_url=base) as client:
        for guess in ("a", "b", "c"):
            assert client.post("/login", data={"password": guess}).status_code == 403
        assert client.post("/login", data={"password": "s3cret"}).status_code == 303
    assert pauses == [security.LOGIN_PAUSE] * 3  # the right password waited for nothing


def test_serve_prints_its_address_with_the_token(project):
    import subprocess
    import sys

    from mpsp_qual.web.server import free_port

    port = free_port()
    command = [sys.executable, "-m", "mpsp_qual", "-p", str(project.directory), "serve"]
    command += ["--no-browser", "--port", str(port), "--coder", "alice"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(2)]
        address = lines[1].strip()
        assert lines[0].startswith("The workspace for alice is at:")
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]+", address)
        for _ in range(100):
            try:
                r = httpx.get(address, follow_redirects=True)
                break
            except httpx.ConnectError:
                import time

                time.sleep(0.1)
        assert r.status_code == 200 and "alpha.txt" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 403
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_codebook_changed_by_the_cli_while_serving_is_seen(live, project, runner, small_files):
    base, token, _ = live("alice")
    client, _ = session(base, token)
    assert "Brand new code" not in client.get("/doc/alpha.txt").text
    changed = small_files["codebook"].read_text(encoding="utf-8") + (
        "  - id: brand-new\n    name: Brand new code\n"
    )
    path = small_files["codebook"].with_name("changed.yaml")
    path.write_text(changed, encoding="utf-8")
    result = runner.invoke(cli, ["-p", str(project.directory), "codebook", "set", str(path)])
    assert result.exit_code == 0, result.output
    assert "Brand new code" in client.get("/doc/alpha.txt").text
