"""The store on SQLAlchemy (embedded SQLite) against the sqlite3 store it replaced.

Same run, same machine, same workload, each on a fresh database file in a temporary directory:

  submit   store 200 articles of 20 segments each (one transaction each)
  work     claim each job, mark its 20 segments done with progress, publish a rendition,
           finish the job: the worker's path
  read     reader-page reads: article by address, page version, renditions, segments (x 600)
  lists    the home page's article list and the job list (x 200)

Baseline: the release's previous `store.py` (sqlite3, before SQLAlchemy), read from git history
and loaded beside the package, so both run the product's own statements. Target: every phase
within 1.3x of the baseline (wall time; CPU time printed beside it).
PostgreSQL is not measured here: it has no embedded baseline.

Usage: python bench/store.py [--articles 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bantin_audio.model import Article, Segment  # noqa: E402
from bantin_audio.store import RenditionRow, Store  # noqa: E402


def _baseline_class(tmp: Path) -> Any:
    """Load the sqlite3 store of the commit before the store moved to SQLAlchemy."""
    log = subprocess.run(["git", "log", "--format=%H", "-S", "import sqlite3", "--",
                          "src/bantin_audio/store.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    source = subprocess.run(["git", "show", f"{log[0]}^:src/bantin_audio/store.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = tmp / "baseline_store.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("bantin_audio._baseline_store", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return _legacy(module.Store), module.RenditionRow


def _legacy(store_class: Any) -> Any:
    """Return a factory giving the old store the repository attributes the workload calls."""
    def make(path: Path) -> Any:
        old = store_class(path)
        return SimpleNamespace(
            articles=SimpleNamespace(submit=old.submit, segments=old.segments,
                                     mark_segment=old.mark_segment,
                                     get_by_slug=old.get_article_by_slug,
                                     page_version=old.page_version, recent=old.list_articles),
            jobs=SimpleNamespace(claim=old.claim_job, finish=old.finish_job,
                                 recent=old.list_jobs),
            renditions=SimpleNamespace(put=old.put_rendition, for_article=old.renditions),
            close=old.close)
    return make


def _workload(store: Any, rendition: Any, articles: int) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}

    def phase(name: str, fn: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        out[name] = (time.perf_counter() - w0, time.process_time() - c0)
        return result

    def submit() -> list[Any]:
        made = []
        for n in range(articles):
            paras = [f"Đoạn {i} của bản tin số {n}: huyện họp bàn kế hoạch." for i in range(19)]
            article = Article(title=f"Tin số {n}", paragraphs=paras,
                              source_url=f"https://ubnd.example.vn/tin/{n}")
            segs = [Segment(0, "title", article.title or "", f"tin số {n}")] + [
                Segment(i + 1, "paragraph", p, p.lower()) for i, p in enumerate(paras)]
            made.append(store.articles.submit(article, segs))
        return made

    made = phase("submit", submit)

    def work() -> None:
        while (job := store.jobs.claim("bench")) is not None:
            for row in store.articles.segments(job.article_id):
                store.articles.mark_segment(job.article_id, row.segment.index,
                                            row.segment.spoken, status="done", engine="google",
                                            clip_hash="c", job_id=job.id)
            store.renditions.put(rendition(article_id=job.article_id, kind="mp3",
                                           path=f"{job.id}.mp3", bytes=1, duration_ms=1,
                                           content_hash="h", complete=True, segments_done=20))
            store.jobs.finish(job.id, "bench", status="done")

    phase("work", work)

    def read() -> None:
        for n in range(600):
            row = made[n % len(made)].article
            store.articles.get_by_slug(row.slug)
            store.articles.page_version(row.slug)
            store.renditions.for_article(row.id)
            store.articles.segments(row.id)

    phase("read", read)

    def lists() -> None:
        for _ in range(200):
            store.articles.recent(limit=20)
            store.jobs.recent(limit=20)

    phase("lists", lists)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        old_store, old_rendition = _baseline_class(tmp)
        best: dict[str, dict[str, tuple[float, float]]] = {"sqlite3": {}, "sqlalchemy": {}}
        for r in range(args.repeat):
            for name, cls, rend in (("sqlite3", old_store, old_rendition),
                                    ("sqlalchemy", Store, RenditionRow)):
                store = cls(tmp / f"{name}-{r}.sqlite3")
                for phase, value in _workload(store, rend, args.articles).items():
                    if phase not in best[name] or value[0] < best[name][phase][0]:
                        best[name][phase] = value
                store.close()
        print(f"{'phase':8} {'sqlite3 s':>10} {'sqlalchemy s':>13} {'ratio':>6} "
              f"{'cpu ratio':>9}")
        for phase in best["sqlite3"]:
            (bw, bc), (nw, nc) = best["sqlite3"][phase], best["sqlalchemy"][phase]
            print(f"{phase:8} {bw:10.3f} {nw:13.3f} {nw / bw:6.2f} {nc / max(bc, 1e-9):9.2f}")


if __name__ == "__main__":
    main()
