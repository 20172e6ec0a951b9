"""Synthesis speed on the reference article against a distant-looking fake Google.

The fake Google endpoint (tests/fakegoogle_proxy.py) runs on loopback behind an HTTPS proxy, as
gTTS reaches Google through HTTPS_PROXY: every request waits `--delay` (Google's answer time)
and every new connection `--handshake` (the TCP and TLS round trips to a distant server). The
real gTTS code runs; only the server is local, and it runs in a process of its own (its TLS
work and threads do not compete with the client for one interpreter, as Google's do not). For
the seed article (../shared/seed) it measures:

  - the product at its settings (adaptive concurrency, pooled connections): total time,
    requests, connections, most requests in flight; and the floor of that work:
    max(requests / ceiling x delay, requests / rate limit) + one handshake + the encode;
  - the same at a fixed concurrency of 4 (never adapted), against its own floor
    (requests / 4 x delay + ...);
  - a repeated run of the same article (nothing to ask Google, nothing to decode or encode);
  - an edit of one paragraph (one paragraph asked, one encode);
  - the naive baseline in the same run: one gTTS call per paragraph, one after another, gTTS
    chunking the text itself and opening a connection per request, as a user would script it;
  - the first audio, on the worker's path (the article submitted, its job claimed): the time
    until the first segment's clip is ready, and until the first file a listener can play is
    published (title, date and first paragraph, which the reader page's player opens), both
    against one request on a new connection, nominal (delay + handshake) and measured here (a
    single request on a new connection by the same client, median);
  - Google answering 429: adaptive against fixed 4, once with 20% of requests refused at
    random (refusals independent of load: both send as many failed requests by construction)
    and once with a server that throttles by load (a token bucket at 80 % of what fixed 4
    sustains here, so fixed 4 sees about a fifth of its requests refused), reporting time,
    failed requests and the segments that fell back to the offline voice (a run that fell
    back did less of the work).

Bench runs on a loaded machine are noisy: `--runs` repeats the first-audio and throttling
measures and prints medians; `--part` runs one group only.

Usage: python bench/synth.py [--delay 0.3] [--handshake 0.15] [--article PATH] [--runs 3]
       [--part all|cold|first|throttled]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.engines.chain import AdaptiveConcurrency  # noqa: E402
from bantin_audio.engines.google import close_pooled_session  # noqa: E402
from bantin_audio.ingest import load_article  # noqa: E402
from bantin_audio.model import Progress, Script  # noqa: E402
from bantin_audio.services import build_services  # noqa: E402
from bantin_audio.speech.script import build_script  # noqa: E402
from tests.fakegoogle_proxy import FakeGoogleProxy  # noqa: E402
from tests.fakes import FakeGoogle, tone_mp3  # noqa: E402

SEED = ROOT.parent / "shared" / "seed" / "bach-thong-2-nam-nghi-quyet.txt"


def _serve(conn: Any, handshake: float, fake_args: dict[str, Any]) -> None:
    """Run a fake Google behind its proxy until told to stop; answer counter queries."""
    fake = FakeGoogle(**fake_args)
    tone_mp3()  # the fake's audio is made once, before anything is timed
    proxy = FakeGoogleProxy(fake, handshake_delay=handshake).start()
    conn.send(proxy.url)
    while (command := conn.recv()) != "stop":
        assert command == "counts"
        conn.send({"requests": fake.requests, "connections": proxy.connections,
                   "throttled": fake.throttled})
    proxy.stop()
    conn.send("stopped")


class Endpoint:
    """A fresh fake Google behind its proxy in a process of its own, with this process's HTTPS
    traffic sent to it."""

    def __init__(self, delay: float, handshake: float, **fake: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, theirs = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(theirs, handshake,
                                                         {"delay": delay, **fake}),
                                    name="fake-google", daemon=True)

    def counts(self) -> dict[str, int]:
        """Return what the fake has seen: requests, connections, 429s it chose to send."""
        self._conn.send("counts")
        return self._conn.recv()

    def __enter__(self) -> Endpoint:
        self._process.start()
        url = self._conn.recv()
        close_pooled_session()  # every scenario starts without an open connection
        for key in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
            os.environ.pop(key, None)
        os.environ["HTTPS_PROXY"] = os.environ["https_proxy"] = url
        return self

    def __exit__(self, *exc: object) -> None:
        close_pooled_session()
        self._conn.send("stop")
        self._conn.recv()
        self._process.join(10)


def run_pipeline(settings: Settings, script: Script, out: Path,
                 fixed: int | None = None) -> dict[str, Any]:
    """Render the script once the way `bantin-audio read` does; return what it took.

    With `fixed`, Google's requests go through a gate that never adapts (the same reading-order
    queue, `fixed` at once whatever Google answers): the baseline an operator would configure.
    """
    services = build_services(settings)
    if fixed is not None:
        services.pipeline.engines[0].concurrency = AdaptiveConcurrency(  # type: ignore[attr-defined]
            fixed, fixed, adaptive=False)
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def on_progress(p: Progress) -> None:
        now = time.perf_counter() - started
        if p.stage == "synthesize":
            marks.setdefault("first", now)
        marks.setdefault(p.stage, now)

    program = services.pipeline.render(script, out, on_progress)
    total = time.perf_counter() - started
    google = services.pipeline.engines[0]
    gate = getattr(google, "concurrency", None)
    result = {
        "first": marks.get("first", total), "total": total,
        "encode": total - marks.get("stitch", total),
        "requests": services.pipeline.request_count,
        "failed": getattr(google, "failed_requests", 0),
        "peak": gate.peak if gate is not None else settings.concurrency,
        "offline": sum(n for engine, n in program.engines.items() if engine != google.label),
    }
    services.pipeline.close()
    return result


def run_worker(settings: Settings, source: Path) -> dict[str, float]:
    """Submit the article and run its job the way a worker does; return when a listener could
    first play it (the first audio file published: title, date and first paragraph, which the
    reader page's player opens) and when the whole article was published, from the claim."""
    from bantin_audio.jobs import Worker, open_store, submit_article

    store = open_store(settings)
    submit_article(store, load_article(str(source), settings), settings)
    services = build_services(settings)
    worker = Worker(store, services.pipeline, settings, background_extras=True)
    marks: dict[str, float] = {}
    put, mark = store.renditions.put, store.articles.mark_segment

    def published(row: Any) -> Any:  # the moment the row is committed, a listener can play it
        result = put(row)
        marks.setdefault("complete" if row.complete else "first", time.perf_counter())
        return result

    def marked(*args: Any, **kwargs: Any) -> Any:  # a segment's clip is ready
        result = mark(*args, **kwargs)
        if kwargs.get("status") == "done":
            marks.setdefault("segment", time.perf_counter())
        return result

    store.renditions.put = published  # type: ignore[method-assign]
    store.articles.mark_segment = marked  # type: ignore[method-assign]
    started = time.perf_counter()
    worker.run_once()
    marks.setdefault("first", marks.get("complete", time.perf_counter()))
    for tail in worker._tails:  # the extra renditions, written in the background
        tail.result()
    services.pipeline.close()
    worker.close()
    return {"first": marks["first"] - started, "segment": marks["segment"] - started,
            "complete": marks.get("complete", time.perf_counter()) - started}


def run_baseline(script: Script) -> dict[str, float]:
    """One gTTS call per segment, sequentially, with gTTS's own tokenizer and pre-processors."""
    from gtts import gTTS

    started = time.perf_counter()
    first = None
    for seg in script.segments:
        buf = io.BytesIO()
        gTTS(seg.spoken, lang="vi").write_to_fp(buf)
        if first is None:
            first = time.perf_counter() - started
    return {"first": first or 0.0, "total": time.perf_counter() - started}


def edited(script: Script) -> Script:
    """Return the script with its longest body paragraph changed by a few words."""
    from dataclasses import replace

    body = [s for s in script.segments if s.kind == "paragraph"]
    target = max(body, key=lambda s: len(s.spoken))
    segments = [replace(s, spoken=s.spoken + " Tin do phòng văn hóa cung cấp.")
                if s.index == target.index else s for s in script.segments]
    return replace(script, segments=segments)


def cold_request(d: float, h: float, text: str, times: int) -> list[float]:
    """Time single requests, each on a new connection, by the product's own client (gTTS over
    the pooled session, emptied before each): one request plus one handshake as this machine
    actually delivers it (TLS work, a loaded CPU, the stand-in's own overhead), beside the
    nominal figure."""
    from bantin_audio.engines.google import GoogleEngine

    took = []
    with Endpoint(d, h):
        for _ in range(times):
            close_pooled_session()
            started = time.perf_counter()
            GoogleEngine().synthesize(text)
            took.append(time.perf_counter() - started)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=0.3, help="seconds per fake Google request")
    ap.add_argument("--handshake", type=float, default=0.15,
                    help="seconds added to each new connection")
    ap.add_argument("--article", type=Path, default=SEED)
    ap.add_argument("--runs", type=int, default=3,
                    help="runs of the first-audio and throttling measures (medians printed)")
    ap.add_argument("--part", choices=("all", "cold", "first", "throttled"), default="all")
    args = ap.parse_args()
    if not args.article.exists():
        print(f"skipped: {args.article} not found")
        return
    d, h = args.delay, args.handshake
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings.from_env(data_dir=Path(tmp) / "data")
        article = load_article(str(args.article), base)
        script = build_script(article, base)
        fixed = base.replace(concurrency=4, concurrency_start=4)
        print(f"article: {args.article.name}, {len(script.segments)} segments; fake Google: "
              f"{d * 1000:.0f} ms per request, {h * 1000:.0f} ms per new connection; "
              f"rate limit {base.google_rps:g}/s, concurrency {base.concurrency_initial} up to "
              f"{base.concurrency}; medians of {args.runs} runs where marked")
        sustained = 0.0
        if args.part in ("all", "cold"):
            sustained = cold_part(args, base, fixed, script, Path(tmp))
        if args.part in ("all", "first"):
            first_part(args, base, Path(tmp))
        if args.part in ("all", "throttled"):
            throttled_part(args, base, fixed, script, Path(tmp), sustained)


