"""The reader page's weight budget, measured as it is served (gzip)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from bantin_audio.jobs import Worker

BUDGET_TOTAL = 20 * 1024
BUDGET_JS = 15 * 1024
PARAGRAPH = ("Từ đầu nhiệm kỳ đến nay, cấp ủy, chính quyền các cấp trên địa bàn huyện đã tập trung "
             "lãnh đạo, chỉ đạo, triển khai nhiều biện pháp đồng bộ, hiệu quả nhằm đẩy nhanh tiến "
             "độ, hướng tới mục tiêu hoàn thành và hoàn thành vượt mức các chỉ tiêu đề ra.")
LONG = "Huyện Bạch Thông sau hai năm thực hiện nghị quyết\n\n" + "\n\n".join(
    f"{n}. {PARAGRAPH}" for n in range(1, 13))


def _gz(client: FlaskClient, url: str) -> int:
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200, url
    return len(resp.data)


def test_reader_page_weight(client: FlaskClient, submit: Any, worker: Worker) -> None:
    body = submit(text=LONG)
    worker.run_until_idle()
    page = client.get(f"/bai/{body['article']['slug']}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = client.get(f"/bai/{body['article']['slug']}").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    scripts = [a for a in assets if ".js" in a]
    styles = [a for a in assets if ".css" in a]
    assert scripts and styles
    js = sum(_gz(client, a) for a in scripts)
    total = len(page.data) + js + sum(_gz(client, a) for a in styles)
    print(f"reader page: html {len(page.data)} B, js {js} B, total {total} B (gzip)")
    assert js <= BUDGET_JS and total <= BUDGET_TOTAL


def test_no_third_party_references(client: FlaskClient, submit: Any, worker: Worker) -> None:
    body = submit()
    worker.run_until_idle()
    html = client.get(f"/bai/{body['article']['slug']}").get_data(as_text=True)
    # Only links may point elsewhere (the source article); nothing the browser loads by itself.
    loaded = re.findall(r'<(?:script|link|img|source|audio|track|iframe)[^>]*?(?:src|href)="'
                        r'([^"]+)"', html)
    assert loaded and all(u.startswith("/") for u in loaded), loaded
    for asset in ("/static/site.css", "/static/site.js"):
        text = client.get(asset).get_data(as_text=True)
        assert "http://" not in text and "https://" not in text and "@import" not in text
        assert "@font-face" not in text
