"""The workspace in a real Chromium, driven as a person uses it.

Each test starts a server over the small project (tests/conftest.py), drives the page
with the mouse and keyboard, and checks both what is visible and what is stored; the
``page`` fixture fails the test on any console error.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from playwright.sync_api import expect

from mpsp_qual import Project
from mpsp_qual.app import workspace as ws
from mpsp_qual.app import workspace_pages as pages
from mpsp_qual.cli import cli
from mpsp_qual.store import suggestions

ROOT = Path(__file__).resolve().parents[2]


def select_phrase(page, turn: int, phrase: str) -> None:
    """Drag the mouse over ``phrase`` in a turn's text, as a person selects it."""
    page.wait_for_selector("body[data-ready]", state="attached")
    box = page.evaluate(
        """([turn, phrase]) => {
            const p = document.querySelector(`#turn-${turn} p.text`);
            const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const i = node.data.indexOf(phrase);
                if (i < 0) continue;
                const r = document.createRange();
                r.setStart(node, i); r.setEnd(node, i + 1);
                const first = r.getBoundingClientRect();
                r.setStart(node, i + phrase.length - 1); r.setEnd(node, i + phrase.length);
                const last = r.getBoundingClientRect();
                return {x0: first.left + 1, y0: first.top + first.height / 2,
                        x1: last.right - 1, y1: last.top + last.height / 2};
            }
            return null;
        }""",
        [turn, phrase],
    )
    assert box, f"{phrase!r} is not in turn {turn}"
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=5)
    page.mouse.up()


def press(page, key: str) -> None:
    """Press a key once the page's script is ready (after a navigation, say)."""
    page.wait_for_selector("body[data-ready]", state="attached")
    page.keyboard.press(key)


def cli_run(runner, project, *args):
    result = runner.invoke(cli, ["-p", str(project.directory), *args])
    assert result.exit_code == 0, result.output
    return result


