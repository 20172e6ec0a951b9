"""Pages of other CMSs: scoring, metadata from og:*, article:published_time, JSON-LD, <time>."""

from __future__ import annotations

import pytest

from bantin_audio.errors import ExtractionError
from bantin_audio.ingest import extract_article
from tests.ingest.conftest import FIXTURES

BODY = ("<p>Chiều 5/10, Trung tâm Y tế huyện Mường La tổ chức tiêm chủng mở rộng cho 1.200 trẻ "
        "em dưới 5 tuổi tại 16 xã, thị trấn trên địa bàn.</p>"
        "<p>Theo kế hoạch, đợt tiêm kéo dài đến hết tháng 10, mỗi trạm y tế bố trí 2 bàn tiêm, "
        "bảo đảm an toàn, đúng quy trình.</p>")


def page(head: str = "", body: str = BODY, before: str = "") -> str:
    """Return a small news page with chrome around the given body."""
    return (f"<html><head>{head}</head><body><nav><a href='/'>Trang chủ</a></nav>{before}"
            f"<div class='content'>{body}</div><footer>© 2024 Báo Sơn La</footer></body></html>")


def test_other_cms_page_reads_metadata() -> None:
    article = extract_article((FIXTURES / "other_cms.html").read_bytes(),
                              url="https://baobiencuong.example/a/1")
    assert article.title == "Quảng Hòa: Mở lớp dạy nghề đan lát cho phụ nữ vùng cao"
    assert article.date == "2023-06-02"
    assert article.author == "Hồng Nhung"
    assert article.source_url == "https://baobiencuong.example/a/1"
    assert not any("Tin liên quan" in p or "bình luận" in p for p in article.paragraphs)


def test_og_title_and_published_time() -> None:
    head = ('<meta property="og:title" content="Mường La tiêm chủng mở rộng cho trẻ em">'
            '<meta property="article:published_time" content="2024-10-05T16:00:00+07:00">')
    article = extract_article(page(head))
    assert article.title == "Mường La tiêm chủng mở rộng cho trẻ em"
    assert article.date == "2024-10-05"
    assert article.lead.startswith("Chiều 5/10")


def test_json_ld_graph_and_broken_json_ld() -> None:
    head = ('<script type="application/ld+json">{broken</script>'
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, '
            '{"@type": "NewsArticle", "headline": "Tiêm chủng ở Mường La", '
            '"datePublished": "2024-10-06", "author": [{"name": "Lò Văn Sáng"}]}]}</script>')
    article = extract_article(page(head))
    assert (article.title, article.date, article.author) == (
        "Tiêm chủng ở Mường La", "2024-10-06", "Lò Văn Sáng")


def test_time_element_and_title_tag_fallback() -> None:
    head = "<title>Mường La tiêm chủng cho trẻ | Báo Sơn La</title>"
    before = '<time datetime="2024-10-07T08:00">7/10/2024</time>'
    article = extract_article(page(head, before=before))
    assert article.title == "Mường La tiêm chủng cho trẻ"
    assert article.date == "2024-10-07"


def test_page_without_article_is_an_extraction_error() -> None:
    html = ("<html><body><ul>" + "".join(f"<li><a href='/{i}'>Tin số {i}</a></li>"
                                          for i in range(30)) + "</ul></body></html>")
    with pytest.raises(ExtractionError):
        extract_article(html)


def test_xml_declaration_and_broken_markup() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>' + page().replace("</p>", "", 1)[:-7]
    article = extract_article(html)
    assert "tiêm chủng mở rộng" in (article.lead or "")


def test_br_separated_runs_become_paragraphs() -> None:
    body = ("<div>Sáng 9/9, huyện Mộc Châu khai mạc hội chợ nông sản với 120 gian hàng, "
            "thu hút đông đảo người dân.<br><br>Hội chợ kéo dài đến ngày 12/9, giới thiệu "
            "các sản phẩm OCOP của 8 huyện trong tỉnh.<br/>Ban tổ chức dự kiến đón 30.000 "
            "lượt khách.</div>")
    article = extract_article(page(body=body))
    assert article.lead.startswith("Sáng 9/9")
    assert len(article.paragraphs) == 2


def test_plain_text_content_type_is_not_parsed_as_html() -> None:
    text = ("Tiêu đề bài viết về <b>thẻ</b> HTML trong văn bản\n"
            "Đoạn một có đủ chữ để thành đoạn văn.")
    article = extract_article(text.encode(), content_type="text/plain; charset=utf-8")
    assert "<b>" in article.title


def test_right_aligned_date_is_a_stamp_not_a_byline() -> None:
    body = BODY + '<p style="text-align:right">Ngày 12/01/2024</p>'
    article = extract_article(page(body=body))
    assert (article.author, article.date) == (None, "2024-01-12")


def test_layout_table_with_an_image_is_not_a_caption() -> None:
    long_p = ("<p>Năm 2024, xã số {} phấn đấu 98% trẻ em dưới 1 tuổi được tiêm đủ các loại "
              "vắc xin, trong đó có vắc xin phòng bệnh sởi, bạch hầu, ho gà, uốn ván.</p>")
    body = (BODY + "<table><tr><td><img src='a.jpg'></td><td>"
            + "".join(long_p.format(i) for i in range(5))
            + "</td></tr><tr><td>Ảnh minh họa cho bài viết</td></tr></table>")
    article = extract_article(page(body=body))
    assert len(article.paragraphs) == 6
    assert article.captions == ["Ảnh minh họa cho bài viết"]


