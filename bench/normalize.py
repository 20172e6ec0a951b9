"""Benchmark the Vietnamese normalizer: dev-set accuracy, throughput, phrase splits.

Usage: .venv/bin/python bench/normalize.py [--shared /work/shared] [--failures]

Accuracy runs `bantin-audio normalize --jsonl` over the development cases and scores the
predictions with the project's reference comparator (vi_norm_compare.py), per focus.
Throughput is measured in-process against a plain NFC + str.split baseline on the same text.
Phrase splits count the cuts that the 100-character phrase cutter had to make at a space
(inside a clause) on the normalized seed article and corpus. Skips when /work/shared is absent.
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


def throughput(texts: list[str]) -> None:
    """Print KB/s for normalize_text and for a plain NFC + split baseline on the same text."""
    blob_bytes = sum(len(t.encode("utf-8")) for t in texts)

    def timed(func, min_seconds: float = 1.0) -> float:
        rounds, start = 0, time.perf_counter()
        while True:
            for t in texts:
                func(t)
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                return rounds * blob_bytes / 1024 / elapsed

    normalize_text("khởi động 1")  # load the lexicon outside the timing
    ours = timed(normalize_text)
    base = timed(lambda t: unicodedata.normalize("NFC", t).split())
    print(f"throughput: {ours:,.0f} KB/s normalize_text; baseline NFC+split {base:,.0f} KB/s; "
          f"ratio {ours / base:.4f} ({blob_bytes / 1024:.1f} KB of text per round)")


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
    parser.add_argument("--shared", type=Path, default=Path("/work/shared"))
    parser.add_argument("--failures", action="store_true", help="show failing cases")
    args = parser.parse_args()
    shared: Path = args.shared
    if not (shared / "specs" / "vi-norm-dev.jsonl").exists():
        print(f"skipped: {shared} has no specs/vi-norm-dev.jsonl")
        return 0
    accuracy(shared, args.failures)

    seed = shared / "seed" / "bach-thong-2-nam-nghi-quyet.json"
    corpus = sorted((shared / "corpus").glob("*.json"))
    seed_texts = article_texts(seed, with_title=True) if seed.exists() else []
    corpus_texts = [t for p in corpus for t in article_texts(p, with_title=False)]
    throughput(seed_texts + corpus_texts)

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
