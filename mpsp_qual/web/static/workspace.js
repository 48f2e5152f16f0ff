// The workspace's script: coding by selection, keys, the review queue, memos.
// Plain JavaScript, no libraries. Every write is a JSON POST carrying the page's CSRF
// token; the server answers {ok: true, ...} or {ok: false, error: "one sentence"}.
// Text from the server is put in the page with textContent only, never as HTML.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const statusBox = document.getElementById("status");

  function say(message, isError) {
    statusBox.textContent = message;
    statusBox.className = isError ? "error" : "ok";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    let data;
    try {
      data = await response.json();
    } catch (e) {
      data = { ok: false, error: "the workspace did not answer (" + response.status + "); reload the page." };
    }
    if (!data.ok) {
      say(data.error, true);
      throw new Error("refused");
    }
    return data;
  }

  // Document offsets are code points; JavaScript strings count UTF-16 units.
  function codePoints(s) {
    return Array.from(s).length;
  }

  function pointOffset(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const span = node.parentElement.closest("span[data-o]");
      if (!span) return null;
      return Number(span.dataset.o) + codePoints(node.data.slice(0, offset));
    }
    const el = node;
    if (el.matches && el.matches("span[data-o]")) {
      return Number(el.dataset.o) + (offset ? codePoints(el.textContent) : 0);
    }
    if (el.matches && el.matches("p.text")) {
      const kids = Array.from(el.querySelectorAll("span[data-o]"));
      if (!kids.length) return null;
      if (offset < kids.length) return Number(kids[offset].dataset.o);
      const last = kids[kids.length - 1];
      return Number(last.dataset.o) + codePoints(last.textContent);
    }
    return null;
  }

  function selectionSpan(root) {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    const range = sel.getRangeAt(0);
    if (root && !root.contains(range.commonAncestorContainer)) return null;
    const start = pointOffset(range.startContainer, range.startOffset);
    const end = pointOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end };
  }

  function typing(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
  }

  // ------------------------------------------------------------------------ memos

  document.addEventListener("click", async function (event) {
    const button = event.target.closest(".save-memo");
    if (!button) return;
    const box = button.closest(".memo");
    const text = box.querySelector("textarea").value;
    try {
      await post("/api/memo", {
        kind: box.dataset.kind,
        target: box.dataset.target,
        memo: text,
        expected: box.dataset.expected,
      });
      box.dataset.expected = text;
      say("Memo saved.");
    } catch (e) {
      /* said */
    }
  });

  // ------------------------------------------------------------ the reader page

  const reader = document.querySelector("main.reader");
  const undoStack = [];

  function turnOf(offset) {
    for (const t of document.querySelectorAll("article.turn")) {
      if (Number(t.dataset.start) <= offset && offset < Number(t.dataset.end)) return t;
    }
    return null;
  }

  async function redraw(turnEl) {
    if (!turnEl || !reader) return;
    const url = "/doc/" + encodeURIComponent(reader.dataset.document) + "/turn/" + turnEl.dataset.turn;
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) {
      turnEl.innerHTML = await response.text();
    }
  }

  async function applyCode(span, code) {
    const data = await post("/api/code", {
      document: reader.dataset.document,
      start: span.start,
      end: span.end,
      code: code,
    });
    if (data.new) undoStack.push({ kind: "code", id: data.id, span: span, code: code });
    remember(code);
    await redraw(turnOf(span.start));
    say("Coded " + codeName(code) + ".");
  }

  async function removeCoding(id) {
    const was = await post("/api/uncode", { id: id });
    undoStack.push({ kind: "uncode", span: { start: was.start, end: was.end }, code: was.code, memo: was.memo });
    await redraw(turnOf(was.start));
    say("Removed " + codeName(was.code) + ".");
  }

  async function undo() {
    const last = undoStack.pop();
    if (!last) {
      say("Nothing to undo.");
      return;
    }
    try {
      if (last.kind === "code") {
        await post("/api/uncode", { id: last.id });
      } else {
        await post("/api/code", {
          document: reader.dataset.document,
          start: last.span.start,
          end: last.span.end,
          code: last.code,
          memo: last.memo || "",
        });
      }
      await redraw(turnOf(last.span.start));
      say("Undone.");
    } catch (e) {
      /* said */
    }
  }

  async function markDone(turnEl) {
    const button = turnEl.querySelector(".mark-done");
    const done = button.dataset.done !== "1";
    await post("/api/done", { document: reader.dataset.document, turn: Number(turnEl.dataset.turn), done: done });
    await redraw(turnEl);
    say(done ? "Turn marked done." : "Turn marked not done.");
  }

  function codeList() {
    return Array.from(document.querySelectorAll("#codebook li.code[data-codable='1']")).map(function (li) {
      return { id: li.dataset.code, name: li.dataset.name };
    });
  }

  function codeName(id) {
    const c = codeList().find(function (c) { return c.id === id; });
    return c ? c.name : id;
  }

  function recent() {
    try {
      return JSON.parse(localStorage.getItem("mpsp-qual-recent") || "[]");
    } catch (e) {
      return [];
    }
  }

  function remember(code) {
    const list = [code].concat(recent().filter(function (c) { return c !== code; })).slice(0, 9);
    localStorage.setItem("mpsp-qual-recent", JSON.stringify(list));
  }

  const palette = document.getElementById("palette");
  const filter = document.getElementById("palette-filter");
  const list = document.getElementById("palette-list");
  let pending = null;
  let choice = 0;

  function matches() {
    const q = filter.value.trim().toLowerCase();
    const codes = codeList();
    const order = recent();
    codes.sort(function (a, b) {
      const ra = order.indexOf(a.id), rb = order.indexOf(b.id);
      return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
    });
    return codes.filter(function (c) {
      return !q || c.name.toLowerCase().includes(q) || c.id.toLowerCase().includes(q);
    });
  }

  function drawPalette() {
    const found = matches();
    const order = recent();
    choice = Math.min(choice, Math.max(found.length - 1, 0));
    list.replaceChildren();
    found.forEach(function (c, i) {
      const li = document.createElement("li");
      li.dataset.code = c.id;
      const r = order.indexOf(c.id);
      li.textContent = (r >= 0 && !filter.value ? r + 1 + "  " : "") + c.name;
      if (i === choice) li.className = "chosen";
      li.addEventListener("mousedown", function (e) {
        e.preventDefault();
        chooseCode(c.id);
      });
      list.appendChild(li);
    });
  }

  function openPalette(span, near) {
    pending = span;
    choice = 0;
    filter.value = "";
    palette.hidden = false;
    const box = near ? near.getBoundingClientRect() : { left: 40, bottom: 80 };
    palette.style.left = Math.max(8, box.left + window.scrollX) + "px";
    palette.style.top = box.bottom + window.scrollY + 6 + "px";
    drawPalette();
    filter.focus();
  }

  function closePalette() {
    palette.hidden = true;
    pending = null;
  }

  async function chooseCode(code) {
    if (!pending) return;
    try {
      await applyCode(pending, code);
      filter.value = "";
      drawPalette();
      filter.focus(); // several codes on one span: keep the palette open
    } catch (e) {
      closePalette();
    }
  }

  if (reader) {
    const transcript = document.getElementById("transcript");

    transcript.addEventListener("mouseup", function () {
      const span = selectionSpan(transcript);
      if (!span) return;
      const sel = window.getSelection();
      const range = sel.getRangeAt(0);
      const from = turnOf(span.start);
      const to = turnOf(span.end - 1);
      // The server refuses these too; saying so here spares a request.
      if (!from || from !== to) {
        say("Select words within one speaker's turn.", true);
        return;
      }
      if (!from.classList.contains("codable")) {
        say("Only participants' turns are coded (this speaker is not in the register, or withdrew).", true);
        return;
      }
      openPalette(span, range);
    });

    filter.addEventListener("input", function () {
      choice = 0;
      drawPalette();
    });

    filter.addEventListener("keydown", function (event) {
      const found = matches();
      if (event.key === "ArrowDown") {
        choice = Math.min(choice + 1, found.length - 1);
        drawPalette();
        event.preventDefault();
      } else if (event.key === "ArrowUp") {
        choice = Math.max(choice - 1, 0);
        drawPalette();
        event.preventDefault();
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (found[choice]) chooseCode(found[choice].id);
      } else if (event.key === "Escape") {
        closePalette();
      } else if (/^[1-9]$/.test(event.key) && !filter.value) {
        const code = recent()[Number(event.key) - 1];
        if (code) {
          event.preventDefault();
          chooseCode(code);
        }
      }
    });

    filter.addEventListener("blur", function () {
      setTimeout(function () {
        if (document.activeElement !== filter) closePalette();
      }, 150);
    });

    transcript.addEventListener("click", function (event) {
      const whole = event.target.closest(".code-turn");
      if (whole) {
        const t = whole.closest("article.turn");
        openPalette({ start: Number(t.dataset.start), end: Number(t.dataset.end) }, whole);
        return;
      }
      const mark = event.target.closest(".mark-done");
      if (mark) {
        markDone(mark.closest("article.turn")).catch(function () {});
        return;
      }
      const x = event.target.closest(".uncode");
      if (x) {
        removeCoding(Number(x.closest(".chip").dataset.id)).catch(function () {});
      }
    });

    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey && event.key !== "z" || event.altKey || event.metaKey) return;
      if (event.key === "u" || (event.ctrlKey && event.key === "z")) {
        event.preventDefault();
        undo();
      } else if (event.key === "d") {
        const t = document.activeElement && document.activeElement.closest && document.activeElement.closest("article.turn.codable");
        if (t) {
          event.preventDefault();
          markDone(t).catch(function () {});
        }
      } else if (event.key === "t") {
        const t = document.activeElement && document.activeElement.closest && document.activeElement.closest("article.turn.codable");
        if (t) {
          event.preventDefault();
          openPalette({ start: Number(t.dataset.start), end: Number(t.dataset.end) }, t.querySelector("header"));
        }
      }
    });
  }

  // -------------------------------------------------------- code view and search

  document.addEventListener("click", async function (event) {
    if (reader) return;
    const target = event.target;
    try {
      if (target.closest(".uncode")) {
        await post("/api/uncode", { id: Number(target.closest(".chip").dataset.id) });
        target.closest(".chip").remove();
        say("Removed.");
      } else if (target.closest(".accept-suggestion")) {
        const chip = target.closest(".chip");
        await post("/api/suggestion/" + chip.dataset.suggestion + "/accept", {});
        chip.classList.add("decided");
        chip.querySelector(".meta").textContent = "accepted";
        say("Accepted.");
      } else if (target.closest(".reject-suggestion")) {
        const chip = target.closest(".chip");
        await post("/api/suggestion/" + chip.dataset.suggestion + "/reject", {});
        chip.classList.add("decided");
        chip.querySelector(".meta").textContent = "rejected";
        say("Rejected.");
      } else if (target.closest(".code-hit")) {
        const hit = target.closest(".result");
        const code = hit.querySelector(".code-choice").value;
        await post("/api/code", {
          document: hit.dataset.document,
          start: Number(hit.dataset.start),
          end: Number(hit.dataset.end),
          code: code,
        });
        say("Coded " + hit.querySelector(".code-choice").selectedOptions[0].textContent + ".");
      } else if (target.id === "bulk-accept") {
        const page = target.closest("main");
        const ids = page.dataset.ids.split(" ").filter(Boolean).map(Number);
        const data = await post("/api/bulk-accept", {
          code: page.dataset.code,
          min_score: Number(page.dataset.score),
          ids: ids,
        });
        say("Accepted " + data.accepted + ".");
        target.disabled = true;
      }
    } catch (e) {
      /* said */
    }
  });

  // ------------------------------------------------------------ the review queue

  const review = document.getElementById("review");
  if (review) {
    const id = review.dataset.id;
    const done = JSON.parse(sessionStorage.getItem("mpsp-qual-decided") || "[]");
    let adjusting = false;

    function go(query) {
      window.location.assign("/review" + query);
    }

    async function decide(action, body) {
      try {
        await post("/api/suggestion/" + id + "/" + action, body || {});
        done.push(Number(id));
        sessionStorage.setItem("mpsp-qual-decided", JSON.stringify(done));
        go("?after=" + id);
      } catch (e) {
        /* said */
      }
    }

    document.addEventListener("keydown", async function (event) {
      if (typing(event) || event.ctrlKey || event.altKey || event.metaKey) return;
      const key = event.key;
      if (key === "u") {
        event.preventDefault();
        const last = done.pop();
        if (last === undefined) {
          say("Nothing to undo.");
          return;
        }
        try {
          await post("/api/suggestion/" + last + "/undo", {});
          sessionStorage.setItem("mpsp-qual-decided", JSON.stringify(done));
          go("?item=" + last);
        } catch (e) {
          /* said */
        }
        return;
      }
      if (!id) return;
      if (adjusting && key === "Enter") {
        event.preventDefault();
        const span = selectionSpan(review.querySelector(".context"));
        if (!span) {
          say("Select the words to code in the passage first, then press Enter.", true);
          return;
        }
        decide("accept", span);
      } else if (key === "Escape" && adjusting) {
        adjusting = false;
        review.classList.remove("adjusting");
        say("Adjusting cancelled.");
      } else if (key === "a") {
        event.preventDefault();
        decide("accept");
      } else if (key === "x") {
        event.preventDefault();
        decide("reject");
      } else if (key === "e") {
        event.preventDefault();
        adjusting = true;
        review.classList.add("adjusting");
        say("Select the span to code, then press Enter to accept it (Esc cancels).");
      } else if (key === " " || key === "j") {
        event.preventDefault();
        go("?after=" + id);
      } else if (key === "k") {
        event.preventDefault();
        go("?before=" + id);
      }
    });
  }

  document.body.dataset.ready = "1"; // the handlers are in place
})();