def test_furniture_classes_are_skipped_but_wrappers_are_not() -> None:
    sidebar = ('<div class="sidebar"><p>Thông báo tuyển dụng viên chức năm 2024 của Ủy ban nhân '
               'dân huyện, hạn nộp hồ sơ đến hết ngày 30/6, chi tiết xem tại bộ phận một cửa.</p>'
               '</div>')
    html = (f'<html><body><div class="container has-sidebar">{sidebar}'
            f'<div class="content">{BODY}</div></div></body></html>')
    article = extract_article(html)
    assert article.lead.startswith("Chiều 5/10")
    assert not any("tuyển dụng" in p for p in article.paragraphs)


def test_sapo_printed_again_as_first_paragraph_is_read_once() -> None:
    sapo = BODY.split("</p>")[0].replace("<p>", "")
    body = f'<p class="sapo">{sapo}</p>' + BODY
    article = extract_article(page(body=body))
    assert article.lead == sapo
    assert article.paragraphs == [BODY.split("</p>")[1].replace("<p>", "")]


def test_fragment_without_any_title_is_named_by_its_opening_words() -> None:
    html = ("<p>Chiều 3/4, xã Tân Lập ra mắt mô hình dân vận khéo với 40 hội viên nông dân.</p>"
            "<p>Mô hình giúp các hộ liên kết tiêu thụ 120 tấn rau an toàn mỗi năm.</p>")
    article = extract_article(html, content_type="text/html")
    assert article.title == "Chiều 3/4, xã Tân Lập ra mắt mô hình dân vận khéo…"
    assert article.lead.startswith("Chiều 3/4")
    assert len(article.paragraphs) == 1


def test_hidden_elements_are_not_read_but_their_tail_is() -> None:
    body = ('<p>Chiều 5/10, Trung tâm Y tế huyện <span style="display: none">ẨN MỘT</span>'
            'Mường La tổ chức tiêm chủng <b hidden>ẨN HAI</b>cho 1.200 trẻ em dưới 5 tuổi, tại '
            '16 xã.</p><div class="ms-hide"><p>ẨN BA: đoạn văn dài có dấu phẩy, có dấu chấm.</p>'
            '</div><p aria-hidden="true">ẨN BỐN, một đoạn văn bị ẩn khỏi người đọc.</p>')
    article = extract_article(page(body=body))
    assert article.lead == ("Chiều 5/10, Trung tâm Y tế huyện Mường La tổ chức tiêm chủng "
                            "cho 1.200 trẻ em dưới 5 tuổi, tại 16 xã.")
    assert article.paragraphs == []


def test_json_ld_in_a_left_out_footer_is_still_read() -> None:
    # The footer is left out of the tree while the page is parsed; its JSON-LD is not.
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", '
          '"datePublished": "2024-10-08", "author": {"name": "Quàng Thị Hoa"}}</script>')
    html = page().replace("© 2024 Báo Sơn La", "© 2024 Báo Sơn La" + ld)
    article = extract_article(html)
    assert (article.date, article.author) == ("2024-10-08", "Quàng Thị Hoa")
    assert not any("2024" in p and "©" in p for p in article.paragraphs)


def test_scripts_styles_and_comments_are_not_read_but_the_text_after_them_is() -> None:
    body = ("<p>Chiều 5/10, Trung tâm Y tế huyện <script>var bai = 'Mường Tè';</script>"
            "Mường La<style>p { color: red }</style> tổ chức <!-- ghi chú --> tiêm chủng mở "
            "rộng cho 1.200 trẻ em dưới 5 tuổi tại 16 xã, thị trấn trên địa bàn.</p>" + BODY)
    article = extract_article(page(body=body))
    assert article.lead == ("Chiều 5/10, Trung tâm Y tế huyện Mường La tổ chức tiêm chủng mở "
                            "rộng cho 1.200 trẻ em dưới 5 tuổi tại 16 xã, thị trấn trên địa bàn.")
    text = " ".join([article.lead or "", *article.paragraphs])
    assert "Mường Tè" not in text and "color" not in text and "ghi chú" not in text


def test_bare_text_served_as_html_is_read() -> None:
    notice = "Họp dân thôn Bản Mòng lúc 8 giờ sáng thứ Hai tại nhà văn hóa thôn."
    article = extract_article(notice, content_type="text/html")
    assert article.lead == notice


def test_inline_wrappers_and_whitespace_between_list_items() -> None:
    # Attribute-less inline wrappers are not built as nodes and whitespace between list items
    # is not kept: words stay apart, items stay separate lines, links still count as links.
    body = ("<p>Chiều 5/10, Trung tâm <span>Y tế</span> huyện <font>Mường</font> <nobr>La</nobr>"
            " tổ chức tiêm chủng mở rộng cho 1.200 trẻ em dưới 5 tuổi tại 16 xã, thị trấn.</p>"
            + BODY + "<ul>\n  <li><a href='/a'><span>Tin khác: chợ phiên Mường La</span></a></li>"
            "\n  <li><a href='/b'><span>Tin khác: mùa mận hậu</span></a></li>\n</ul>")
    article = extract_article(page(body=body))
    assert article.lead == ("Chiều 5/10, Trung tâm Y tế huyện Mường La tổ chức tiêm chủng mở "
                            "rộng cho 1.200 trẻ em dưới 5 tuổi tại 16 xã, thị trấn.")
    assert not any("Tin khác" in p for p in article.paragraphs)
    assert len(article.paragraphs) == 2
