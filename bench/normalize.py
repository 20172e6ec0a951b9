"""Benchmark the Vietnamese normalizer: dev-set accuracy, throughput, phrase splits.

Usage: .venv/bin/python bench/normalize.py [--shared ../shared] [--failures] [--seconds 1]

The shared folder defaults to `shared/` beside the project checkout (../shared from the
project root); pass --shared to point elsewhere.

Accuracy runs `bantin-audio normalize --jsonl` over the development cases and scores the
predictions with the project's reference comparator (vi_norm_compare.py), per focus.
Throughput is measured in-process on the same text (seed article and corpus) for
  * normalize_text, the product's path;
  * sea-g2p's Normalizer (Rust core), the best existing Vietnamese normalizer, the library a
    user would otherwise pick -- also scored on the development cases;
  * a plain NFC + str.split floor (the least work any normalizer does);
and printed with the ratios. The target is at least 200 KB/s for normalize_text.

sea-g2p is a benchmark-only library, not a dependency of the product. Install it into the
environment the benchmark runs in: `.venv/bin/pip install sea-g2p`. Without it the sea-g2p
lines say so and the floor comparison still runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
TARGET_KBPS = 200
sys.path.insert(0, str(ROOT / "src"))

from bantin_audio.speech.normalize import normalize_text, normalize_texts  # noqa: E402


def load_comparator(shared: Path) -> ModuleType:
    """Import the reference comparator from the shared tools folder."""
    path = shared / "tools" / "vi_norm_compare.py"
    spec = importlib.util.spec_from_file_location("vi_norm_compare", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(cases: list[dict]) -> dict[str, str]:
    """Run `bantin-audio normalize --jsonl` over the cases; return id -> output."""
    exe = Path(sys.executable).with_name("bantin-audio")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bantin_audio.cli"]
    payload = "".join(json.dumps({"id": c["id"], "input": c["input"]}, ensure_ascii=False) + "\n"
                      for c in cases)
    with tempfile.TemporaryDirectory() as data_dir:
        # An empty data dir: the builtin lexicon only, so the score does not depend on edits.
        env = {**os.environ, "BANTIN_DATA_DIR": data_dir}
        proc = subprocess.run([*cmd, "normalize", "--jsonl"], input=payload, capture_output=True,
                              text=True, encoding="utf-8", env=env, check=True)
    out = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            item = json.loads(line)
            out[item["id"]] = item["output"]
    return out


def accuracy(shared: Path, show_failures: bool) -> float:
    """Print per-focus accuracy on the development set; return the overall fraction."""
    comparator = load_comparator(shared)
    cases = [json.loads(line) for line in
             (shared / "specs" / "vi-norm-dev.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    preds = run_cli(cases)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for case in cases:
        ok = comparator.matches(preds.get(case["id"], ""), case["accept"])
        per[case["focus"]][0] += ok
        per[case["focus"]][1] += 1
        if not ok:
            failures.append((case, preds.get(case["id"], "")))
    print("focus       passed / total")
    for focus in sorted(per):
        p, t = per[focus]
        print(f"{focus:<10} {p:>6} / {t:<4} {100 * p / t:6.1f}%")
    passed = sum(p for p, _ in per.values())
    total = sum(t for _, t in per.values())
    print(f"{'overall':<10} {passed:>6} / {total:<4} {100 * passed / total:6.1f}%  "
          "(command: bantin-audio normalize --jsonl | vi_norm_compare.matches)")
    if show_failures:
        for case, out in failures:
            print(f"\n{case['id']} [{case['focus']}]\n  in : {case['input']}\n  out: {out}"
                  f"\n  exp: {case['accept'][0]}")
    return passed / total


def article_texts(path: Path, with_title: bool) -> list[str]:
    """Return the readable texts of one article JSON (title when asked, lead, paragraphs)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    texts = [data.get("title") or ""] if with_title else []
    texts += [data.get("lead") or ""] + list(data.get("paragraphs") or [])
    return [t for t in texts if t]


def _sea_g2p():
    """Return sea-g2p's Vietnamese normalize function, or None when it is not installed."""
    try:
        from sea_g2p import Normalizer  # type: ignore[import-not-found]
    except ImportError:
        return None
    normalizer = Normalizer(lang="vi")
    return normalizer.normalize


def timed_kbps(func, texts: list[str], min_seconds: float) -> tuple[float, float]:
    """Return (KB per CPU second, KB per wall second) of func over the texts.

    CPU time of this process is the primary figure: the machine may be shared, and other
    processes' load changes wall-clock rates but not the work done here.
    """
    blob_bytes = sum(len(t.encode("utf-8")) for t in texts)
    for t in texts[:3]:
        func(t)  # warm-up: dictionaries and caches load outside the timing
    rounds = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while True:
        for t in texts:
            func(t)
        rounds += 1
        cpu = time.process_time() - cpu0
        if cpu >= min_seconds:
            kb = rounds * blob_bytes / 1024
            return kb / cpu, kb / (time.perf_counter() - wall0)


