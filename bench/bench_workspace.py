"""Benchmark: the browser workspace's server on a 1,000,000-word project.

On a generated corpus (``bench/corpus.py``) of interviews of about 20,000 words each and
the partnership codebook, auto-coded, with 500 passage codings by one coder in the first
transcript, prints the median server time of:

- the reader page of that transcript (goal under 200 ms), as the page view and over HTTP;
- coding a passage (goal under 50 ms), as the service call and as the API's POST;
- the next review item (goal under 50 ms), as the service call and as the page.

HTTP figures are a GET or POST on a uvicorn server in this process over 127.0.0.1, so
they include the framework, the template and the loopback.

    python bench/bench_workspace.py [--words 1000000] [--per-file 20000] [--codings 500]

Measured on the 2-core build machine (1,000,221 words, 50 transcripts; the reader's
transcript about 20,400 words with 500 passage codings and its pending suggestions), over
two runs: reader page 56-83 ms over HTTP (13-23 ms to gather its data, the rest rendering
0.74 MB of HTML); coding a passage 2.6-3.2 ms over HTTP (0.9-1.0 ms in the service); next
review item 8-13 ms over HTTP (1.2-1.3 ms in the service). All three goals are met.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from corpus import CODEBOOK, generate_corpus  # noqa: E402

from mpsp_qual import Project  # noqa: E402
from mpsp_qual.app import workspace as ws  # noqa: E402
from mpsp_qual.app import workspace_pages as pages  # noqa: E402
from mpsp_qual.web.app import create_app  # noqa: E402
from mpsp_qual.web.security import Guard  # noqa: E402
from mpsp_qual.web.server import free_port  # noqa: E402


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(label: str, ms: float, goal: float | None = None) -> None:
    verdict = (
        "" if goal is None else f"  (goal < {goal:.0f} ms: {'met' if ms < goal else 'NOT met'})"
    )
    print(f"{label:<52} {ms:8.1f} ms{verdict}")


def passages(project: Project, document: str, n: int, rng: random.Random):
    """n random word-aligned passages inside participant turns of the document."""
    turns = project.turns(document=document).query("participant_id.notna()")
    out: list[tuple[int, int]] = []
    while len(out) < n:
        turn = turns.iloc[rng.randrange(len(turns))]
        words = [m.span() for m in re.finditer(r"\S+", turn.text)]
        if len(words) < 3:
            continue
        i = rng.randrange(len(words) - 1)
        j = min(len(words) - 1, i + rng.randrange(1, 12))
        span = (int(turn.start) + words[i][0], int(turn.start) + words[j][1])
        if span not in out:
            out.append(span)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=20_000)
    parser.add_argument("--codings", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = generate_corpus(
            tmp / "corpus", words=args.words, seed=args.seed, per_file=args.per_file
        )
        project = Project.init(tmp / "project", codebook=CODEBOOK, register=corpus.register)
        start = time.perf_counter()
        project.import_transcripts(corpus.files)
        project.autocode()
        print(
            f"{corpus.words:,} words in {len(corpus.files)} transcripts; "
            f"imported and auto-coded in {time.perf_counter() - start:.0f} s"
        )
        docs = project.documents()
        document = docs["document"][0]
        words = int(docs["words"][0])
        codes = [c.id for c in project.codebook.codable()]
        alice = ws.Viewer("alice")
        spans = passages(project, document, args.codings + args.repeat, rng)
        coding_ms = []
        for a, b in spans[: args.codings]:
            t0 = time.perf_counter()
            ws.code_passage(
                project, alice, document=document, start=a, end=b, code=rng.choice(codes)
            )
            coding_ms.append((time.perf_counter() - t0) * 1000)
        stored = len(ws.coding_list(project, coder="alice"))
        pending = len(ws.bulk_preview(project, alice, codes[0], 0)) if codes else 0
        print(
            f"{document}: {words:,} words, {stored} passage codings by alice "
            f"(+ auto-coding's suggestions; {pending} pending of {codes[0]})"
        )

        report(
            f"coding a passage (service, median of {len(coding_ms)})",
            statistics.median(coding_ms),
            50,
        )
        report(
            "reader page data (service)",
            median_ms(lambda: pages.reader(project, alice, document), args.repeat),
        )
        first = pages.review_item(project, alice)
        report(
            "next review item (service)",
            median_ms(lambda: pages.review_item(project, alice, after=first["id"]), args.repeat),
            50,
        )

        port = free_port()
        guard = Guard.create(host="127.0.0.1", port=port)
        app = create_app(project.directory, coder="alice", guard=guard, port=port)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            client.get(f"/?token={guard.token}")
            page = client.get(f"/doc/{document}")
            assert page.status_code == 200, page.text[:300]
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
            print(f"{'reader page size':<52} {len(page.content) / 1e6:8.2f} MB")
            report(
                "reader page (HTTP GET)",
                median_ms(lambda: client.get(f"/doc/{document}").raise_for_status(), args.repeat),
                200,
            )
            extra = iter(spans[args.codings :])

            def post():
                a, b = next(extra)
                client.post(
                    "/api/code",
                    json={"document": document, "start": a, "end": b, "code": rng.choice(codes)},
                    headers={"X-CSRF-Token": csrf},
                ).raise_for_status()

            report("coding a passage (HTTP POST /api/code)", median_ms(post, args.repeat), 50)
            report(
                "next review item (HTTP GET /review?after=)",
                median_ms(
                    lambda: client.get(f"/review?after={first['id']}").raise_for_status(),
                    args.repeat,
                ),
                50,
            )
        server.should_exit = True
        thread.join(timeout=10)
        app.state.connections.close()
        project.close()


if __name__ == "__main__":
    main()
