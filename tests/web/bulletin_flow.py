"""Driving the bulletin admin pages through the Flask test client (shared by the tests)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from tests.web.test_admin import _csrf, _sign_in

SHORT = [
    "Xã Quang Thuận thu hoạch lúa mùa\n\nBà con đã thu hoạch xong ba trăm héc ta lúa.",
    "Tiêm chủng cho trẻ em\n\nTrạm y tế xã tiêm vắc xin vào sáng thứ Bảy.",
    "Ra quân vệ sinh môi trường\n\nCác thôn dọn vệ sinh đường làng vào Chủ nhật.",
]


class Editor:
    """A signed-in editor on the bulletin pages."""

    def __init__(self, client: FlaskClient, token: str, app: Flask) -> None:
        self.client = client
        self.store = app.extensions["bantin"].store
        _sign_in(client, token)
        self.csrf = _csrf(client, "/quan-tri/ban-tin")

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST a form with the CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def create(self, **fields: str) -> int:
        """Create a bulletin and return its id."""
        resp = self.post("/quan-tri/ban-tin/tao", {"date": "2022-10-25", **fields})
        assert resp.status_code == 303, resp.get_data(as_text=True)
        return int(re.search(r"/ban-tin/(\d+)$", resp.headers["Location"]).group(1))

    def page(self, bid: int) -> str:
        """Return the compose page."""
        resp = self.client.get(f"/quan-tri/ban-tin/{bid}")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    def add(self, bid: int, article_id: int) -> Any:
        """Add a stored article."""
        return self.post(f"/quan-tri/ban-tin/{bid}/them-bai", {"article_id": str(article_id)})

    def order(self, bid: int) -> list[int]:
        """Return the article ids in the bulletin's order."""
        return [i["article_id"] for i in self.store.bulletins.get(bid).data["items"]]


def articles(submit: Any, worker: Worker) -> list[int]:
    """Submit the three short articles, synthesize them, return their ids."""
    ids = [submit(text=t)["article"]["id"] for t in SHORT]
    worker.run_until_idle()
    return ids


def built_bulletin(editor: Editor, ids: list[int], worker: Worker, **settings: str) -> int:
    """Compose a bulletin of `ids`, build it and return its id (not approved yet)."""
    bid = editor.create()
    for article_id in ids:
        assert editor.add(bid, article_id).status_code == 303
    if settings:
        form = {"name": "Đài truyền thanh xã Quang Thuận", "date": "2022-10-25",
                "intro_template": "Đây là {station}. Bản tin ngày {date}.",
                "announcement_template": "Tin thứ {ordinal}: {title}",
                "outro": "Bản tin đến đây là kết thúc.", "read_author": "1",
                "pause_between": "1", "tempo": "1.0", **settings}
        assert editor.post(f"/quan-tri/ban-tin/{bid}/cai-dat", form).status_code == 303
    assert editor.post(f"/quan-tri/ban-tin/{bid}/dung").status_code == 303
    worker.run_until_idle()
    return bid
