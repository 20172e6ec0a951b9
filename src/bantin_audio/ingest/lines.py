"""The line classifier shared by the HTML and text paths: which line is the title, the date
stamp, the lead, a body paragraph, a caption, the byline, or portal chrome.

Text dumps of portal pages have lost their markup, so every decision here rests on the line
alone and on its neighbours. HTML extractors feed the same classifier with structural hints
(`Line.hint`) where the markup says more than the words.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .dates import find_date
from .text import (
    clean_line,
    ends_sentence,
    has_end_mark,
    is_upper_text,
    last_char,
    strip_end_mark,
    strip_invisible,
    word_count,
)

log = logging.getLogger(__name__)

# Hints an HTML extractor may set on a line.
HINTS = ("title", "lead", "paragraph", "caption", "byline", "meta", "chrome", "related")

# Chrome that is recognisable anywhere in a short line.
_STRONG_CHROME = re.compile(
    r"publishingportal|\bblock_\w+|tăng cỡ chữ|giảm cỡ chữ|xem cỡ chữ|cỡ chữ\s*[:+\-]|"
    r"in bài viết|gửi email|gửi e-mail|lượt xem|lượt truy cập|lượt đọc|lượt nghe|"
    r"đang truy cập|loading\.\.\.|đang tải\.\.\.|©|copyright|cơ quan chủ quản|ghi rõ nguồn|"
    r"chịu trách nhiệm (chính|nội dung)|giấy phép (số|thiết lập)|^\s*kích (thước|cỡ) chữ|"
    r"(trưởng|phó trưởng) ban biên tập|^\W*ban biên tập\s*:|tổng biên tập\s*:|"
    r"(thiết kế|phát triển|xây dựng|vận hành) bởi|designed by|developed by|all rights reserved",
    re.I,
)
# Widgets around an article: comment forms (character counters, length warnings, the send
# button), rating and social bars, view counters, and the English strings of mobile themes.
_WIDGET = re.compile(
    r"^\W*còn lại:?\s*\d+\s*(ký tự|kí tự|chữ)|"
    r"\b(tối thiểu|ít nhất|tối đa|không quá|vượt quá|quá)\s*\d+\s*(ký tự|kí tự|từ)\b|"
    r"\b(ký tự|kí tự)\s*(còn lại|tối thiểu|tối đa)|"
    r"^\W*(gửi|viết|để lại|xem|ẩn) (bình luận|ý kiến|phản hồi)|bình luận của bạn|"
    r"(vui lòng|bạn (chưa|cần|phải|hãy)) (nhập|gõ|điền|chọn)|^\W*mã (xác nhận|bảo mật|xác thực)|"
    r"^\W*(họ (và )?tên|email|e-mail|số điện thoại|nội dung)\s*(\(\*\)|\*)|"
    r"^\W*(đánh giá|bình chọn|chấm điểm)\s*(bài viết|tin|nội dung|bài)?\s*[:(]?\s*$|"
    r"^\W*(rất hay|hay|bình thường|không hay|dở|hữu ích|không hữu ích)"
    r"(\s*[|/•·]?\s*(rất hay|hay|bình thường|không hay|dở|hữu ích|không hữu ích|\d+))+\W*$|"
    r"\(\s*\d+\s*(lượt )?(đánh giá|bình chọn|bình luận|phiếu)\s*\)|"
    r"^\W*(số )?(lượt|lần) (xem|đọc|nghe|truy cập|chia sẻ|thích)\b|\b\d[\d.,]*\s*(lượt|lần) "
    r"(xem|đọc|nghe|chia sẻ|thích|bình luận)\b|^\W*đã xem\s*:?\s*\d|"
    r"^\W*\d[\d.,]*\s*(views?|likes?|shares?|comments?)\W*$|"
    r"^\W*(views?|likes?|shares?|comments?)\s*:?\s*\d[\d.,]*\W*$|"
    r"^\W*(switch to|go to|view) (the )?(desktop|mobile|full|classic)\b|"
    r"\b(desktop|mobile) (site|version|view|theme)\b|^\W*back to top\b|^\W*powered by\b|"
    r"^\W*(leave a|post a|add a|post|submit) (comment|reply)\b|"
    r"your email address will not be published|required fields are marked|"
    r"^\W*(read more|share this|share on|related posts?|previous post|next post|"
    r"skip to (main )?content|toggle navigation|search for:|log ?in|sign ?in|sign up|"
    r"subscribe|follow us|copy link|sao chép liên kết|comments? (are )?closed)\b",
    re.I,
)
# Chrome recognisable at the start of a very short line (menus, toolbars, widget titles).
_WEAK_CHROME = re.compile(
    r"^(in bài|in trang|bản in|gửi bài|e-?mail|chia sẻ|share|quay lại|trở về|trở lại|"
    r"về đầu trang|lên đầu trang|đầu trang|trang chủ|trang đầu|cổng thông tin|"
    r"trang thông tin|bản quyền|điện thoại|fax|địa chỉ|facebook|zalo|twitter|tweet|"
    r"thích|like|liên kết|chuyên mục|danh mục|tìm kiếm|đăng nhập|đăng ký|bản đồ|thăm dò|"
    r"thống kê|thư viện|video|văn bản|lịch công tác|rss|print|menu|skip|tin tức|tin ảnh|"
    r"từ khóa|tags?\b|nghe (bài|đọc)|đọc bài|bấm để nghe|audio|font|lượt|truy cập|"
    r"hôm nay|trực tuyến|online|liên hệ|giới thiệu|hỏi đáp|sơ đồ|góp ý|đánh giá|"
    r"phản hồi|tiện ích|dịch vụ công|thủ tục hành chính|cổng dịch vụ|mạng xã hội|top\b|"
    r"về trang|bình chọn|gửi cho bạn|gửi phản hồi|xem bản đồ|lượt thích)",
    re.I,
)
# Headings that end the article: what follows them is not the article.
_RELATED = re.compile(
    r"^\W*(các |những )?(tin|bài|bài viết|tin bài)( \w+)? ?(khác|liên quan|cùng chuyên mục|"
    r"cùng loại|đã đưa|mới hơn|cũ hơn|mới nhất|xem nhiều|nổi bật|cùng danh mục|cùng chủ đề|"
    r"tiêu điểm|đọc nhiều)\b|"
    r"^\W*(xem thêm|đọc thêm|xem tiếp|ý kiến bạn đọc|bình luận|gửi ý kiến|gửi bình luận|"
    r"ý kiến của bạn|viết bình luận|tin liên quan)\W*$",
    re.I,
)
_TAGS_LINE = re.compile(r"^\W*(từ khóa|từ khoá|tags?|chủ đề)\s*:", re.I)
_SEPARATOR = re.compile(r"^[\W_]*$")
_COUNTER = re.compile(r"^[\W_\d]*$")
_DOMAIN = re.compile(r"^(https?://)?(www\.)?[\w-]+(\.[\w-]+)*\.(vn|com|net|org|gov|edu|info)"
                     r"(/\S*)?$", re.I)

# Pieces of a date stamp line, removed one by one: what is left must be nothing.
_STAMP_PARTS = [
    re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}(?!\d)"),
    re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(t[\d:.+\-z]*)?", re.I),
    re.compile(r"(?<!\d)\d{1,2}\s*[:h]\s*\d{1,2}(\s*:\s*\d{1,2})?(\s*(am|pm|sa|ch)\b)?", re.I),
    re.compile(r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s*(năm|,)\s*\d{4}", re.I),
    re.compile(r"\b(thứ\s*(hai|ba|tư|năm|sáu|sau|bảy|bẩy|[2-7])|chủ\s*nhật|cn|t[2-7])\b", re.I),
    re.compile(r"\bgmt\s*[+\-]?\s*\d*", re.I),
    re.compile(
        r"\b(ngày|lúc|vào|đăng|đăng tải|bài|tin|cập nhật|xuất bản|ban hành|sửa đổi|"
        r"chỉnh sửa|thời gian|posted|published|updated|on|at|date|ngày giờ|giờ|lượt xem|"
        r"lượt đọc|lượt truy cập|views?|in|người đăng)\b",
        re.I,
    ),
]
_AUTHOR_FIELD = re.compile(
    r"(tác giả|người viết|người đăng|phóng viên|biên tập viên|biên tập|bài viết|author)"
    r"\s*:\s*([^|•;\n]+?)(?=\s+[-–]\s+|\s*[|•;(]|\s+\d|\s+(?:ngày|cập nhật|lượt)\b|$)",
    re.I,
)
_BYLINE = re.compile(
    r"^\(?\s*(nguồn tin|nguồn|tác giả|ctv|pv|btv|ptv|tin và ảnh|tin, ảnh|tin,ảnh|bài và ảnh|"
    r"bài, ảnh|bài,ảnh|tin|bài|người viết|thực hiện|theo)\s*[:\-–]\s*(.{2,120}?)\s*\.?$",
    re.I,
)
# A source attribution closing a reprinted article: "Theo Báo Lạng Sơn điện tử", "(Theo TTXVN)".
_SOURCE = re.compile(
    r"^\(?\s*(?:theo|nguồn)\s*:?\s+(?P<src>(?:báo|đài|tạp chí|cổng|trang|bản tin|thông tấn|"
    r"website|ttxvn|vtv|vov|vnexpress|baochinhphu|tuổi trẻ|thanh niên|nhân dân|dân trí|"
    r"[\w.-]+\.(?:vn|com|net|org))\b[^.,;:!?]{0,60}?)\s*\)?\s*\.?$",
    re.I,
)
# A photo credit: "(ảnh: …)", "Ảnh: …", "- Ảnh: …" — it belongs to the caption, not the byline.
_CREDIT = re.compile(r"(\(\s*(ảnh|photo|nguồn ảnh)\s*[:\-–]?[^)]*\)\s*\.?$|"
                     r"^\W*(ảnh|photo)\s*:|[\-–.]\s*(ảnh|photo)\s*:\s*[^.:]{1,60}$|"
                     r"^\W*ảnh minh (họa|hoạ)\W*$)", re.I)
# Caption openers common in Vietnamese news photos.
_CAPTION_CUE = re.compile(
    r"^(quang cảnh|toàn cảnh|cảnh|các đại biểu|đại biểu|đồng chí|đ/c|ông|bà|lãnh đạo|"
    r"đoàn|các đồng chí|hình ảnh|ảnh|một góc|tiết mục|trao|tặng|bí thư|chủ tịch|phó chủ tịch)\b",
    re.I,
)
# Openers of a caption that ends with a period but has no comma ("Cán bộ khuyến nông kiểm tra
# ruộng lúa tại xã Minh Đạo.").
_CAPTION_CUE_PLAIN = re.compile(
    r"^(cán bộ|người dân|nông dân|học sinh|lực lượng|hội viên|đoàn viên|các em|du khách|"
    r"phụ nữ|thành viên|cán bộ, |bộ đội|công nhân|bác sĩ|nhân viên|đoàn công tác|đoàn kiểm tra)"
    r"\b", re.I)
_CAPTION_VERB = re.compile(
    r"\b(phát biểu|trao|tặng|tham dự|dự|chụp ảnh|thăm|kiểm tra|tại|khảo sát|chủ trì|báo cáo)\b",
    re.I,
)
# A sentence telling what happened or will happen ("đã trao", "sẽ khởi công"): story, not a
# photo's caption, which shows the moment in the present.
_TOLD = re.compile(r"\b(đã|sẽ|cho biết|vừa qua)\b", re.I)
# "Tiêu đề tin khác (22/02/2019)": an entry of a related-news list, not a caption.
_DATED_ITEM = re.compile(r"[(\[]\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\s*[)\]]\s*$")
_NUMBERED = re.compile(r"^(\d{1,2}[.)]|[IVX]{1,4}[.)]|[a-zđ][)]|[-–+*•])\s", re.I)
_ABBREV_NAME = re.compile(r"^([A-ZĐÀ-Ỹ][a-zà-ỹ]?\.\s*){1,3}[A-ZĐÀ-Ỹ][a-zà-ỹ]?\.?$")
_NOT_NAME_WORDS = {
    "huyện", "xã", "tỉnh", "phố", "ubnd", "hđnd", "ủy", "uỷ", "ban", "cổng", "tin", "tức",
    "bản", "đồ", "liên", "kết", "website", "chuyên", "mục", "hành", "chính", "đất", "người",
    "ảnh", "video", "sự", "kiện", "bạn", "đọc", "kiến", "và", "của", "các", "những", "báo",
    "điện", "tử", "nghị", "đảng", "nước", "portal", "trang chủ",
}


# One-word buttons and labels that would otherwise pass for a one-word byline.
_UI_WORDS = frozenset(
    "in email e-mail đóng gửi top print share like menu home video audio rss zalo facebook "
    "twitter youtube đầu trang tiếp trước sau loading tags từ khóa".split())


@dataclass
class Line:
    """One line of a page or dump, with its indentation and an optional structural hint."""

    text: str
    indent: int = 0
    hint: str | None = None


@dataclass
class Parts:
    """What the classifier found, before it becomes an Article."""

    title: str | None = None
    date: str | None = None
    lead: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    author: str | None = None
    roles: list[str] = field(default_factory=list)
    # Where the date came from: "stamp" (the article's own), "toolbar" (a chrome line above
    # the lead) or "event" (the lead's event date, when the page shows no stamp).
    date_source: str | None = None


def split_lines(text: str) -> list[Line]:
    """Split a text dump into cleaned lines, keeping each line's indentation."""
    out: list[Line] = []
    for raw in strip_invisible(text).split("\n"):
        raw = raw.replace("\t", "    ").replace("\xa0", " ")
        stripped = raw.lstrip(" ")
        cleaned = clean_line(stripped)
        if not cleaned:
            continue
        out.append(Line(cleaned, indent=len(raw) - len(stripped)))
    return _join_wrapped(out)


