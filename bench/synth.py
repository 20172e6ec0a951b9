"""Synthesis speed on the reference article against a distant-looking fake Google.

The fake Google endpoint (tests/fakegoogle_proxy.py) runs on loopback behind an HTTPS proxy, as
gTTS reaches Google through HTTPS_PROXY: every request waits `--delay` (Google's answer time)
and every new connection `--handshake` (the TCP and TLS round trips to a distant server). The
real gTTS code runs; only the server is local, and it runs in a process of its own (its TLS
work and threads do not compete with the client for one interpreter, as Google's do not). For
the seed article (../shared/seed) it measures:

  - the product at its settings (adaptive concurrency, pooled connections): time to the first
    segment, total time, requests, connections, most requests in flight; and the floor of that
    work: max(requests / ceiling x delay, requests / rate limit) + one handshake + the encode;
  - the same at a fixed concurrency of 4 (never adapted), against its own floor
    (requests / 4 x delay + ...);
  - a repeated run of the same article (nothing to ask Google, nothing to decode or encode);
  - an edit of one paragraph (one paragraph asked, one encode);
  - the naive baseline in the same run: one gTTS call per paragraph, one after another, gTTS
    chunking the text itself and opening a connection per request, as a user would script it;
  - Google throttling (429s): adaptive against fixed 4, once with 20% of requests refused at
    random and once with a server that refuses what exceeds 6 requests a second (about a fifth
    of fixed 4's requests), reporting time, failed requests and the segments that fell back to
    the offline voice.

Usage: python bench/synth.py [--delay 0.3] [--handshake 0.15] [--article PATH]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=0.3, help="seconds per fake Google request")
    ap.add_argument("--handshake", type=float, default=0.15,
                    help="seconds added to each new connection")
    ap.add_argument("--article", type=Path, default=SEED)
    args = ap.parse_args()
    if not args.article.exists():
        print(f"skipped: {args.article} not found")
        return
    d, h = args.delay, args.handshake
    rows: list[tuple[str, dict[str, Any], int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings.from_env(data_dir=Path(tmp) / "data")
        article = load_article(str(args.article), base)
        script = build_script(article, base)
        fixed = base.replace(concurrency=4, concurrency_start=4)

        def counted(ep: Endpoint, label: str, run: Any) -> dict[str, Any]:
            before = ep.counts()
            got = run()
            after = ep.counts()
            rows.append((label, got, after["requests"] - before["requests"],
                         after["connections"] - before["connections"]))
            return got

        with Endpoint(d, h) as ep:
            ours = counted(ep, "bantin-audio", lambda: run_pipeline(base, script,
                                                                    Path(tmp) / "a.mp3"))
            again = counted(ep, "  repeated", lambda: run_pipeline(base, script,
                                                                   Path(tmp) / "b.mp3"))
            edit = counted(ep, "  one paragraph edited",
                           lambda: run_pipeline(base, edited(script), Path(tmp) / "c.mp3"))
        with Endpoint(d, h) as ep:
            four = counted(ep, "bantin-audio, fixed 4", lambda: run_pipeline(
                fixed.replace(data_dir=Path(tmp) / "fixed"), script, Path(tmp) / "d.mp3",
                fixed=4))
        with Endpoint(d, h) as ep:
            naive = counted(ep, "naive gTTS baseline", lambda: run_baseline(script))

        throttled: list[tuple[str, str, dict[str, Any], int]] = []
        for label, fake_args in (("20% refused at random", {"fail_rate": 0.2}),
                                 ("rate-limited server", {"throttle_rps": 6.0})):
            for name, cfg, gate in (("adaptive", base, None), ("fixed 4", fixed, 4)):
                folder = Path(tmp) / f"t-{len(throttled)}"
                with Endpoint(d, h, **fake_args) as ep:
                    got = run_pipeline(cfg.replace(data_dir=folder), script, folder / "x.mp3",
                                       fixed=gate)
                    throttled.append((label, name, got, ep.counts()["throttled"]))

    print(f"article: {args.article.name}, {len(script.segments)} segments; fake Google: "
          f"{d * 1000:.0f} ms per request, {h * 1000:.0f} ms per new connection; "
          f"rate limit {base.google_rps:g}/s, concurrency {base.concurrency_initial} up to "
          f"{base.concurrency}")
    print(f"{'':26}{'first seg':>10}{'total':>9}{'encode':>8}{'requests':>10}"
          f"{'connections':>13}{'in flight':>11}")
    for name, r, reqs, conns in rows:
        peak = f"{r['peak']:>11}" if "peak" in r else f"{'1':>11}"
        enc = f"{r['encode']:>7.2f}s" if "encode" in r else f"{'':>8}"
        print(f"{name:26}{r['first']:>9.2f}s{r['total']:>8.2f}s{enc}{reqs:>10}{conns:>13}{peak}")

    def floor(r: dict[str, Any], reqs: int, ceiling: int) -> float:
        return max(reqs * d / ceiling, reqs / base.google_rps) + h + r["encode"]

    ours_reqs, ours_conns = rows[0][2], rows[0][3]
    four_reqs = rows[3][2]
    f_ours = floor(ours, ours_reqs, base.concurrency)
    f_four = floor(four, four_reqs, 4)
    retries = ours["failed"]
    print()
    print(f"connections: {ours_conns} for {ours_reqs} requests; most in flight {ours['peak']}, "
          f"failed requests {retries} (target: connections <= in flight + retries)")
    print(f"floor (requests / concurrency x delay, or requests / rate limit if slower, + one "
          f"handshake + encode): {f_ours:.2f} s; cold / floor = {ours['total'] / f_ours:.2f} "
          f"(target <= 1.15)")
    print(f"fixed 4: floor {f_four:.2f} s; cold / floor = {four['total'] / f_four:.2f} "
          f"(target <= 1.15)")
    print(f"speed-up over the naive gTTS run: {naive['total'] / ours['total']:.1f}x "
          f"(target >= 7x)")
    print(f"repeated run: {again['total']:.3f} s, {rows[1][2]} requests (target <= 0.3 s, 0)")
    print(f"one paragraph edited: {edit['total']:.2f} s, {rows[2][2]} requests")
    print(f"first segment / (one request + one handshake): {ours['first'] / (d + h):.2f} "
          f"nominal, {ours['first'] / naive['first']:.2f} against the naive run's first "
          f"request on a new connection, measured here (target <= 1.2)")
    print()
    print(f"{'Google answering 429':26}{'run':>10}{'total':>9}{'requests':>10}{'failed':>8}"
          f"{'429s':>6}{'offline segs':>14}{'in flight':>11}")
    for label, name, r, n429 in throttled:
        print(f"{label:26}{name:>10}{r['total']:>8.2f}s{r['requests']:>10}{r['failed']:>8}"
              f"{n429:>6}{r['offline']:>14}{r['peak']:>11}")
    for k in (0, 2):
        a, f = throttled[k][2], throttled[k + 1][2]
        print(f"{throttled[k][0]}: adaptive / fixed 4 time {a['total'] / f['total']:.2f} "
              f"(target <= 1.0), failed requests {a['failed']} vs {f['failed']} "
              f"(target: fewer)")


if __name__ == "__main__":
    main()
