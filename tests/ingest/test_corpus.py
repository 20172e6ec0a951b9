"""The real corpus in ../shared, read in place (skipped when this checkout has none)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from bantin_audio.ingest import load_article


def fold(text: str | None) -> str | None:
    """Fold like the evaluation script: NFC, spaces, the end mark './.' read as its period."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s*\./\.\s*$", ".", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def cases(shared: Path) -> list[tuple[Path, dict]]:
    """Return (page, labels) pairs of the labelled corpus."""
    corpus = shared / "corpus"
    out = []
    for label in sorted(corpus.glob("*.json")):
        out.append((label.with_suffix(".txt"), json.loads(label.read_text(encoding="utf-8"))))
    for label in sorted((corpus / "html").glob("*.expected.json")):
        page = label.parent / label.name.replace(".expected.json", ".html")
        out.append((page, json.loads(label.read_text(encoding="utf-8"))))
    return [c for c in out if c[0].exists()]


def test_seed_article_exactly_as_labelled(shared_dir: Path, settings) -> None:
    seed = shared_dir / "seed" / "bach-thong-2-nam-nghi-quyet.txt"
    label = json.loads(seed.with_suffix(".json").read_text(encoding="utf-8"))
    article = load_article(str(seed), settings)
    assert article.title == label["title"]
    assert article.date == label["date"]
    assert article.lead == fold(label["lead"])
    # The labels keep the end mark './.'; the cleaner removes it and keeps the sentence's period.
    assert article.paragraphs == [fold(p) for p in label["paragraphs"]]
    assert article.captions == label["captions"]
    assert article.author == label["author"]


def test_corpus_titles_bodies_and_no_leaks(shared_dir: Path, settings) -> None:
    found = cases(shared_dir)
    if not found:
        pytest.skip("no labelled corpus in ../shared/corpus")
    problems = []
    for path, label in found:
        article = load_article(str(path), settings)
        gold = [fold(label["lead"])] if label.get("lead") else []
        gold += [fold(p) for p in label.get("paragraphs", [])]
        got = [fold(article.lead)] if article.lead else []
        got += [fold(p) for p in article.paragraphs]
        if got != gold:
            problems.append(f"{path.name}: body differs")
        if fold(article.title) != fold(label.get("title")):
            problems.append(f"{path.name}: title {article.title!r}")
        if (fold(article.author) or "").casefold() != (fold(label.get("author")) or "").casefold():
            problems.append(f"{path.name}: author {article.author!r}")
        body = " \n ".join(got).casefold()
        chrome = label.get("boilerplate", []) + label.get("boilerplate_in_page", [])
        for bad in chrome + label.get("captions", []):
            b = fold(bad).casefold()
            if len(b) >= 4 and b in body:
                problems.append(f"{path.name}: leaked {bad!r}")
    assert problems == []
