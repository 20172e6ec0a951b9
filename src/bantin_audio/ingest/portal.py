"""PublishingPortal (SharePoint 2013) pages and their text dumps."""

from __future__ import annotations

import logging

from ..errors import ExtractionError
from ..model import Article
from .lines import Parts, classify, split_lines

log = logging.getLogger(__name__)


def parts_to_article(parts: Parts) -> Article:
    """Turn classifier output into an Article, refusing pages with no body text."""
    if not parts.lead and not parts.paragraphs:
        raise ExtractionError("Không tìm thấy nội dung bài viết trong trang",
                              "kiểm tra rằng địa chỉ hoặc tệp là một bài tin, không phải "
                              "trang chủ hay trang danh mục")
    return Article(title=parts.title, date=parts.date, lead=parts.lead,  # type: ignore[arg-type]
                   paragraphs=parts.paragraphs, captions=parts.captions, author=parts.author)


def parse_text_dump(text: str) -> Article:
    """Recover the article from a text dump or pasted plain text."""
    lines = split_lines(text)
    if not lines:
        raise ExtractionError("Văn bản không có dòng nào có nội dung",
                              "hãy dán văn bản bài viết")
    return parts_to_article(classify(lines))