def test_a_selected_phrase_is_coded_highlighted_kept_on_reload_and_listed(
    live, page, project, runner, tmp_path
):
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/?token={token}")
    expect(p.locator("h1")).to_have_text("Documents")
    assert "token" not in p.url  # the token leaves the address once the session starts
    p.get_by_role("link", name="alpha.txt").click()
    select_phrase(p, 1, "Our capacity was the problem")
    expect(p.locator("#palette")).to_be_visible()
    p.keyboard.type("capac")
    expect(p.locator("#palette-list li.chosen")).to_have_text("Capacity constraints")
    p.keyboard.press("Enter")
    highlight = p.locator("#turn-1 span.hl")
    expect(highlight).to_have_text("Our capacity was the problem")
    chip = p.locator("#turn-1 .chip", has_text="Capacity constraints").filter(has_text="alice")
    expect(chip).to_contain_text("selection")
    # Several codes on one span: the palette stays open for the next one.
    p.keyboard.type("new mark")
    p.keyboard.press("Enter")
    expect(p.locator("#turn-1 span.hl.multi")).to_have_text("Our capacity was the problem")
    p.keyboard.press("Escape")

    p.reload()
    expect(p.locator("#turn-1 span.hl.multi")).to_have_text("Our capacity was the problem")
    expect(p.locator("#turn-1 .chip").filter(has_text="alice")).to_have_count(2)

    result = cli_run(runner, project, "codings", "--coder", "alice", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    text = project.document_text("alpha.txt")
    assert [(r["code"], text[int(r["start"]) : int(r["end"])]) for r in rows] == [
        ("capacity-constraints", "Our capacity was the problem"),
        ("new-markets", "Our capacity was the problem"),
    ]

    # Remove one coding with its x, then undo with u: it comes back.
    p.locator("#turn-1 .chip", has_text="New markets").locator(".uncode").click()
    expect(p.locator("#turn-1 span.hl.multi")).to_have_count(0)
    assert len(ws.coding_list(project, coder="alice")) == 1
    p.locator("body").click(position={"x": 5, "y": 5})
    press(p, "u")
    expect(p.locator("#turn-1 span.hl.multi")).to_have_text("Our capacity was the problem")
    assert len(ws.coding_list(project, coder="alice")) == 2

    # The whole turn: focus the turn, press t, pick the first recent code with 1.
    p.locator("#turn-3").focus()
    press(p, "t")
    press(p, "1")
    expect(p.locator("#turn-3 .chip").filter(has_text="alice")).to_have_count(1)
    whole = ws.coding_list(project, coder="alice").query("turn == 3").iloc[0]
    assert text[whole.start : whole.end].startswith("They had a different agenda.")

    # d marks the focused turn done: it now counts as coded by alice (coverage, agreement).
    p.locator("#turn-3").focus()
    press(p, "d")
    expect(p.locator("#turn-3 .mark-done")).to_have_text("✓ done")
    assert project.coded_segments("alice") == ["alpha.txt#3.0"]


def test_suggestions_accepted_and_rejected_with_the_keyboard(live, page, project, runner):
    cli_run(runner, project, "autocode")
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/review?token={token}")
    p.wait_for_selector("body[data-ready]", state="attached")
    expect(p.locator(".code-name")).to_have_text("Capacity constraints")
    expect(p.locator(".context .m-evidence")).to_have_text(["stretched", "capacity"])
    press(p, "a")
    expect(p.locator(".code-name")).to_have_text("Misaligned aims and values")
    press(p, "x")
    expect(p.locator(".code-name")).to_have_text("Lead provider negotiation")

    by_code = {g["code"]: g for g in suggestions.listing(project.store, status=None)}
    assert by_code["capacity-constraints"]["status"] == "accepted"
    assert by_code["capacity-constraints"]["decided_by"] == "alice"
    assert by_code["misaligned-values"]["status"] == "rejected"
    mine = ws.coding_list(project, coder="alice")
    assert mine[["code", "origin"]].values.tolist() == [["capacity-constraints", "suggestion"]]

    # auto-coding again, while the server runs, does not bring the rejected one back.
    cli_run(runner, project, "autocode")
    p.goto(f"{base}/review")
    expect(p.locator(".code-name")).to_have_text("Lead provider negotiation")
    pending = {g["code"] for g in suggestions.listing(project.store)}
    assert pending == {"lead-provider", "new-markets"}
    press(p, "j")
    expect(p.locator(".code-name")).to_have_text("New markets")
    press(p, "k")
    expect(p.locator(".code-name")).to_have_text("Lead provider negotiation")


def test_undo_and_adjust_in_the_review_queue(live, page, project, runner):
    cli_run(runner, project, "autocode")
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/review?token={token}")
    p.wait_for_selector("body[data-ready]", state="attached")
    press(p, "x")
    expect(p.locator(".code-name")).to_have_text("Misaligned aims and values")
    press(p, "u")
    expect(p.locator(".code-name")).to_have_text("Capacity constraints")
    assert suggestions.listing(project.store)[0]["status"] == "pending"
    # e, select a shorter span in the passage, Enter: accepted at that span.
    press(p, "e")
    box = p.evaluate(
        """() => {
            const node = document.querySelector('.context span.m-evidence').firstChild;
            const r = document.createRange();
            r.selectNodeContents(node);
            const b = r.getBoundingClientRect();
            return {x0: b.left + 1, x1: b.right - 1, y: b.top + b.height / 2};
        }"""
    )
    p.mouse.move(box["x0"], box["y"])
    p.mouse.down()
    p.mouse.move(box["x1"], box["y"], steps=5)
    p.mouse.up()
    p.keyboard.press("Enter")
    expect(p.locator(".code-name")).to_have_text("Misaligned aims and values")
    row = ws.coding_list(project, coder="alice").iloc[0]
    assert project.document_text("alpha.txt")[row.start : row.end] == "stretched"


def test_blind_mode_hides_a_second_coders_codings(live, page, project):
    project.autocode()
    bob = ws.Viewer("bob")
    text = project.document_text("alpha.txt")
    start = text.index("Misaligned from the start")
    ws.code_passage(
        project, bob, document="alpha.txt", start=start, end=start + 25, code="misaligned-values"
    )
    start = text.index("Our capacity")
    ws.code_passage(
        project,
        ws.Viewer("alice"),
        document="alpha.txt",
        start=start,
        end=start + 12,
        code="capacity-constraints",
    )
    base, token, _ = live("alice", blind=True)
    p = page.page
    p.goto(f"{base}/doc/alpha.txt?token={token}")
    expect(p.locator(".badge.blind")).to_have_text("blind")
    expect(p.locator("#turn-1 span.hl")).to_have_text("Our capacity")
    expect(p.locator(".chip")).to_have_count(1)
    expect(p.locator(".chip.suggested")).to_have_count(0)
    expect(p.locator("#turn-3 span.hl")).to_have_count(0)
    assert "bob" not in p.content()
    expect(p.get_by_role("link", name="Review")).to_have_count(0)
    # The server refuses, whatever the page shows.
    assert p.request.get(f"{base}/review").status == 403
    assert p.request.get(f"{base}/code/misaligned-values").ok
    assert "bob" not in p.request.get(f"{base}/code/misaligned-values").text()
    assert "bob" not in p.request.get(f"{base}/search?q=misaligned").text()
    refused = p.request.post(
        f"{base}/api/suggestion/1/accept",
        data="{}",
        headers={"X-CSRF-Token": p.locator('meta[name="csrf-token"]').get_attribute("content")},
    )
    assert refused.status == 403


HOSTILE = """\
Interviewer: Anything to add?
Dana Fox: <script>alert(1)</script> was in my notes.
Dana Fox: Also <img src=x onerror="alert(2)"> and &lt;b&gt;bold&lt;/b&gt;.
"""


def test_the_hostile_transcript_renders_as_text(live, page, tmp_path, small_files):
    register = tmp_path / "hostile.csv"
    register.write_text(
        "participant_id,transcript,speaker,consent_quotes\nP09,hostile.txt,Dana Fox,yes\n",
        encoding="utf-8",
    )
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    with Project.init(tmp_path / "h", codebook=small_files["codebook"], register=register) as pr:
        pr.import_transcripts([source])
    base, token, _ = live("alice", directory=tmp_path / "h")
    p = page.page
    requested = []
    p.on("request", lambda r: requested.append(r.url))
    p.goto(f"{base}/doc/hostile.txt?token={token}")
    # Dana Fox's two lines are one turn; it shows exactly as the transcript has it.
    expect(p.locator("#turn-1 p.text")).to_have_text(
        "<script>alert(1)</script> was in my notes.\n"
        'Also <img src=x onerror="alert(2)"> and &lt;b&gt;bold&lt;/b&gt;.'
    )
    expect(p.locator("#transcript script")).to_have_count(0)
    expect(p.locator("#transcript img")).to_have_count(0)
    p.wait_for_timeout(300)
    assert page.dialogs == []
    assert not any(u.endswith("/x") for u in requested)


def test_a_page_loads_with_the_network_off(live, recording_page, project):
    """Every request that is not to the workspace fails as if the network were down
    (Chromium's own offline mode would cut 127.0.0.1 too); none is made."""
    project.autocode()
    base, token, _ = live("alice")
    context, wrapped = recording_page()
    outside = []

    def only_local(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    p = wrapped.page
    for path in (
        "/?token=" + token,
        "/doc/alpha.txt",
        "/review",
        "/search?q=capacity",
        "/dashboard",
    ):
        p.goto(base + path)
        expect(p.locator("nav.top")).to_have_css("position", "sticky")  # the stylesheet loaded
    p.goto(base + "/doc/alpha.txt")
    select_phrase(p, 1, "stretched")
    expect(p.locator("#palette")).to_be_visible()  # the script loaded and runs
    assert outside == []
    assert wrapped.errors == []


def test_screenshot_of_the_workspace(live, page, tmp_path):
    """The README's screenshot: the sample's first interview, coded, beside its codebook."""
    from mpsp_qual.app.demo import CODEBOOK, SAMPLE

    target = tmp_path / "sample"
    with Project.init(target, codebook=CODEBOOK, register=SAMPLE / "participants.csv") as pr:
        interviews = sorted((SAMPLE / "interviews").iterdir())
        pr.import_transcripts([interviews[0]])
        pr.autocode()
        name = pr.documents()["document"][0]
        first = suggestions.listing(pr.store)[:3]
        for g in first:
            ws.accept(pr, ws.Viewer("alice"), g["id"])
        # and one passage of a sentence, coded by selection
        turn = pr.turns(document=name).query("participant_id.notna()").iloc[1]
        sentence = turn.text.split(". ")[2]
        start = turn.start + turn.text.index(sentence)
        ws.code_passage(
            pr,
            ws.Viewer("alice"),
            document=name,
            start=start,
            end=start + len(sentence),
            code=pr.codebook.codable()[1].id,
        )
    base, token, _ = live("alice", directory=target)
    p = page.page
    p.goto(f"{base}/doc/{name}?token={token}")
    expect(p.locator("span.hl").first).to_be_visible()
    shot = tmp_path / "workspace.png"
    p.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("MPSP_QUAL_UPDATE_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / "workspace.png").write_bytes(shot.read_bytes())
    assert re.search(r"\S", p.locator("#codebook").inner_text())


def test_memos_search_code_view_and_dashboard(live, page, project, runner):
    cli_run(runner, project, "autocode")
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/doc/alpha.txt?token={token}")
    # A memo on a turn, saved and stored.
    p.locator("#turn-1 details.memo summary").click()
    p.locator("#turn-1 details.memo textarea").fill("Capacity is the theme here.")
    p.locator("#turn-1 details.memo .save-memo").click()
    expect(p.locator("#status")).to_have_text("Memo saved.")
    notes = pages.notes(project, ws.Viewer("alice"), "turn", "alpha.txt#1")
    assert [n["memo"] for n in notes] == ["Capacity is the theme here."]

    # Search is lemma-aware: "markets" finds "a new market"; code the match in place.
    p.goto(f"{base}/search?q=new+markets")
    result = p.locator("li.result")
    expect(result).to_have_count(1)
    expect(result.locator(".m-hit")).to_have_text("new market")
    result.locator(".code-choice").select_option("new-markets")
    result.locator(".code-hit").click()
    expect(p.locator("#status")).to_have_text("Coded New markets.")
    row = ws.coding_list(project, coder="alice").iloc[0]
    assert project.document_text("beta.txt")[row.start : row.end] == "new market"
    # ... and accept the suggestion shown with it.
    result.locator(".accept-suggestion").click()
    expect(result.locator(".chip.suggested .meta")).to_have_text("accepted")

    # The code view lists both passages of the code; remove one in place.
    p.goto(f"{base}/code/new-markets")
    expect(p.locator("li.passage")).to_have_count(2)
    expect(p.locator("li.passage mark")).to_have_text(
        ["We wanted to diversify into a new market, and we did.", "new market"]
    )
    p.locator("li.passage").nth(1).locator(".uncode").click()
    expect(p.locator("#status")).to_have_text("Removed.")
    assert ws.coding_list(project, coder="alice")["origin"].tolist() == ["suggestion"]

    # The dashboard links each figure to its passages.
    p.goto(f"{base}/dashboard")
    expect(p.locator("li.bar").first).to_contain_text("/ 3")
    p.locator("li.bar a", has_text="Capacity constraints").click()
    expect(p.locator("h1")).to_contain_text("Capacity constraints")


def test_bulk_accept_after_a_preview(live, page, project, runner):
    cli_run(runner, project, "autocode")
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/review?token={token}")
    p.locator("form.bulk select").select_option("new-markets")
    p.locator("form.bulk button").click()
    expect(p.locator("h1")).to_contain_text("Accept 1 suggestion of new-markets")
    assert ws.coding_list(project, coder="alice").empty  # nothing until confirmed
    p.locator("#bulk-accept").click()
    expect(p.locator("#status")).to_have_text("Accepted 1.")
    assert ws.coding_list(project, coder="alice")["code"].tolist() == ["new-markets"]


def test_in_the_browser_no_token_is_403_and_a_write_without_csrf_is_refused(
    live, recording_page, project
):
    """The only console errors allowed here are the refusals the test provokes."""
    base, token, _ = live("alice")
    _, wrapped = recording_page()
    p = wrapped.page
    response = p.goto(f"{base}/doc/alpha.txt")
    assert response.status == 403
    expect(p.locator("h1")).to_have_text("This workspace needs its token")
    assert "Our capacity" not in p.content()

    p.goto(f"{base}/doc/alpha.txt?token={token}")
    expect(p.locator("#turn-1")).to_be_visible()
    text = project.document_text("alpha.txt")
    start = text.index("Our capacity")
    status = p.evaluate(
        """async ([start]) => (await fetch('/api/code', {method: 'POST',
              headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({document: 'alpha.txt', start: start, end: start + 12,
                                    code: 'capacity-constraints'})})).status""",
        [start],
    )
    assert status == 403
    assert ws.coding_list(project).empty
    errors = list(wrapped.errors)
    # The refused page, its /favicon.ico, and the refused write: each a 403, nothing else.
    assert len(errors) >= 2 and all("status of 403" in e for e in errors), errors


def test_a_selection_across_turns_or_in_the_interviewers_turn_is_not_coded(live, page, project):
    base, token, _ = live("alice")
    p = page.page
    p.goto(f"{base}/doc/beta.txt?token={token}")
    select_phrase(p, 0, "about partnering")
    expect(p.locator("#status")).to_have_text(
        "Only participants' turns are coded (this speaker is not in the register, or withdrew)."
    )
    expect(p.locator("#palette")).to_be_hidden()
    first = p.locator("#turn-1 span[data-o]").first.bounding_box()
    last = p.locator("#turn-2 span[data-o]").first.bounding_box()
    p.mouse.move(first["x"] + first["width"] - 30, first["y"] + 5)
    p.mouse.down()
    p.mouse.move(last["x"] + 40, last["y"] + 5, steps=5)
    p.mouse.up()
    expect(p.locator("#status")).to_have_text("Select words within one speaker's turn.")
    expect(p.locator("#palette")).to_be_hidden()
    assert ws.coding_list(project).empty