def cold_part(args: argparse.Namespace, base: Settings, fixed: Settings, script: Script,
              tmp: Path) -> float:
    """Cold, repeated, edited, fixed 4 and naive runs; return fixed 4's requests a second."""
    d, h = args.delay, args.handshake
    rows: list[tuple[str, dict[str, Any], int, int]] = []

    def counted(ep: Endpoint, label: str, run: Any) -> dict[str, Any]:
        before = ep.counts()
        got = run()
        after = ep.counts()
        rows.append((label, got, after["requests"] - before["requests"],
                     after["connections"] - before["connections"]))
        return got

    with Endpoint(d, h) as ep:
        ours = counted(ep, "bantin-audio", lambda: run_pipeline(base, script, tmp / "a.mp3"))
        again = counted(ep, "  repeated", lambda: run_pipeline(base, script, tmp / "b.mp3"))
        edit = counted(ep, "  one paragraph edited",
                       lambda: run_pipeline(base, edited(script), tmp / "c.mp3"))
    with Endpoint(d, h) as ep:
        four = counted(ep, "bantin-audio, fixed 4", lambda: run_pipeline(
            fixed.replace(data_dir=tmp / "fixed"), script, tmp / "d.mp3", fixed=4))
    with Endpoint(d, h) as ep:
        naive = counted(ep, "naive gTTS baseline", lambda: run_baseline(script))

    print()
    print(f"{'':26}{'total':>9}{'encode':>8}{'requests':>10}{'connections':>13}"
          f"{'in flight':>11}")
    for name, r, reqs, conns in rows:
        peak = f"{r['peak']:>11}" if "peak" in r else f"{'1':>11}"
        enc = f"{r['encode']:>7.2f}s" if "encode" in r else f"{'':>8}"
        print(f"{name:26}{r['total']:>8.2f}s{enc}{reqs:>10}{conns:>13}{peak}")

    def floor(r: dict[str, Any], reqs: int, ceiling: int) -> float:
        return max(reqs * d / ceiling, reqs / base.google_rps) + h + r["encode"]

    ours_reqs, ours_conns = rows[0][2], rows[0][3]
    four_reqs = rows[3][2]
    f_ours = floor(ours, ours_reqs, base.concurrency)
    f_four = floor(four, four_reqs, 4)
    print()
    print(f"connections: {ours_conns} for {ours_reqs} requests; most in flight {ours['peak']}, "
          f"failed requests {ours['failed']} (target: connections <= in flight + retries)")
    print(f"floor (requests / concurrency x delay, or requests / rate limit if slower, + one "
          f"handshake + encode): {f_ours:.2f} s; cold / floor = {ours['total'] / f_ours:.2f} "
          f"(target <= 1.15)")
    print(f"fixed 4: floor {f_four:.2f} s; cold / floor = {four['total'] / f_four:.2f} "
          f"(target <= 1.15)")
    print(f"speed-up over the naive gTTS run: {naive['total'] / ours['total']:.1f}x "
          f"(target >= 7x)")
    print(f"repeated run: {again['total']:.3f} s, {rows[1][2]} requests (target <= 0.3 s, 0)")
    print(f"one paragraph edited: {edit['total']:.2f} s, {rows[2][2]} requests")
    return four_reqs / max(1e-3, four["total"] - four["encode"])


