"""Benchmark the web service as deployed: waitress on loopback, 50 concurrent clients.

Starts `bantin-audio serve --production` on a free 127.0.0.1 port with a temp data dir, its
gTTS going through the loopback fake-Google proxy (tests/fakegoogle_proxy.py), seeds a few
articles, then runs bounded request loops (each client stops by itself) against:
  - reader pages (HTML, gzip, as a phone asks for them),
  - Range requests on cached audio (206, 32 KB windows, as a seeking player asks),
and measures time-to-first-audio: a new article submitted while the fake Google answers every
request after 300 ms, until its first paragraph is playable (the published audio's timing map
holds the first paragraph and its URL answers a Range request with 206).
Prints the figures and the ratios to the targets.  Nothing leaves 127.0.0.1.

Usage: python bench/serve.py [--clients 50] [--requests 40] [--delay 0.3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env  # noqa: E402

TOKEN = "bench-token"
BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
PARAGRAPH = ("Từ đầu nhiệm kỳ đến nay, cấp ủy, chính quyền các cấp trên địa bàn huyện đã tập "
             "trung lãnh đạo, chỉ đạo, triển khai nhiều biện pháp đồng bộ, hiệu quả.")


def article_text(n: int, paragraphs: int = 6) -> str:
    """Return a pasted article with a distinct title."""
    title = f"Huyện số {n} hoàn thành các chỉ tiêu nghị quyết đại hội năm {2020 + n}"
    return title + "\n\n" + "\n\n".join(f"Đoạn {k}. {PARAGRAPH}" for k in range(1, paragraphs))


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`bantin-audio serve --production` in a subprocess."""

    def __init__(self, proxy_url: str, threads: int) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="bantin-bench-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = proxy_env(proxy_url)
        env.update(BANTIN_API_TOKEN=TOKEN, BANTIN_ENGINE="gtts")
        self.log = open(self.data / "server.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [BANTIN, "serve", "--production", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(self.data / "data"), "--threads", str(threads)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((self.data / "server.log").read_text()) from None
                time.sleep(0.1)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the JSON API."""
        req = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        """Stop the server and remove its data."""
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def _client_group(base: str, seeds: list[int], per_client: int, make_request: Any,
                  ready: Any, out: Any) -> None:
    """Run one process's share of the clients as threads; put (latencies, errors) on `out`."""
    host, port = base.split("//")[1].split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    go = threading.Barrier(len(seeds) + 1)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine: list[float] = []
        bad = 0
        go.wait()
        for _ in range(per_client):  # bounded: every client stops by itself
            path, headers, expect = make_request(rng)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != expect:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in seeds]
    for t in threads:
        t.start()
    ready.wait()  # every process has its clients connected-to-be: start together
    go.wait()
    for t in threads:
        t.join()
    out.put((latencies, errors[0]))


def load(base: str, clients: int, per_client: int, make_request: Any,
         processes: int = 5) -> tuple[list[float], int, float]:
    """Run `clients` clients of `per_client` requests each; return latencies, errors, wall.

    The clients are threads spread over a few processes, so the measuring side's own GIL
    does not add to the latencies it reports.
    """
    ctx = multiprocessing.get_context("fork")
    processes = max(1, min(processes, clients))
    ready = ctx.Barrier(processes + 1)
    out = ctx.Queue()
    groups = [list(range(clients))[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_client_group,
                         args=(base, g, per_client, make_request, ready, out)) for g in groups]
    for proc in procs:
        proc.start()
    ready.wait()
    t0 = time.perf_counter()
    results = [out.get(timeout=300) for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    latencies = [x for lat, _ in results for x in lat]
    return latencies, sum(err for _, err in results), wall


def report(name: str, latencies: list[float], errors: int, wall: float) -> float:
    """Print one load phase; return its p99 in ms."""
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<28} {len(ordered) / wall:8.0f} req/s   p50 {p50:6.1f} ms   "
          f"p99 {p99:6.1f} ms   errors {errors}   (p99 / 100 ms target = {p99 / 100:.2f})")
    return p99