def _join_wrapped(lines: list[Line]) -> list[Line]:
    # Hard-wrapped paragraphs (pasted from e-mail) continue on a line starting in lower case.
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and prev.hint is None and len(prev.text) >= 50
                and not ends_sentence(prev.text) and last_char(prev.text) not in ",;:"
                and line.text[:1].islower() and line.indent < 20):
            prev.text = prev.text + " " + line.text
            continue
        out.append(line)
    return out


def is_chrome(text: str) -> bool:
    """Tell whether a line is portal chrome: toolbar, menu, counter, footer, separator."""
    return is_strong_chrome(text) or is_weak_chrome(text)


def is_strong_chrome(text: str) -> bool:
    """Tell whether a line is chrome wherever it stands (toolbar, web-part name, counter)."""
    if _SEPARATOR.match(text):
        return True
    if _COUNTER.match(text) and not find_date(text):
        return True
    if _TAGS_LINE.match(text):
        return True
    return len(text) <= 120 and bool(_STRONG_CHROME.search(text) or _WIDGET.search(text))


def is_weak_chrome(text: str) -> bool:
    """Tell whether a short line reads like a menu item or widget title (chrome around the
    article; inside the body the same words can open a subheading)."""
    words = sum(1 for w in text.split() if any(c.isalnum() for c in w))
    return words <= 7 and bool(_WEAK_CHROME.match(text) or _DOMAIN.match(text))