def first_part(args: argparse.Namespace, base: Settings, tmp: Path) -> None:
    """The first audio a listener can play, on the worker's path, against one cold request."""
    d, h = args.delay, args.handshake
    firsts, segments, completes = [], [], []
    for n in range(args.runs):
        with Endpoint(d, h):
            got = run_worker(base.replace(data_dir=tmp / f"w-{n}"), args.article)
        firsts.append(got["first"])
        segments.append(got["segment"])
        completes.append(got["complete"])
    single = statistics.median(cold_request(d, h, "Bản tin buổi sáng", max(5, args.runs)))
    first, segment = statistics.median(firsts), statistics.median(segments)
    print()
    print("first audio (worker path, from the job's claim; one request + one handshake is "
          f"{d + h:.2f} s nominal, {single:.2f} s measured here for a single request on a new "
          "connection):")
    print(f"  first segment ready (the title's clip): runs "
          f"{', '.join(f'{t:.2f}' for t in segments)} s; median {segment:.2f} s = "
          f"{segment / (d + h):.2f} nominal, {segment / single:.2f} measured (target <= 1.2)")
    print(f"  first file a listener can play (title, date and first paragraph, which the "
          f"reader's player opens): runs {', '.join(f'{t:.2f}' for t in firsts)} s; median "
          f"{first:.2f} s = {first / (d + h):.2f} nominal, {first / single:.2f} measured")
    print(f"  whole article published after {statistics.median(completes):.2f} s")


