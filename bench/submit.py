"""Benchmark submissions under slow sources, and token guessing, against the production server.

Starts `bantin-audio serve --production` (waitress, 8 in-process workers) on a free 127.0.0.1
port with a temp data dir, and a local "drip" server that sends an article page one byte at a
time, slower than any reader would wait. Then:

1. Submissions while slow sources are fetched: 8 URL submissions of drip-fed pages are made at
   once; while their jobs hold 8 fetches open, more submissions (pasted text) and `GET /` are
   made every 0.2 s for `--window` seconds. Prints the longest submission request and the
   longest `GET /`, against the 1 s target, and against the baseline measured in the same run:
   what one such submission held a request for when the page was fetched inside it (a direct
   fetch of one drip page with the same safe fetcher and the same settings).
   Also prints how long the drip-fed jobs took to fail (bounded by BANTIN_FETCH_TOTAL_TIMEOUT).
2. Token guessing: one client sends wrong bearer tokens as fast as it can for `--auth-seconds`
   (60 by default, one whole throttle window) and counts how many were checked (401) and how
   many refused unchecked (429). Baseline: the requests it sent (what an unthrottled service
   would have checked).

Nothing leaves 127.0.0.1.  Usage: python bench/submit.py [--window 10] [--auth-seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.errors import FetchError  # noqa: E402
from bantin_audio.ingest.fetch import fetch_url  # noqa: E402

TOKEN = "bench-token-" + "x" * 20
BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
PAGE = ("<html><head><title>Xã Quang Thuận họp dân về đường giao thông</title></head><body>"
        "<article><h1>Xã Quang Thuận họp dân về đường giao thông</h1>"
        + "<p>Sáng nay, xã tổ chức họp dân bàn việc mở rộng đường liên thôn năm nay.</p>" * 40
        + "</article></body></html>").encode()


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DripServer:
    """Serves PAGE one byte every `interval` seconds (each read well inside a read timeout)."""

    def __init__(self, interval: float) -> None:
        stop = self.stop = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                try:
                    for byte in PAGE:
                        if stop.is_set():
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(interval)
                except OSError:
                    pass  # the fetcher gave up at its deadline

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop dripping and close the server."""
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Server:
    """`bantin-audio serve --production` in a subprocess."""

    def __init__(self, total_timeout: float) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="bantin-bench-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.data), "BANTIN_API_TOKEN": TOKEN,
               "BANTIN_ENGINE": "espeak", "BANTIN_PRIVATE_FETCH_HOSTS": "127.0.0.1",
               "BANTIN_FETCH_TOTAL_TIMEOUT": str(total_timeout)}
        self.log = open(self.data / "server.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [BANTIN, "serve", "--production", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(self.data / "data"), "--threads", "8", "--workers", "8"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((self.data / "server.log").read_text()) from None
                time.sleep(0.2)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None,
                token: str = TOKEN) -> tuple[int, Any, float]:
        """Make one request on a fresh connection; return (status, JSON or None, seconds)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        t0 = time.perf_counter()
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - t0
        is_json = resp.getheader("Content-Type", "").startswith("application/json")
        return resp.status, json.loads(data) if is_json and data else None, elapsed

    def close(self) -> None:
        """Stop the server and remove its data."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def baseline_fetch(drip: DripServer, total_timeout: float) -> float:
    """Return how long fetching one drip page takes: what a request held before jobs did it."""
    settings = Settings(private_fetch_hosts="127.0.0.1", fetch_total_timeout=total_timeout)
    t0 = time.perf_counter()
    try:
        fetch_url(drip.base + "/co-so", settings)
    except FetchError:
        pass
    return time.perf_counter() - t0