_RELATED_PART = re.compile(r"block_\w*(tinkhac|lienquan|tinlienquan|related|cungchuyenmuc)",
                           re.I)


def is_related_heading(text: str) -> bool:
    """Tell whether a line opens a related-news list, comments or 'Xem thêm' (or names the
    web part that holds them, e.g. 'PublishingPortal - Block_BanTin_TinKhac')."""
    return len(text) <= 60 and bool(_RELATED.match(text) or _RELATED_PART.search(text))


def stamp_info(text: str) -> tuple[bool, str | None, str | None]:
    """Return (is a metadata stamp, date, author) for a line such as 'Ngày đăng: … | Tác giả: …'."""
    if len(text) > 160:
        return False, None, None
    author = None
    rest = text
    m = _AUTHOR_FIELD.search(rest)
    if m:
        author = _clean_author(m.group(2))
        rest = rest[: m.start()] + " " + rest[m.end():]
    date = find_date(rest)
    for rx in _STAMP_PARTS:
        rest = rx.sub(" ", rest)
    leftover = re.sub(r"[\W_\d]+", "", rest)
    if leftover:
        return False, None, None
    if date is None and author is None and not re.search(r"\d", text):
        return False, None, None
    return True, date, author


def _clean_author(value: str) -> str | None:
    value = clean_line(value).strip(" .,-–()[]")
    return value or None