def throttled_part(args: argparse.Namespace, base: Settings, fixed: Settings, script: Script,
                   tmp: Path, sustained: float) -> None:
    """Adaptive against fixed 4 with Google refusing 20 % of requests, in two ways."""
    d, h = args.delay, args.handshake
    # A server that throttles by load: a token bucket a little under what fixed 4 sustains
    # on this machine (measured above), so fixed 4 sees about a fifth of its requests refused.
    if not sustained:
        with Endpoint(d, h):
            four = run_pipeline(fixed.replace(data_dir=tmp / "calibrate"), script,
                                tmp / "calibrate.mp3", fixed=4)
        sustained = four["requests"] / max(1e-3, four["total"] - four["encode"])
    rate = round(0.8 * sustained, 1)
    cases = (("20% refused at random", {"fail_rate": 0.2}),
             (f"throttled above {rate:g}/s", {"throttle_rps": rate, "throttle_burst": 4}))
    print()
    print(f"{'Google answering 429':26}{'run':>10}{'total':>9}{'requests':>10}{'failed':>8}"
          f"{'offline segs':>14}{'in flight':>11}   (medians of {args.runs} runs)")
    for label, fake_args in cases:
        summary = {}
        for name, cfg, gate in (("adaptive", base, None), ("fixed 4", fixed, 4)):
            runs = []
            for n in range(args.runs):
                folder = tmp / f"t-{label[:4]}-{name[:5]}-{n}"
                with Endpoint(d, h, **fake_args):
                    runs.append(run_pipeline(cfg.replace(data_dir=folder), script,
                                             folder / "x.mp3", fixed=gate))
            med = {k: statistics.median(r[k] for r in runs)
                   for k in ("total", "requests", "failed", "offline", "peak")}
            med["fell back"] = sum(1 for r in runs if r["offline"])
            summary[name] = med
            print(f"{label:26}{name:>10}{med['total']:>8.2f}s{med['requests']:>10g}"
                  f"{med['failed']:>8g}{med['offline']:>14g}{med['peak']:>11g}")
        a, f = summary["adaptive"], summary["fixed 4"]
        print(f"  adaptive / fixed 4 time {a['total'] / f['total']:.2f} (target <= 1.0), failed "
              f"requests {a['failed']:g} vs {f['failed']:g} (target: fewer); runs that fell "
              f"back to the offline voice: {a['fell back']} vs {f['fell back']} of {args.runs} "
              f"(such a run did less of the work)")
        if "fail_rate" in fake_args:
            print("  refusals at random do not depend on load: each request has the same "
                  "chance whatever the concurrency, so both send about as many failed "
                  "requests by construction; adaptive only must not lose time")


if __name__ == "__main__":
    main()
