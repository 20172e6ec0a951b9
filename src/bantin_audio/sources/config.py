"""A source's settings: discovery addresses, hosts, schedule, patterns and approval."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import InputError
from .canonical import canonical_url, host_of

MIN_INTERVAL_S = 15  # conditional requests keep even this cheap for a portal
MAX_INTERVAL_S = 7 * 24 * 3600
APPROVALS = ("auto", "editor")


@dataclass
class SourceConfig:
    """What the watcher needs to know about a portal (stored as JSON with the source)."""

    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    poll_interval_s: int = 600
    include: list[str] = field(default_factory=list)  # address patterns (* and ? wildcards)
    exclude: list[str] = field(default_factory=list)
    approval: str = "auto"  # auto: publish at once; editor: wait for an editor's approval
    first_take: int = 20  # articles taken on the first poll

    def to_dict(self) -> dict[str, Any]:
        """Return the stored shape."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceConfig:
        """Read the stored shape (unknown keys ignored)."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def discovery(self) -> list[tuple[str, str]]:
        """Return (kind, url) of every discovery address."""
        return [("feed", u) for u in self.feeds] + [("sitemap", u) for u in self.sitemaps] + \
            [("listing", u) for u in self.listings]

    def wants(self, url: str) -> bool:
        """Return whether an article address belongs to this source (host and patterns)."""
        if host_of(url) not in self.hosts:
            return False
        if self.include and not any(fnmatch.fnmatchcase(url, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(url, p) for p in self.exclude)


def _lines(values: Iterable[str] | str | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.replace(",", "\n").splitlines()
    out: list[str] = []
    for v in values:
        v = str(v).strip()
        if v and v not in out:
            out.append(v)
    return out


def _address(url: str, what: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise InputError(f"{what} phải bắt đầu bằng http:// hoặc https://: {url}",
                         "ví dụ https://bachthong.backan.gov.vn/rss")
    return canonical_url(url)


def parse_source_config(base_url: str, *, feeds: Iterable[str] | str | None = None,
                        sitemaps: Iterable[str] | str | None = None,
                        listings: Iterable[str] | str | None = None,
                        hosts: Iterable[str] | str | None = None,
                        poll_interval_s: int | str | None = None,
                        include: Iterable[str] | str | None = None,
                        exclude: Iterable[str] | str | None = None,
                        approval: str | None = None,
                        first_take: int | str | None = None,
                        default_interval_s: int = 600, default_first_take: int = 20,
                        ) -> tuple[str, SourceConfig]:
    """Validate what an admin typed; return the canonical base address and the settings."""
    base = _address(base_url, "Địa chỉ cổng thông tin")
    feeds_ = [_address(u, "Địa chỉ RSS/Atom") for u in _lines(feeds)]
    sitemaps_ = [_address(u, "Địa chỉ sitemap") for u in _lines(sitemaps)]
    listings_ = [_address(u, "Địa chỉ trang danh sách") for u in _lines(listings)]
    if not (feeds_ or sitemaps_ or listings_):
        raise InputError("Cần ít nhất một địa chỉ để tìm bài: RSS/Atom, sitemap hoặc trang "
                         "danh sách", "ví dụ --feed https://cong.gov.vn/rss hoặc --listing "
                         "https://cong.gov.vn/Pages/tin-tuc.aspx")
    hosts_ = [h.lower().strip().rstrip(".") for h in _lines(hosts)]
    if not hosts_:
        hosts_ = [host_of(base)]
    for h in hosts_:
        if "/" in h or " " in h or not h:
            raise InputError(f"Tên máy chủ không hợp lệ: {h!r}", "ví dụ bachthong.backan.gov.vn")
    interval = _int(poll_interval_s, default_interval_s, "Chu kỳ kiểm tra")
    if not MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S:
        raise InputError(f"Chu kỳ kiểm tra phải từ {MIN_INTERVAL_S} giây đến 7 ngày",
                         "ví dụ 600 (10 phút)")
    take = _int(first_take, default_first_take, "Số bài lấy lần đầu")
    if not 0 <= take <= 1000:
        raise InputError("Số bài lấy lần đầu phải từ 0 đến 1000")
    approval = (approval or "auto").strip()
    if approval not in APPROVALS:
        raise InputError(f"Cách đăng không hợp lệ: {approval!r}",
                         "auto (đăng ngay) hoặc editor (chờ biên tập viên duyệt)")
    return base, SourceConfig(feeds=feeds_, sitemaps=sitemaps_, listings=listings_,
                              hosts=hosts_, poll_interval_s=interval, include=_lines(include),
                              exclude=_lines(exclude), approval=approval, first_take=take)


def _int(value: int | str | None, default: int, what: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} phải là một số nguyên: {value!r}") from exc