def is_name_like(text: str) -> bool:
    """Tell whether a short line looks like a person's name or initials (a byline)."""
    t = text.strip().strip("()").rstrip(".").strip()
    if not t or len(t) > 40 or re.search(r"\d", t):
        return False
    if _ABBREV_NAME.match(t):
        return True
    words = [w for w in re.split(r"[\s,\-–/]+", t) if w]
    if not 1 <= len(words) <= 5:
        return False
    if len(words) == 1 and words[0].casefold() in _UI_WORDS:
        return False
    for w in words:
        if not w[0].isupper() or w.casefold() in _NOT_NAME_WORDS or len(w) < 2:
            return False
        if not all(c.isalpha() or c in ".'" for c in w):
            return False
    return True


def byline_author(text: str) -> str | None:
    """Return the author named by a byline line ('Nguồn tin: X', '(CTV: X)', 'X'), or None."""
    t = text.strip()
    m = _BYLINE.match(t)
    if m:
        name = _clean_author(_strip_affiliation(m.group(2)))
        if name and not _CREDIT.search(t) and len(name) <= 60:
            return name
        return None
    if is_name_like(t):
        return _clean_author(t)
    if _CREDIT.search(t):
        return None
    return _affiliated_author(t)


def _strip_affiliation(value: str) -> str:
    # "Minh Hà (Trung tâm Văn hóa huyện)" after a role prefix: the person, not the office.
    value = value.strip()
    if value.endswith(")") and "(" in value:
        head = value[: value.index("(")].strip(" -–,")
        if head and is_name_like(head):
            return head
    return _affiliated_author(value) or value


def source_author(text: str) -> str | None:
    """Return the source a reprinted article names ('Theo Báo Lạng Sơn điện tử'), or None."""
    m = _SOURCE.match(text.strip())
    return _clean_author(m.group("src")) if m else None


def is_prose(text: str) -> bool:
    """Tell whether a line reads as body text rather than a heading, caption or label."""
    n = word_count(text)
    if n < 6:
        return False
    if ends_sentence(text) or last_char(text) in ",;:":
        return True
    return len(text) >= 150


def is_caption(text: str) -> bool:
    """Tell whether a body line is an image caption rather than a paragraph."""
    if _CREDIT.search(text) and len(text) <= 300:
        return True
    if _NUMBERED.match(text) or has_end_mark(text) or _DATED_ITEM.search(text):
        return False
    n = word_count(text)
    commas = text.count(",")
    if not ends_sentence(text) and last_char(text) not in ",;:":
        if is_upper_text(text):
            return False  # an all-capitals line inside the body is a subheading
        if n < 4 or ":" in text:
            return False
        if len(text) <= 130 and commas <= 1:
            return True
        # "Đồng chí X, Bí thư Huyện ủy, Chủ tịch UBND huyện phát biểu tại hội nghị": the
        # people in the photo with their titles, hence the commas.
        return (len(text) <= 180 and commas <= 3 and bool(_CAPTION_CUE.match(text))
                and bool(_CAPTION_VERB.search(text)))
    # Captions that end with a period: one short sentence describing people in the photo.
    inner = text.rstrip(" .")
    if len(text) > 140 or "." in inner or not _CAPTION_VERB.search(text) or _TOLD.search(text):
        return False
    if _CAPTION_CUE.match(text) and commas <= 2:
        return True
    return len(text) <= 120 and commas == 0 and bool(_CAPTION_CUE_PLAIN.match(text))


def is_title_like(text: str) -> bool:
    """Tell whether a line could be the headline."""
    n = word_count(text)
    return 4 <= n <= 60 and len(text) <= 300 and last_char(text) != "." and not is_chrome(text)


_AFFILIATION = re.compile(
    r"^(?P<name>[^()\-–,:]{2,40}?)\s*(?:[-–,]\s*|\()(?P<org>[^()]{2,60}?)\)?\.?$")
_ORG = re.compile(r"\b(huyện|xã|tỉnh|thị trấn|phường|thành phố|trung tâm|phòng|ban|báo|đài|"
                  r"văn phòng|hội|sở|trạm|cổng|ttxvn|ctv|pv|btv|cộng tác viên|phóng viên|tổng hợp|"
                  r"sưu tầm|st|biên dịch|lược dịch|thực hiện)\b",
                  re.I)