def submitted_article(server: Server, body: dict[str, Any]) -> dict[str, Any]:
    """Wait until a submission's job has cleaned the text into an article; return the article."""
    while True:
        job = server.api("GET", f"/api/jobs/{body['job']['id']}")
        if job["article_id"] is not None:
            return server.api("GET", f"/api/articles/{job['article_id']}")  # type: ignore[no-any-return]
        if job["status"] == "failed":
            raise SystemExit(f"submission failed: {job['error']}")
        time.sleep(0.02)


def time_to_first_audio(server: Server, proxy: FakeGoogleProxy, delay: float,
                        n: int) -> tuple[float, float]:
    """Submit a new article; return seconds until its first audio answers 206, and until done."""
    proxy.fake.delay = delay
    t0 = time.perf_counter()
    body = submitted_article(
        server, server.api("POST", "/api/articles", {"text": article_text(100 + n, 8)}))
    article_id = body["id"]
    first = None
    timings_url = body["timings_url"]
    while True:
        art = server.api("GET", f"/api/articles/{article_id}")
        if first is None and art["renditions"]:
            # Playable = the current audio file already holds the first paragraph.
            with urllib.request.urlopen(timings_url, timeout=10) as resp:
                timing = json.loads(resp.read())
            if any(t["kind"] in ("lead", "paragraph") for t in timing["timings"]):
                url = timings_url.rsplit("/bai/", 1)[0] + "/am-thanh/" + timing["audio"]
                req = urllib.request.Request(url, headers={"Range": "bytes=0-"})
                with urllib.request.urlopen(req, timeout=10) as resp:
                    if resp.status == 206 and resp.read(1):
                        first = time.perf_counter() - t0
        if art["status"] in ("done", "failed"):
            break
        time.sleep(0.02)
    done = time.perf_counter() - t0
    proxy.fake.delay = 0.0
    return first if first is not None else done, done


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="requests per client")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--delay", type=float, default=0.3, help="fake Google delay (s)")
    args = parser.parse_args()

    with FakeGoogleProxy() as proxy:
        server = Server(proxy.url, args.threads)
        try:
            ids = [submitted_article(server, server.api(
                "POST", "/api/articles", {"text": article_text(n)}))["id"] for n in range(5)]
            articles = []
            for article_id in ids:
                while (art := server.api("GET", f"/api/articles/{article_id}"))["status"] \
                        != "done":
                    time.sleep(0.1)
                articles.append(art)
            pages = ["/bai/" + a["slug"] for a in articles]
            audio = [(r["url"].split(str(server.port), 1)[1], r["bytes"])
                     for a in articles for r in a["renditions"] if r["kind"] == "mp3"]
            print(f"server: waitress, {args.threads} threads, 127.0.0.1:{server.port}; "
                  f"{args.clients} clients x {args.requests} requests per phase")

            def page_request(rng: random.Random) -> tuple[str, dict[str, str], int]:
                return rng.choice(pages), {"Accept-Encoding": "gzip"}, 200

            def range_request(rng: random.Random) -> tuple[str, dict[str, str], int]:
                path, size = rng.choice(audio)
                start = rng.randrange(0, max(1, size - 32768))
                return path, {"Range": f"bytes={start}-{start + 32767}"}, 206

            load(server.base, 5, 4, page_request)  # warm up
            p99_pages = report("reader pages (gzip)",
                               *load(server.base, args.clients, args.requests, page_request))
            p99_range = report("Range on cached audio (206)",
                               *load(server.base, args.clients, args.requests, range_request))
            ttfa, full = time_to_first_audio(server, proxy, args.delay, 1)
            print(f"time to first audio          {ttfa * 1000:8.0f} ms  (target 1000 ms: "
                  f"{ttfa:.2f}x)   whole article {full * 1000:.0f} ms   "
                  f"first/whole = {ttfa / full:.2f}   fake Google delay {args.delay * 1000:.0f} ms")
            ok = p99_pages < 100 and p99_range < 100 and ttfa < 1.0
            print("targets met" if ok else "targets NOT met")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
