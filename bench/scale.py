"""Benchmark the scaled mode: articles per minute with 1, 2 and 4 worker processes.

Each worker is `bantin-audio worker` (Celery on a real redis-server started here on loopback,
SQLite in a shared temp data dir) whose gTTS goes through the loopback fake-Google proxy
(tests/fakegoogle_proxy.py) answering every request after --delay seconds (300 ms: a distant,
busy Google). For 1, 2 and 4 workers, with no global limit and then with a global limit of
--rps requests a second shared through Redis, it submits --articles articles once the workers
are ready and times them until every job is done (all renditions written). Beside them, the
embedded mode (`bantin-audio worker --count 2` on the same data dir model, no queue URL: the
worker threads `serve` runs) doing the same work: the baseline a single machine gives.

Prints articles per minute, requests per second seen at Google, and the scaling ratios
against 1 worker (targets: >= 1.8x at 2 workers, >= 3.2x at 4, while under the limit).
Nothing leaves 127.0.0.1. Needs /usr/bin/redis-server (apt-get install redis-server).

Usage: python bench/scale.py [--articles 12] [--paragraphs 6] [--delay 0.3] [--rps 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.jobqueue import PRIORITY_NORMAL  # noqa: E402
from bantin_audio.jobs import open_store, submit_article  # noqa: E402
from bantin_audio.model import Article  # noqa: E402
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env  # noqa: E402

BANTIN = str(Path(sys.executable).with_name("bantin-audio"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--dir", str(directory), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def article(run: str, n: int, paragraphs: int) -> Article:
    # Every phrase is new to the clip cache: each run pays for every request.
    return Article(title=f"Tin {run} số {n} của xã Phú Lộc",
                   paragraphs=[f"Bản tin {run} số {n}, mục {k}: xã đã hoàn thành chỉ tiêu "
                               f"số {k} của năm, vượt kế hoạch đề ra." for k in
                               range(1, paragraphs + 1)],
                   source_url=f"https://phuloc.example.vn/{run}/{n}")


def cpu_seconds(pid: int) -> float:
    """Return a process's CPU time so far, its waited-for children (ffmpeg) included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    label: str
    workers: int
    limited: bool
    seconds: float
    articles: int
    requests: int
    cpu_s: float = 0.0  # CPU time of the worker processes and their ffmpeg children

    @property
    def cpu_per_article(self) -> float:
        return self.cpu_s / self.articles

    @property
    def per_minute(self) -> float:
        return self.articles / self.seconds * 60

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def run(label: str, workers: int, base: Path, proxy: FakeGoogleProxy, args: argparse.Namespace,
        queue_url: str | None, rps: float) -> Result:
    data = base / label.replace(" ", "-")
    logs = data / "logs"
    logs.mkdir(parents=True)
    env = proxy_env(proxy.url)
    env.update(BANTIN_DATA_DIR=str(data / "data"), BANTIN_ENGINE="gtts", BANTIN_WATCH="0",
               BANTIN_GOOGLE_RPS=str(rps))
    if queue_url:
        env["BANTIN_QUEUE_URL"] = queue_url
        # Each run starts from an empty Redis: no bucket or breaker left from the last one.
        import redis

        redis.Redis.from_url(queue_url).flushall()
    settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("BANTIN_")})
    store = open_store(settings)
    queue = None
    if queue_url:
        from bantin_audio.queue_celery import CeleryQueue

        queue = CeleryQueue(settings, store)
    procs = []
    for n in range(workers):
        out = open(logs / f"worker-{n}.log", "wb")  # noqa: SIM115
        extra = ["--count", "2"] if not queue_url else ["--count", "1"]
        procs.append(subprocess.Popen([BANTIN, "worker", *extra], env=env, stdout=out,
                                      stderr=subprocess.STDOUT))
        out.close()
    try:
        ready = "worker ready" if queue_url else "Đang chạy"
        deadline = time.monotonic() + 60
        while not all(ready in (logs / f"worker-{n}.log").read_text(errors="replace")
                      for n in range(workers)):
            if time.monotonic() > deadline:
                raise SystemExit(f"{label}: workers did not start")
            time.sleep(0.1)
        before = proxy.fake.requests
        cpu_before = sum(cpu_seconds(p.pid) for p in procs)
        t0 = time.monotonic()
        ids = [submit_article(store, article(label, n, args.paragraphs), settings,
                              queue, PRIORITY_NORMAL).job.id for n in range(args.articles)]
        deadline = time.monotonic() + 900
        while any(store.jobs.get(j).status not in ("done", "failed") for j in ids):
            if time.monotonic() > deadline:
                raise SystemExit(f"{label}: jobs did not finish")
            time.sleep(0.05)
        seconds = time.monotonic() - t0
        failed = [j for j in ids if store.jobs.get(j).status != "done"]
        if failed:
            raise SystemExit(f"{label}: jobs failed: {failed}")
        cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu_before
        return Result(label, workers, rps < 1000, seconds, len(ids),
                      proxy.fake.requests - before, cpu)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--paragraphs", type=int, default=6)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--rps", type=float, default=10.0, help="the global limit")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    counts = [int(c) for c in args.workers.split(",")]
    base = Path(tempfile.mkdtemp(prefix="bantin-scale-"))
    redis_proc, url = start_redis(base)
    results: list[Result] = []
    try:
        with FakeGoogleProxy() as proxy:
            proxy.fake.delay = args.delay
            results.append(run("embedded", 1, base, proxy, args, None, 1000.0))
            for limited in (False, True):
                for n in counts:
                    label = f"{n} workers {'limit' if limited else 'nolimit'}"
                    results.append(run(label, n, base, proxy, args, url,
                                       args.rps if limited else 1000.0))
                    print(f"  {label}: {results[-1].per_minute:.1f} articles/min", flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(base, ignore_errors=True)
    phrases = args.paragraphs + 1
    cpus = os.cpu_count() or 1
    print(f"\n{args.articles} articles of {phrases} phrases, fake Google at "
          f"{args.delay * 1000:.0f} ms per request, {cpus} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    embedded = results[0]
    print(f"{'mode':<30}{'articles/min':>14}{'Google req/s':>14}{'CPU s/article':>15}"
          f"{'vs 1 worker':>13}")
    print(f"{'embedded (serve, 2 threads)':<30}{embedded.per_minute:>14.1f}{embedded.rps:>14.1f}"
          f"{embedded.cpu_per_article:>15.2f}{'':>13}")
    for limited in (False, True):
        rows = [r for r in results[1:] if r.limited == limited]
        one = next(r for r in rows if r.workers == 1)
        title = f"global limit {args.rps:g} req/s" if limited else "no global limit"
        print(f"-- {title}")
        for r in rows:
            ratio = r.per_minute / one.per_minute
            target = {2: 1.8, 4: 3.2}.get(r.workers)
            mark = f" (target {target}x)" if target and not limited else ""
            print(f"{f'  {r.workers} worker(s)':<30}{r.per_minute:>14.1f}{r.rps:>14.1f}"
                  f"{r.cpu_per_article:>15.2f}{ratio:>12.2f}x{mark}")
    single = next(r for r in results[1:] if r.workers == 1 and not r.limited)
    print(f"embedded vs 1 scaled worker: {embedded.per_minute / single.per_minute:.2f}x")
    # What this machine's CPUs allow at most, whatever the number of workers: when the figures
    # above approach it, the workers share CPUs, not Google's latency, and separate machines
    # would scale further.
    per_article = max(r.cpu_per_article for r in results)
    print(f"CPU ceiling of this machine: {cpus * 60 / per_article:.1f} articles/min "
          f"({per_article:.2f} CPU s per article, all {cpus} CPUs free)")


if __name__ == "__main__":
    main()