_HONORIFIC = re.compile(r"^(ông|bà|anh|chị|em|cô|thầy|đồng chí|đ/c|các)\b", re.I)
_ORG_ABBR = re.compile(r"\b[A-ZĐ][A-ZĐ&]{1,}")


def _affiliated_author(text: str) -> str | None:
    # "Thu Hà - TTVH huyện", "PHẠM HƯNG (Trạm Khuyến nông)": the person, then where from.
    m = _AFFILIATION.match(text.strip())
    if not m or not is_name_like(m.group("name")) or _HONORIFIC.match(m.group("name")):
        return None
    org = m.group("org")
    if word_count(org) > 6 or _CAPTION_VERB.search(org):
        return None
    if _ORG.search(org) or _ORG_ABBR.search(org) or is_name_like(org):
        return _clean_author(m.group("name"))
    return None


_SURNAMES = frozenset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh mai lâm "
    "đoàn lương tạ cao vương đào chu trương quách lò nông triệu hứa thái kiều tô lưu giang "
    "khúc tăng phùng mạc tôn lục bế hầu diệp đàm thân kim quan từ châu nghiêm".split())


def _surname_first(text: str) -> bool:
    # "Nguyễn Văn Hùng" under the headline: a name that opens with a common family name.
    words = text.split()
    return 2 <= len(words) <= 4 and words[0].casefold() in _SURNAMES and is_name_like(text)


def _org_byline(text: str) -> bool:
    # An office signing the article: short, capitalised, no sentence end, no digits.
    return (len(text) <= 60 and 2 <= word_count(text) <= 8 and text[:1].isupper()
            and not ends_sentence(text) and not re.search(r"\d", text)
            and bool(_ORG.search(text) or _ORG_ABBR.search(text)))


def _stamp_follows(i: int, kinds: list[str]) -> bool:
    # Portals print the posting stamp right under the headline: a line followed by a stamp is
    # the headline even when it ends like a sentence ("Vì sao ...?").
    for k in kinds[i + 1:i + 4]:
        if k == "meta":
            return True
        if k not in ("chrome", "weak"):
            return False
    return False


@dataclass
class Layout:
    """What the passes of `classify` learn about a page, one pass after another.

    `kinds` (pass 1) sorts every line into text, stamp ("meta"), chrome, weak chrome (menu
    words) or a related-news heading; `lead` and `title` (pass 2) are line indices; `stop` is
    the first line after the article and `last_prose` its last paragraph (pass 3).
    """

    kinds: list[str] = field(default_factory=list)
    stamp_dates: list[tuple[int, str]] = field(default_factory=list)
    posting: set[int] = field(default_factory=set)  # stamps labelled "Ngày đăng", "Xuất bản"
    updated: set[int] = field(default_factory=set)  # stamps labelled "Cập nhật"
    counters: set[int] = field(default_factory=set)  # stamps on a view-counter line
    stamp_author: str | None = None
    chrome_dates: list[tuple[int, str]] = field(default_factory=list)  # toolbars with a date
    lead: int | None = None
    title: int | None = None
    stop: int = 0
    last_prose: int = 0


def line_kind(line: Line) -> tuple[str, str | None, str | None, bool]:
    """Return (kind, date, author, date is a toolbar's) for one line, from its words and hint."""
    t = line.text
    if line.hint in ("chrome", "related", "meta"):
        if line.hint != "meta":
            return line.hint, None, None, False
        _, d, a = stamp_info(t)
        return "meta", d or find_date(t), a, False
    if line.hint and line.hint != "byline":
        return "text", None, None, False
    # Unhinted lines and right-aligned lines (a date printed where a byline goes).
    is_stamp, d, a = stamp_info(t)
    if is_stamp:
        return "meta", d, a, False
    if is_related_heading(t):
        kind = "related"
    elif is_strong_chrome(t):
        kind = "chrome"
    elif is_weak_chrome(t):
        kind = "weak"
    else:
        return "text", None, None, False
    if kind in ("chrome", "weak") and len(t) <= 200:
        d = find_date(t)  # a toolbar or category line that also carries the date
        if d:
            return kind, d, None, True
    return kind, None, None, False


_POSTED = re.compile(r"\b(ngày đăng|đăng ngày|đăng lúc|đăng tải|ngày đưa tin|xuất bản|ngày viết|"
                     r"thời gian đăng|posted|published)\b", re.I)
_UPDATED = re.compile(r"\b(cập nhật|updated)\b", re.I)
# The site's visitor statistics, often printed with today's date.
_SITE_COUNTER = re.compile(r"\blượt truy cập|\b(đang|người) (truy cập|online|trực tuyến)|"
                           r"\btrực tuyến\b|\bhôm nay\b|\btổng (số )?lượt|\bthống kê\b|"
                           r"\bonline\b|\bvisitors?\b", re.I)
# The article's own view counter, sometimes on its stamp line ("20/11/2025 | 523 lượt xem").
_VIEW_COUNTER = re.compile(r"\b(lượt|lần) (xem|đọc|nghe|thích|chia sẻ)|\bviews?\b|\bđã xem\b",
                           re.I)