def submissions_under_drip(server: Server, drip: DripServer, window: float) -> dict[str, Any]:
    """Submit 8 drip-fed URLs at once, then probe submissions and GET / during `window`."""
    idle_home = min(server.request("GET", "/")[2] for _ in range(5))
    submit_times: list[float] = []
    jobs: list[int] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        status, body, elapsed = server.request("POST", "/api/articles",
                                               {"url": f"{drip.base}/tin/{n}"})
        with lock:
            submit_times.append(elapsed)
            if status == 202:
                jobs.append(body["job"]["id"])

    started = time.perf_counter()
    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    in_flight = 0
    deadline = time.monotonic() + 10
    while in_flight < 8 and time.monotonic() < deadline:  # the 8 fetches are open
        in_flight = sum(server.request("GET", f"/api/jobs/{j}")[1]["status"] == "running"
                        for j in jobs)
        time.sleep(0.1)
    home_times: list[float] = []
    n = 100
    end = time.monotonic() + window
    while time.monotonic() < end:
        n += 1
        text = f"Thông báo số {n}\n\nXã thông báo lịch họp dân lúc tám giờ sáng mai."
        submit_times.append(server.request("POST", "/api/articles", {"text": text})[2])
        home_times.append(server.request("GET", "/")[2])
        time.sleep(0.2)
    still_running = sum(server.request("GET", f"/api/jobs/{j}")[1]["status"] == "running"
                        for j in jobs)
    failed_after = None
    while True:  # the drip-fed jobs end by the fetch deadline, not by the page
        states = [server.request("GET", f"/api/jobs/{j}")[1] for j in jobs]
        if all(s["status"] in ("failed", "done") or s["article_id"] for s in states) \
                or time.perf_counter() - started > 600:
            failed_after = time.perf_counter() - started
            break
        time.sleep(0.5)
    return {"submit_max": max(submit_times), "submits": len(submit_times),
            "home_max": max(home_times), "homes": len(home_times), "idle_home": idle_home,
            "in_flight": in_flight, "still_running": still_running,
            "drip_jobs_ended_after": failed_after,
            "drip_failed": sum(s["status"] == "failed" for s in states),
            "drip_error": next((s["error"] for s in states if s["error"]), "")}


def token_guessing(server: Server, seconds: float) -> dict[str, int]:
    """Send wrong tokens from one client for `seconds`; count checked (401) and refused (429)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    counts: dict[int, int] = {}
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        conn.request("DELETE", "/api/articles/1", headers={"Authorization": f"Bearer sai-{n}"})
        resp = conn.getresponse()
        resp.read()
        counts[resp.status] = counts.get(resp.status, 0) + 1
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.close()
    return {"sent": n, **{str(k): v for k, v in sorted(counts.items())}}


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=10.0,
                        help="seconds of probing while the 8 slow fetches are open")
    parser.add_argument("--drip", type=float, default=0.02, help="seconds between bytes")
    parser.add_argument("--total-timeout", type=float, default=30.0,
                        help="BANTIN_FETCH_TOTAL_TIMEOUT for the server and the baseline")
    parser.add_argument("--auth-seconds", type=float, default=60.0)
    args = parser.parse_args()

    drip = DripServer(args.drip)
    server = Server(args.total_timeout)
    try:
        print(f"drip page: {len(PAGE)} bytes, one every {args.drip * 1000:.0f} ms "
              f"({len(PAGE) * args.drip:.0f} s whole); fetch deadline {args.total_timeout:.0f} s")
        base = baseline_fetch(drip, args.total_timeout)
        r = submissions_under_drip(server, drip, args.window)
        print(f"baseline: one drip-fed page fetched inside a request held it {base:.2f} s")
        print(f"8 drip-fed submissions in flight ({r['in_flight']} fetching, "
              f"{r['still_running']} still after the window); {r['submits']} submissions, "
              f"{r['homes']} GET / meanwhile")
        print(f"  longest submission request {r['submit_max'] * 1000:7.1f} ms   "
              f"(/ 1 s target = {r['submit_max']:.3f}; / baseline = "
              f"{r['submit_max'] / base:.4f})")
        print(f"  longest GET /              {r['home_max'] * 1000:7.1f} ms   "
              f"(/ 1 s target = {r['home_max']:.3f}; / idle GET / "
              f"{r['idle_home'] * 1000:.1f} ms = {r['home_max'] / r['idle_home']:.1f})")
        print(f"  drip-fed jobs: {r['drip_failed']} of 8 failed "
              f"{r['drip_jobs_ended_after']:.1f} s after submission (3 attempts, each ended "
              f"by the fetch deadline): {r['drip_error']}")
        g = token_guessing(server, args.auth_seconds)
        per_minute = g.get("401", 0) * 60 / args.auth_seconds
        print(f"token guessing, one client, {args.auth_seconds:.0f} s: sent {g['sent']}, "
              f"checked (401) {g.get('401', 0)}, refused unchecked (429) {g.get('429', 0)}")
        print(f"  wrong tokens checked per minute per client: {per_minute:.0f} "
              f"(baseline, sent per minute: {g['sent'] * 60 / args.auth_seconds:.0f}; "
              f"ratio {g.get('401', 0) / max(1, g['sent']):.5f})")
    finally:
        server.close()
        drip.close()


if __name__ == "__main__":
    main()
