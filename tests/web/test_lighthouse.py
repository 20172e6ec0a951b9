"""Lighthouse's accessibility audit of the public pages: the reader page of a finished article,
the home page, the playlist and the podcast page must each score 100.

Lighthouse comes from npm (package.json and package-lock.json at the top of the repository;
`npm ci` installs it into node_modules, as .ci/run does) and drives Debian's Chromium. Without
node or Lighthouse the test skips, except when the CI variable is set: then it fails.

Reuses the live server of test_browser (started once more for this module)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.web import test_browser
from tests.web.test_browser import CHROMIUM, Live, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
article = test_browser.article

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it (npm ci)")
    pytest.skip(f"{what} is not installed (npm ci at the top of the repository)")


def _audit(url: str) -> dict[str, Any]:
    """Run Lighthouse's accessibility category on `url`; return its JSON report."""
    if shutil.which("node") is None:
        _missing("node")
    if not LIGHTHOUSE.exists():
        _missing("Lighthouse")
    with tempfile.TemporaryDirectory(prefix="bantin-lh-") as tmp:
        out = Path(tmp) / "report.json"
        env = dict(os.environ, CHROME_PATH=CHROMIUM, HOME=tmp)
        done = subprocess.run(
            [str(LIGHTHOUSE), url, "--only-categories=accessibility", "--output=json",
             f"--output-path={out}", "--quiet", "--max-wait-for-load=30000",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
             f"--user-data-dir={tmp}/profile"],
            env=env, capture_output=True, text=True, timeout=240, check=False)
        assert done.returncode == 0 and out.exists(), done.stderr[-3000:]
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def _failing(report: dict[str, Any]) -> list[str]:
    """The audits of the accessibility category that did not pass, with what they flagged."""
    bad = []
    for ref in report["categories"]["accessibility"]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            items = (audit.get("details") or {}).get("items") or []
            where = [(i.get("node") or {}).get("snippet", "") for i in items][:5]
            bad.append(f"{ref['id']}: {audit['title']} {where}")
    return bad


def _assert_perfect(url: str) -> None:
    report = _audit(url)
    assert report.get("runtimeError") is None, report["runtimeError"]
    assert report["finalDisplayedUrl"].split("#")[0] == url.split("#")[0]
    score = report["categories"]["accessibility"]["score"]
    assert score == 1.0, (score, _failing(report))


def test_reader_page_scores_100(live: Live, article: dict[str, Any]) -> None:
    _assert_perfect(_reader(live, article))


@pytest.mark.parametrize("path", ["/", "/nghe-lien", "/podcast"])
def test_listing_pages_score_100(live: Live, article: dict[str, Any], path: str) -> None:
    _assert_perfect(live.base + path)