def is_posting_stamp(text: str) -> bool:
    """Tell whether a stamp line is labelled as the posting ("Ngày đăng: …", "Cập nhật: …")."""
    return bool(_POSTED.search(text) or _UPDATED.search(text))


def is_counter_line(text: str) -> bool:
    """Tell whether a line counts views or visitors without labelling a posting date: its date
    is never preferred to a stamp's."""
    return is_site_counter(text) or (bool(_VIEW_COUNTER.search(text))
                                     and not is_posting_stamp(text))


def is_site_counter(text: str) -> bool:
    """Tell whether a line shows the site's visitor statistics: the date beside them is
    today's, never the article's."""
    return bool(_SITE_COUNTER.search(text)) and not is_posting_stamp(text)


def scan_kinds(lines: list[Line]) -> Layout:
    """Pass 1: the kind of every line, and the dates and author that stamp lines carry."""
    layout = Layout(stop=len(lines))
    for i, line in enumerate(lines):
        kind, d, a, toolbar = line_kind(line)
        layout.kinds.append(kind)
        if d and toolbar and not is_counter_line(line.text):
            layout.chrome_dates.append((i, d))
        elif d and not toolbar and not is_site_counter(line.text):
            layout.stamp_dates.append((i, d))
            if _POSTED.search(line.text):
                layout.posting.add(i)
            elif _UPDATED.search(line.text):
                layout.updated.add(i)
            elif is_counter_line(line.text):
                layout.counters.add(i)
        if kind == "meta":
            layout.stamp_author = layout.stamp_author or a
    return layout


def choose_lead(lines: list[Line], kinds: list[str]) -> int | None:
    """Pass 2a: the lead is a hinted lead, else the first line of prose that is not a headline
    sitting over a stamp."""
    lead_i = next((i for i, ln in enumerate(lines) if ln.hint == "lead"), None)
    if lead_i is not None:
        return lead_i
    return next((i for i, ln in enumerate(lines)
                 if kinds[i] == "text" and ln.hint in (None, "paragraph")
                 and (ln.hint == "paragraph" or is_prose(ln.text))
                 and not _CREDIT.search(ln.text)
                 and not (ln.hint is None and _stamp_follows(i, kinds)
                          and len(ln.text) <= 200)
                 and not (ln.hint is None and _photo_over_text(lines, kinds, i))), None)


def _photo_over_text(lines: list[Line], kinds: list[str], i: int) -> bool:
    # The photo at the top of an article: its caption (over a credit line, or one short
    # photo sentence over a long paragraph) comes before the lead.
    after = _neighbour_text(lines, kinds, i, 1)
    if after is None:
        return False
    if is_credit_line(after) and len(lines[i].text) <= 220:
        return True
    return (is_photo_sentence(lines[i].text) and is_prose(after)
            and len(after) >= max(100, int(1.5 * len(lines[i].text))))


def choose_title(lines: list[Line], layout: Layout) -> int | None:
    """Pass 2b: the title is a hinted one, else a headline-like line before the lead,
    preferring the one next to the date stamp (portals print it right above or below)."""
    hinted = next((i for i, ln in enumerate(lines) if ln.hint == "title"), None)
    if hinted is not None or layout.lead is None:
        return hinted
    lead_i, kinds = layout.lead, layout.kinds
    cands = [i for i in range(lead_i) if kinds[i] == "text" and lines[i].hint is None
             and is_title_like(lines[i].text)]
    if not cands:
        return None
    stamps_before = [i for i, _ in layout.stamp_dates if i < lead_i]
    if stamps_before:
        # The posting stamp is the labelled one, else the one nearest the lead: a site clock
        # in the header comes first on the page, far above the article.
        labelled = layout.posting | layout.updated
        s = next((i for i in stamps_before if i in labelled), stamps_before[-1])
        return min(cands, key=lambda c: (abs(c - s), -c))
    return cands[-1]


def head_roles(lines: list[Line], layout: Layout, roles: list[str]) -> str | None:
    """Pass 3a: between the title and the lead, a byline or captions; return the byline's
    author."""
    pre_author: str | None = None
    if layout.title is None or layout.lead is None:
        return None
    for i in range(layout.title + 1, layout.lead):
        if layout.kinds[i] != "text":
            continue
        t = lines[i].text
        if lines[i].hint == "byline" or _BYLINE.match(t) or _surname_first(t) or _SOURCE.match(t):
            a = byline_author(t) or source_author(t)
            if a and pre_author is None:
                pre_author = a
                roles[i] = "author"
        elif lines[i].hint == "caption" or (lines[i].hint is None and (
                is_caption(t) or _photo_over_text(lines, layout.kinds, i))):
            roles[i] = "caption"
    return pre_author


_CREDIT_LINE = re.compile(r"^\W*((ảnh|photo|nguồn ảnh|ảnh minh họa|ảnh minh hoạ)\s*:|"
                          r"ảnh minh (họa|hoạ)\W*$)", re.I)
# Openers and words of narration: a sentence with them is the story, not a photo's caption.
_NARRATION_OPENER = re.compile(
    r"^(sáng|chiều|tối|trưa|đêm|ngày|hôm|tại|theo|trong|năm|qua|từ|để|với|bên cạnh|ngoài ra|"
    r"đến nay|tính đến|hiện nay|dịp này|nhân dịp|tuy nhiên|do|vì|nhờ|sau|trước|khi|mặc dù|"
    r"được|có|đây|đó|như vậy|cũng|cùng với|kết quả|về|thời gian|dự kiến|tổng|hơn|khoảng)\b",
    re.I)