def throughput(texts: list[str], min_seconds: float) -> float:
    """Print KB/s of normalize_text, sea-g2p and the NFC+split floor on the same text."""
    blob_kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    ours, ours_wall = timed_kbps(normalize_text, texts, min_seconds)
    floor, floor_wall = timed_kbps(lambda t: unicodedata.normalize("NFC", t).split(), texts,
                                   min_seconds)
    print(f"throughput on {blob_kb:.1f} KB of text ({len(texts)} paragraphs, one call each), "
          "KB per CPU second (wall clock in brackets):")
    verdict = "meets" if ours >= TARGET_KBPS else "BELOW"
    print(f"  normalize_text        {ours:>10,.0f} KB/s ({ours_wall:,.0f})  "
          f"{verdict} the {TARGET_KBPS} KB/s target")
    sea = _sea_g2p()
    if sea is None:
        print("  sea-g2p               not installed (pip install sea-g2p); comparison skipped")
    else:
        theirs, theirs_wall = timed_kbps(sea, texts, min_seconds)
        print(f"  sea-g2p Normalizer    {theirs:>10,.0f} KB/s ({theirs_wall:,.0f})  "
              f"ratio normalize_text / sea-g2p = {ours / theirs:.2f}")
    print(f"  NFC + split floor     {floor:>10,.0f} KB/s ({floor_wall:,.0f})  "
          f"ratio normalize_text / floor = {ours / floor:.4f}")
    return ours


def sea_accuracy(shared: Path) -> None:
    """Print how many development cases sea-g2p's output passes (same comparator)."""
    sea = _sea_g2p()
    if sea is None:
        return
    comparator = load_comparator(shared)
    cases = [json.loads(line) for line in
             (shared / "specs" / "vi-norm-dev.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    passed = sum(comparator.matches(sea(c["input"]), c["accept"]) for c in cases)
    print(f"{'sea-g2p':<10} {passed:>6} / {len(cases):<4} {100 * passed / len(cases):6.1f}%  "
          "(same cases and comparator, for reference)")


def _local_split_phrases(text: str, limit: int = 100) -> list[str]:
    """Cut like speech/chunks.py: sentence end, then ; :, then comma, then a space."""
    text = re.sub(r"\s+", " ", text).strip()
    out = []
    while len(text) > limit:
        window = text[:limit + 1]
        pos = -1
        for pattern in (r"[.!?…](?= )", r"[;:](?= )", r",(?= )", r" "):
            hits = [m.end() for m in re.finditer(pattern, window)]
            if hits:
                pos = hits[-1]
                break
        if pos <= 0:
            pos = limit
        out.append(text[:pos].strip())
        text = text[pos:].strip()
    if text:
        out.append(text)
    return out


def _splitter():
    try:
        from bantin_audio.speech.chunks import split_phrases
        return split_phrases, "speech.chunks.split_phrases"
    except ImportError:
        return _local_split_phrases, "local fallback splitter"


def inside_clause_splits(texts: list[str]) -> tuple[int, int]:
    """Return (cuts at a plain space, phrases) over the texts."""
    split, _ = _splitter()
    cuts = phrases = 0
    for text in texts:
        parts = split(text, 100)
        phrases += len(parts)
        cuts += sum(1 for p in parts[:-1] if not re.search(r"[.!?…;:,\"'”’)\]]$", p))
    return cuts, phrases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"shared folder (default: {DEFAULT_SHARED})")
    parser.add_argument("--failures", action="store_true", help="show failing cases")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="minimum CPU seconds per throughput measurement")
    args = parser.parse_args()
    shared: Path = args.shared.resolve()
    if not (shared / "specs" / "vi-norm-dev.jsonl").exists():
        print(f"skipped: {shared} has no specs/vi-norm-dev.jsonl "
              "(check out the shared folder beside the project or pass --shared)")
        return 0
    accuracy(shared, args.failures)
    sea_accuracy(shared)

    seed = shared / "seed" / "bach-thong-2-nam-nghi-quyet.json"
    corpus = sorted((shared / "corpus").glob("*.json"))
    seed_texts = article_texts(seed, with_title=True) if seed.exists() else []
    corpus_texts = [t for p in corpus for t in article_texts(p, with_title=False)]
    throughput(seed_texts + corpus_texts, args.seconds)

    _, how = _splitter()
    seed_norm = normalize_texts(seed_texts)
    corpus_norm = [t for p in corpus for t in normalize_texts(article_texts(p, False))]
    for name, texts in (("seed article", seed_norm), ("corpus", corpus_norm)):
        cuts, phrases = inside_clause_splits(texts)
        print(f"phrase splits inside a clause ({how}, 100 chars), {name}: "
              f"{cuts} of {phrases} phrases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
