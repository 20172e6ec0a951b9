"""Canonical addresses and the discovery readers, on documents written for these tests."""

from __future__ import annotations

import gzip

import pytest

from bantin_audio.errors import InputError
from bantin_audio.sources.canonical import canonical_url
from bantin_audio.sources.discover import DiscoveryError, read_feed, read_listing, read_sitemap

BASE = "https://yenhoa.example.gov.vn"


@pytest.mark.parametrize(("given", "expected"), [
    ("HTTPS://YenHoa.Example.GOV.VN:443/Pages/Tin-Tuc/Ra-Quan-771.aspx?ItemID=771&utm_source=zalo"
     "&zarsrc=30&Source=%2FPages%2Fdefault.aspx#binh-luan",
     f"{BASE}/pages/tin-tuc/ra-quan-771.aspx?itemid=771"),
    (f"{BASE}/pages/tin-tuc/ra-quan-771.aspx?itemid=771", f"{BASE}/pages/tin-tuc/ra-quan-771.aspx"
     "?itemid=771"),
    (f"{BASE}/Pages/default.aspx", f"{BASE}/"),
    (f"{BASE}/tin-tuc/bai-viet/?b=2&a=1&fbclid=x", f"{BASE}/tin-tuc/bai-viet?a=1&b=2"),
    (f"{BASE}//tin%2Dtuc/Bai-Viet", f"{BASE}/tin-tuc/Bai-Viet"),  # case kept off SharePoint
    ("/Pages/tin.aspx?PageView=Shared&IsDlg=1&ItemID=5", f"{BASE}/pages/tin.aspx?itemid=5"),
])
def test_canonical_url(given: str, expected: str) -> None:
    assert canonical_url(given, BASE + "/") == expected


def test_canonical_url_refuses_other_schemes() -> None:
    with pytest.raises(InputError):
        canonical_url("javascript:alert(1)")
    assert canonical_url("http://x.vn/a", prefer_https=True) == "https://x.vn/a"


def test_atom_feed_sorted_newest_first() -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Yên Hòa</title>
<entry><title>Cũ</title><link href="{BASE}/tin/1"/>
<updated>2026-03-01T08:00:00+07:00</updated></entry>
<entry><title>Mới</title><link href="/tin/2"/><updated>2026-03-02T08:00:00+07:00</updated></entry>
</feed>""".encode()
    found = read_feed(atom, BASE + "/atom.xml")
    assert [f.url for f in found] == [f"{BASE}/tin/2", f"{BASE}/tin/1"]
    assert found[0].lastmod == "2026-03-02T01:00:00+00:00"


def test_not_a_feed() -> None:
    with pytest.raises(DiscoveryError):
        read_feed("<html><body>Trang chủ</body></html>".encode(), BASE + "/rss")


def test_news_sitemap_index_and_gzip() -> None:
    index = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{BASE}/sitemap-1.xml</loc><lastmod>2026-01-01</lastmod></sitemap>
<sitemap><loc>{BASE}/sitemap-2.xml</loc><lastmod>2026-03-01</lastmod></sitemap>
</sitemapindex>""".encode()
    result = read_sitemap(gzip.compress(index), BASE + "/sitemap.xml.gz")
    assert result.children == [f"{BASE}/sitemap-2.xml", f"{BASE}/sitemap-1.xml"]
    news = f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{BASE}/tin/1</loc><news:news><news:publication_date>2026-03-01T07:00:00+07:00
</news:publication_date></news:news></url>
<url><loc>{BASE}/tin/2</loc><news:news><news:publication_date>2026-03-05T07:00:00+07:00
</news:publication_date></news:news></url></urlset>""".encode()
    found = read_sitemap(news, BASE + "/news.xml").found
    assert [f.url for f in found] == [f"{BASE}/tin/2", f"{BASE}/tin/1"]


def test_sitemap_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&b;</loc></url></urlset>"""
    try:
        result = read_sitemap(bomb, BASE + "/s.xml")
    except DiscoveryError:
        return
    assert all("aaaaaaaaaa" not in f.url for f in result.found)


def test_listing_keeps_article_links_and_skips_chrome() -> None:
    page = """<html><body><div class="pp-header"><ul class="menu">
<li><a href="/Pages/gioi-thieu-chung-ve-huyen.aspx">Giới thiệu chung về huyện Yên Hòa</a></li>
</ul></div><div class="pp-center"><div class="bantin-danhsach">
<a href="/Pages/tin-tuc/ra-quan-lam-duong-771.aspx">Yên Hòa ra quân làm đường giao thông</a>
<a href="/Pages/tin-tuc/ra-quan-lam-duong-771.aspx?Source=x">Yên Hòa ra quân (ảnh)</a>
<a href="https://other.example.vn/tin/1">Một trang của nơi khác có tiêu đề dài</a>
<a href="/Pages/tin-tuc/hoi-nghi.aspx?ItemID=780"><img alt=""></a>
</div><div class="phantrang"><a href="?p=2">Trang sau của danh sách tin</a></div></div>
</body></html>"""
    found = read_listing(page, BASE + "/Pages/tin-tuc.aspx", ["yenhoa.example.gov.vn"])
    assert [f.url for f in found] == [f"{BASE}/pages/tin-tuc/ra-quan-lam-duong-771.aspx",
                                      f"{BASE}/pages/tin-tuc/hoi-nghi.aspx?itemid=780"]