_NARRATION = re.compile(
    r"\b(đã|sẽ|cho biết|chia sẻ|nhấn mạnh|đề nghị|yêu cầu|nhằm|góp phần|bởi|nên|tuy|nhưng|"
    r"được biết|dự kiến|đạt|tăng|giảm|gồm|là|có thể|cần|phải|thì|vì vậy|do đó|hiện)\b|%|[\"“”:;]",
    re.I)


_CREDIT_VALUE = re.compile(r"^\W*(?:ảnh|photo|nguồn ảnh)\s*:\s*(?P<who>.+?)[\s.]*$", re.I)
_STOCK_CREDIT = re.compile(r"^(tư liệu|internet|minh họa|minh hoạ|st|sưu tầm|nguồn internet|"
                           r"ttxvn|vna|báo [\w\s]+|đài [\w\s]+)$", re.I)


def is_credit_line(text: str) -> bool:
    """Tell whether a line only credits a photo ("Ảnh: Văn Bình (Trung tâm VHTT huyện)",
    "Ảnh minh họa"), as opposed to a caption that opens with "Ảnh:"."""
    if len(text) > 120:
        return False
    if re.match(r"^\W*ảnh minh (họa|hoạ)\W*$", text, re.I):
        return True
    m = _CREDIT_VALUE.match(text)
    if not m:
        return False
    who = m.group("who").strip()
    return bool(is_name_like(_strip_affiliation(who)) or _STOCK_CREDIT.match(who)
                or all(is_name_like(x) for x in re.split(r"\s*[,;]\s*|\s+và\s+", who) if x))


def is_photo_sentence(text: str) -> bool:
    """Tell whether a line is one short sentence that shows people or a scene, as a caption
    ending with a period does ("Người dân xã Tri Lễ phơi hồi sau thu hoạch.")."""
    n = word_count(text)
    inner = text.rstrip(" .")
    return (text.endswith(".") and not text.endswith("..") and 4 <= n <= 22 and len(text) <= 140
            and "." not in inner and text.count(",") <= 1 and text[:1].isupper()
            and not _NARRATION_OPENER.match(text) and not _NARRATION.search(text)
            and not _NUMBERED.match(text) and not has_end_mark(text))


