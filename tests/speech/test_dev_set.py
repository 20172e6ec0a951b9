"""The development cases and the reference article, scored the way the spec's comparator does."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from bantin_audio.speech.normalize import normalize_text, normalize_texts

TARGET = 0.97
SEED = "bach-thong-2-nam-nghi-quyet.json"


def _comparator(shared: Path) -> ModuleType:
    path = shared / "tools" / "vi_norm_compare.py"
    if not path.exists():
        pytest.skip("vi_norm_compare.py is not present")
    spec = importlib.util.spec_from_file_location("vi_norm_compare", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_set_meets_the_target(shared_dir: Path) -> None:
    cases_path = shared_dir / "specs" / "vi-norm-dev.jsonl"
    if not cases_path.exists():
        pytest.skip("vi-norm-dev.jsonl is not present")
    compare = _comparator(shared_dir)
    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    failed = [c["id"] for c in cases
              if not compare.matches(normalize_text(c["input"]), c["accept"])]
    score = 1 - len(failed) / len(cases)
    assert score >= TARGET, f"{score:.1%} < {TARGET:.0%}; failing: {failed}"


@pytest.fixture
def seed_script(shared_dir: Path) -> str:
    path = shared_dir / "seed" / SEED
    if not path.exists():
        pytest.skip(f"{SEED} is not present")
    data = json.loads(path.read_text(encoding="utf-8"))
    texts = [data["title"], data["lead"], *data["paragraphs"]]
    return "\n".join(normalize_texts(texts))


HARD_SPOTS = [
    "Đảng bộ huyện lần thứ mười lăm",
    "nhiệm kỳ hai nghìn không trăm hai mươi đến hai nghìn không trăm hai mươi lăm",
    "Ủy ban nhân dân, Ủy ban mặt trận tổ quốc",
    "trong công tác giải phóng mặt bằng phục vụ",
    "thực hiện tốt công tác giải phóng mặt bằng, tạo điều kiện",
    "đạt ba mươi hai phẩy hai mươi chín triệu đồng",
    "toàn huyện có mười tám trên ba mươi hai trường học",
    "Nghị định số bảy trên hai nghìn không trăm hai mươi mốt trên nghị định chính phủ là hai "
    "mươi phẩy sáu mươi sáu phần trăm",
    "Nghị quyết số tám trăm năm mươi lăm trên nghị quyết ủy ban thường vụ quốc hội mười bốn ngày "
    "mùng mười tháng một năm hai nghìn không trăm hai mươi",
    "huyện có ba trên mười ba xã",
    "đạt từ mười một đến mười bốn tiêu chí",
    "hai mươi ba sản phẩm ô cốp",
    "huyện Bạch Thông ngày càng phát triển.",
]


@pytest.mark.parametrize("spot", HARD_SPOTS)
def test_seed_article_hard_spots(seed_script: str, spot: str) -> None:
    assert spot in seed_script


@pytest.mark.parametrize("wrong", ["(GPMB)", "GPMB", "./.", "/.", "UBND", "MTTQ", "OCOP", "XV",
                                   "tháng bảy năm hai nghìn không trăm hai mươi mốt",
                                   "giải phóng mặt bằng giải phóng mặt bằng"])
def test_seed_article_has_no_raw_or_misread_form(seed_script: str, wrong: str) -> None:
    assert wrong not in seed_script


def test_seed_article_has_no_digit(seed_script: str) -> None:
    assert not any(c.isascii() and c.isdigit() for c in seed_script)
