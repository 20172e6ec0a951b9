"""Benchmark publishing: from an article appearing on a portal to its first paragraph playable.

Starts the fake portal (tests/fakeportal.py) on 127.0.0.2 with the portal registered as a
source polled every P seconds, and `bantin-audio serve --production` on 127.0.0.1 (watcher and
worker in-process) whose gTTS goes through the loopback fake-Google proxy answering every
request after 300 ms. Measures, on the product's real path:
  - watch: an article published on the portal at a random moment until its first paragraph is
    playable (the lookup's audio holds the first paragraph and answers a Range request with
    206); target <= P + 1.5 s;
  - import: the embed's first lookup of an article nobody has read yet (client-side import)
    until its first paragraph is playable; target <= 1.5 s;
  - baseline: what an editor would otherwise do for the same article, pasting its address
    into the service (POST /api/articles {"url": ...}) until its first paragraph is playable.
Prints the figures, the ratios to the targets and to the baseline, and the embed script's
compressed size (limit 8 KB). Nothing leaves the loopback interface.

Usage: python bench/publish.py [--interval 15] [--delay 0.3] [--samples 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bantin_audio.web import bundle  # noqa: E402
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env  # noqa: E402
from tests.fakeportal import FakePortal, sample_article  # noqa: E402

TOKEN = "bench-token"
BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
STRANGER = "http://127.0.0.9"  # an origin that may not queue imports (watch samples)


def free_port() -> int:
    """Return a free loopback port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """GET a JSON answer; (status, body or None)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def playable(data: dict[str, Any] | None) -> bool:
    """Return whether the article's audio already holds its first paragraph and serves 206."""
    if not data:
        return False
    mp3 = next((r for r in data.get("renditions", []) if r["kind"] == "mp3"), None)
    if mp3 is None or not any(t["kind"] in ("lead", "paragraph") for t in data["timings"]):
        return False
    req = urllib.request.Request(mp3["url"], headers={"Range": "bytes=0-1023"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status == 206


def wait_playable(ask: Any, timeout: float = 180.0) -> float:
    """Poll `ask()` (lookup JSON) every 50 ms; return the monotonic time it became playable."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if playable(ask()):
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit("timed out waiting for the first paragraph")


def lookup(base: str, url: str, origin: str) -> Any:
    """Ask the lookup API as a page of `origin` would."""
    code, data = get_json(base + "/api/lookup?url=" + urllib.parse.quote(url, safe=""),
                          {"Origin": origin})
    return data if code == 200 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=15, help="poll interval P (seconds)")
    parser.add_argument("--delay", type=float, default=0.3, help="fake Google delay (seconds)")
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bantin-publish-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with FakeGoogleProxy() as proxy, FakePortal("127.0.0.2") as portal:
        proxy.fake.delay = args.delay
        portal.publish(**sample_article(0))
        subprocess.run([BANTIN, "sources", "add", "yen-hoa", portal.url, "--feed",
                        portal.url + "/rss.xml", "--sitemap", portal.url + "/sitemap.xml",
                        "--interval", str(args.interval), "--data-dir", str(data_dir)],
                       check=True, capture_output=True)
        env = proxy_env(proxy.url)
        env.update(BANTIN_API_TOKEN=TOKEN, BANTIN_ENGINE="gtts",
                   BANTIN_PRIVATE_FETCH_HOSTS="127.0.0.2")
        log = open(data_dir / "server.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([BANTIN, "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data-dir", str(data_dir), "--production"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if get_json(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((data_dir / "server.log").read_text())
                time.sleep(0.1)
            first = next(iter(portal.articles.values()))
            wait_playable(lambda: lookup(base, portal.article_url(first), STRANGER))
            run(args, base, portal)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, base: str, portal: FakePortal) -> None:
    """Take the samples and print the report."""
    watch, imported, pasted = [], [], []
    n = 100
    for _ in range(args.samples):
        time.sleep(random.uniform(0, args.interval))  # a random moment in the poll cycle
        n += 1
        art = portal.publish(**sample_article(n))
        t0 = time.monotonic()
        done = wait_playable(lambda a=art: lookup(base, portal.article_url(a), STRANGER))
        watch.append(done - t0)
    for _ in range(args.samples):
        n += 1
        art = portal.publish(**sample_article(n))
        t0 = time.monotonic()
        done = wait_playable(lambda a=art: lookup(base, portal.article_url(a), portal.url))
        imported.append(done - t0)
    for _ in range(args.samples):
        n += 1
        art = portal.publish(**sample_article(n))
        t0 = time.monotonic()
        req = urllib.request.Request(
            base + "/api/articles", method="POST",
            data=json.dumps({"url": portal.article_url(art)}).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            job = json.loads(resp.read())["job"]

        def by_job(job_id: int = job["id"]) -> Any:
            code, body = get_json(f"{base}/api/jobs/{job_id}")
            if code != 200 or not body.get("article_id"):
                return None
            return get_json(f"{base}/api/lookup?id={body['article_id']}")[1]

        done = wait_playable(by_job)
        pasted.append(done - t0)
    size = len(gzip.compress(bundle(ROOT / "static", "nhung.js"), 9))
    req = urllib.request.Request(base + "/nhung.js", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        served = len(resp.read())
    p, target = args.interval, args.interval + 1.5
    med = statistics.median
    print(f"fake Google delay {args.delay * 1000:.0f} ms per request, poll interval P = {p} s,"
          f" {args.samples} samples each")
    print(f"watch:  publish -> first paragraph playable  median {med(watch):.2f} s "
          f"(max {max(watch):.2f} s); target P + 1.5 = {target:.1f} s; "
          f"ratio {max(watch) / target:.2f}")
    print(f"import: first lookup -> first paragraph playable median {med(imported):.2f} s "
          f"(max {max(imported):.2f} s); target 1.5 s; ratio {max(imported) / 1.5:.2f}")
    print(f"baseline (editor pastes the address): median {med(pasted):.2f} s; "
          f"import / baseline {med(imported) / med(pasted):.2f}")
    print(f"embed script nhung.js: {size} bytes gzip -9 ({served} bytes as served); "
          f"limit 8192; ratio {size / 8192:.2f}")


if __name__ == "__main__":
    main()