def _neighbour_text(lines: list[Line], kinds: list[str], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(lines):
        if kinds[j] == "text":
            return lines[j].text
        if kinds[j] == "related":
            return None
        j += step
    return None


def caption_at(lines: list[Line], kinds: list[str], i: int) -> bool:
    """Tell whether body line i is a caption, from its words and its neighbours: a line over a
    photo credit ("Ảnh: Văn Bình"), or a short photo sentence between two long paragraphs."""
    t = lines[i].text
    if is_caption(t):
        return True
    if len(t) > 220 or _CREDIT_LINE.match(t):
        return False
    after = _neighbour_text(lines, kinds, i, 1)
    if after is not None and is_credit_line(after):
        return True
    if not is_photo_sentence(t):
        return False
    before = _neighbour_text(lines, kinds, i, -1)
    long_enough = max(100, int(1.5 * len(t)))
    return (before is not None and after is not None and len(before) >= long_enough
            and len(after) >= long_enough and is_prose(before) and is_prose(after))


def find_extent(lines: list[Line], layout: Layout) -> tuple[int, int]:
    """Pass 3b: return (stop, last_prose): the first related-news heading after the lead ends
    the article; the last line that reads as a paragraph ends its body."""
    assert layout.lead is not None
    lead_i, kinds = layout.lead, layout.kinds
    stop = next((i for i in range(lead_i + 1, len(lines)) if kinds[i] == "related"),
                len(lines))
    last_prose = lead_i
    for i in range(lead_i, stop):
        ln = lines[i]
        if kinds[i] != "text" or ln.hint in ("caption", "byline", "title"):
            continue
        if ln.hint == "paragraph" or (is_prose(ln.text) and not caption_at(lines, kinds, i)):
            last_prose = i
    return stop, last_prose


def _tail_role(lines: list[Line], i: int, layout: Layout,
               author: str | None) -> tuple[str | None, str | None]:
    # After the last paragraph: the byline, a source, a trailing caption, or page furniture.
    ln, t = lines[i], lines[i].text
    src = source_author(t)
    if src:
        return "source", src
    a = byline_author(t) if len(t) <= 70 else None
    if a and author is None:
        return "author", a
    if (author is None and i == layout.last_prose + 1
            and has_end_mark(lines[layout.last_prose].text)
            and ln.hint is None and _org_byline(t)):
        return "author", _clean_author(t)  # "Ban Tuyên giáo Huyện ủy" right after the end mark
    if author is None and is_caption(t):
        return "caption", None
    if author is None and word_count(t) >= 12 and ln.indent < 20:
        return "paragraph", None  # a long last line cut off mid-sentence
    return None, None


def _line_role(lines: list[Line], i: int, layout: Layout,
               author: str | None) -> tuple[str | None, str | None]:
    # The role of one text line of the body or tail, and the author or source it names.
    ln, t = lines[i], lines[i].text
    if i == layout.lead:
        return "lead", None
    if ln.hint == "caption":
        return "caption", None
    if ln.hint == "byline":
        src = source_author(t)
        if src:
            return "source", src
        a = byline_author(t)
        if a is None and word_count(t) <= 6 and not re.search(r"\d", t):
            a = _clean_author(t)  # a right-aligned signature the name rules do not know
        return ("author", a) if author is None and a else (None, None)
    if i <= layout.last_prose:
        is_para = ln.hint == "paragraph" or not caption_at(lines, layout.kinds, i)
        return ("paragraph" if is_para else "caption"), None
    return _tail_role(lines, i, layout, author)


def body_roles(lines: list[Line], layout: Layout,
               roles: list[str]) -> tuple[str | None, str | None]:
    """Pass 3c: lead, paragraphs and captions of the body, then the tail's byline; return
    (the author who signs, the source a reprint names)."""
    assert layout.lead is not None
    kinds = layout.kinds
    author: str | None = None
    source: str | None = None  # "Theo Báo Lạng Sơn điện tử": the author when no one signs
    for i in range(layout.lead, layout.stop):
        if kinds[i] == "weak" and i < layout.last_prose:
            roles[i] = "paragraph"  # a subheading such as "Văn bản chỉ đạo" between paragraphs
            continue
        if kinds[i] != "text" or i == layout.title:
            continue
        role, name = _line_role(lines, i, layout, author)
        if role == "source":
            roles[i] = "author"
            source = source or name
        elif role:
            roles[i] = role
            author = author or name
    return author, source


_TIME_ZONE = re.compile(r"\b(gmt|utc)\s*[+\-]?\s*\d*", re.I)


def _is_clock(i: int, layout: Layout, lines: list[Line]) -> bool:
    # A site-wide clock ("Thứ 2, 01/12/2025, 08:15 [GMT+7]") sits in the header, well above
    # the headline and the stamp beside it, or with the menu between it and the headline.
    title = layout.title
    if title is None or i >= title:
        return False
    if i < title - 3:
        return True
    return (bool(_TIME_ZONE.search(lines[i].text))
            and "weak" in layout.kinds[i + 1:title])


def choose_date(lines: list[Line], layout: Layout) -> tuple[str | None, str | None]:
    """Pass 4a: the article's date. A stamp labelled as the posting wins (then one labelled
    as the update), then the stamp beside the title, then any other stamp of the article
    (never a header clock), then a stamp on a view-counter line, then a toolbar date above the
    lead, then an event date in the lead when the page shows no stamp. A stamp in a
    related-news list after the article dates another article."""
    own = [(i, d) for i, d in layout.stamp_dates if i < layout.stop]
    for labelled in (layout.posting, layout.updated):
        dates = [d for i, d in own if i in labelled]
        if dates:
            return dates[0], "stamp"
    for group in ([x for x in own if x[0] not in layout.counters],
                  [x for x in own if x[0] in layout.counters]):
        if layout.title is not None:
            beside = [(abs(i - layout.title), d) for i, d in group
                      if abs(i - layout.title) <= 3 and not _is_clock(i, layout, lines)]
            if beside:
                return min(beside)[1], "stamp"
        rest = [d for i, d in group if not _is_clock(i, layout, lines)]
        if rest:
            return rest[0], "stamp"
    lead_i = layout.lead if layout.lead is not None else 0
    toolbar = next((d for i, d in layout.chrome_dates
                    if i < lead_i and not _is_clock(i, layout, lines)), None)
    if toolbar or own or layout.lead is None:
        return toolbar, "toolbar" if toolbar else None
    event = find_date(lines[layout.lead].text)
    return event, "event" if event else None


def assemble(lines: list[Line], roles: list[str], parts: Parts) -> None:
    """Pass 4b: gather the lead, paragraphs (end mark dropped) and captions by role."""
    for i, role in enumerate(roles):
        t = lines[i].text
        if role == "lead":
            parts.lead = strip_end_mark(t)
        elif role == "paragraph":
            p = strip_end_mark(t)
            if p:
                parts.paragraphs.append(p)
        elif role == "caption":
            parts.captions.append(t)


def classify(lines: list[Line]) -> Parts:
    """Assign every line a role and gather the article's fields, in passes: kinds, lead and
    title, head/body/tail roles, then the fields."""
    layout = scan_kinds(lines)
    roles = ["meta" if k == "meta" else "boilerplate" for k in layout.kinds]
    parts = Parts(roles=roles)
    layout.lead = choose_lead(lines, layout.kinds)
    layout.title = choose_title(lines, layout)
    if layout.lead is None:
        parts.title = lines[layout.title].text if layout.title is not None else None
        parts.date = layout.stamp_dates[0][1] if layout.stamp_dates else None
        parts.date_source = "stamp" if parts.date else None
        return parts
    if layout.title is not None:
        parts.title = strip_end_mark(lines[layout.title].text)
        roles[layout.title] = "title"
    pre_author = head_roles(lines, layout, roles)
    layout.stop, layout.last_prose = find_extent(lines, layout)
    author, source = body_roles(lines, layout, roles)
    assemble(lines, roles, parts)
    parts.author = author or pre_author or layout.stamp_author or source
    parts.date, parts.date_source = choose_date(lines, layout)
    return parts
