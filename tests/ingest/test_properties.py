"""Random and mangled HTML and text: only our declared errors may come out, and whatever
article comes out is tidy (NFC, no invisible characters, folded spaces, no end mark)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bantin_audio.errors import ExtractionError, InputError
from bantin_audio.ingest import extract_article
from bantin_audio.model import Article
from tests.ingest.conftest import FIXTURES

ALLOWED = (InputError, ExtractionError)
PROFILE = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])

FIXTURE_BYTES = [p.read_bytes() for p in sorted(FIXTURES.iterdir())
                 if p.suffix in (".txt", ".html")]
TAGS = ["<p>", "</p>", "<div>", "</div>", "<br>", "<table><tr><td>", "</td></tr></table>",
        "<figure><img src=x>", "<figcaption>", "</figcaption></figure>", "<h1>", "</h1>",
        "<script>", "</script>", "<style>", "<!--", "-->", "<a href='/'>", "</a>",
        "<p style='text-align: right'><strong>", "<div class='bantin-sapo'>", "<![CDATA[",
        "<meta charset='windows-1258'>", "<?xml version='1.0' encoding='utf-8'?>",
        "<span title='PublishingPortal - Block_BanTin_ViewData'>", "<li>", "</ul>", "&nbsp;",
        "&#0;", "&#xD800;", "\x00", "\u200b", "./.", "Tăng cỡ chữ", "25/10/2022", "\n"]
WORDS = ["Ngày", "18/11,", "UBND", "huyện", "tổ chức", "hội nghị.", "Khánh Linh",
         "(ảnh: Minh Hà)", "Xem thêm", "Các tin khác", "Cập nhật: 08/04/2023", "e\u0301",
         "đồng chí Nguyễn Văn A, Chủ tịch,", "trao 76 suất quà cho các hộ nghèo./."]


def check(article: Article) -> None:
    """Assert that an extracted article is tidy."""
    texts = [article.lead] if article.lead else []
    texts += article.paragraphs
    assert texts, "an article always has some body text"
    for t in texts + article.captions + [x for x in (article.title, article.author) if x]:
        assert t == unicodedata.normalize("NFC", t)
        assert t == t.strip() and "  " not in t and "\n" not in t
        assert "\u200b" not in t and "\ufeff" not in t and "\x00" not in t
    for t in texts:
        assert not t.endswith("./.")
    if article.date is not None:
        assert len(article.date) == 10 and article.date[4] == "-"


def run(data: bytes | str, **kwargs: str) -> None:
    """Extract; accept only our declared errors, and check any article that comes out."""
    try:
        article = extract_article(data, **kwargs)
    except ALLOWED:
        return
    check(article)


@PROFILE
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    run(data)


@PROFILE
@given(st.text(max_size=3000))
def test_random_text(text: str) -> None:
    run(text)


@PROFILE
@given(st.lists(st.one_of(st.sampled_from(TAGS), st.sampled_from(WORDS), st.text(max_size=30)),
                max_size=120))
def test_random_tag_soup(pieces: list[str]) -> None:
    html = "<html><body>" + " ".join(pieces)
    run(html)
    run(html.encode("utf-8"), content_type="text/html")


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """Draw a fixture with random cuts, deletions, insertions and flipped bytes."""
    data = bytearray(draw(st.sampled_from(FIXTURE_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["cut", "delete", "insert", "flip", "truncate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "cut":
            j = draw(st.integers(i, len(data)))
            data = data[:i] + data[j:]
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 40))]
        elif op == "insert":
            data[i:i] = draw(st.sampled_from(TAGS + WORDS)).encode("utf-8")
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        else:
            data = data[:i]
    return bytes(data)


@PROFILE
@given(mangled())
def test_mangled_fixtures(data: bytes) -> None:
    run(data)


@PROFILE
@given(mangled(), st.sampled_from(["cp1258", "utf-16", "latin-1", "utf-8"]))
def test_mangled_fixtures_in_other_encodings(data: bytes, encoding: str) -> None:
    text = data.decode("utf-8", errors="replace")
    run(text.encode(encoding, errors="replace"))
