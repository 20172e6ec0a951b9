"""The normalizer's work is linear in its input; absurd input fails at once with a clear error."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bantin_audio.errors import InputError
from bantin_audio.speech.normalize import MAX_DIGIT_RUN, normalize_text


def test_a_hundred_thousand_digit_number_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InputError) as err:
        normalize_text("Tổng số tiền là " + "9" * 100_000 + " đồng.")
    assert "100.000 chữ số" in err.value.message
    assert "“999999999999…”" in err.value.message
    assert err.value.hint


def test_a_ten_megabyte_line_is_refused_before_any_work() -> None:
    line = "Ủy ban nhân dân xã họp bàn kế hoạch năm. " * (10 * 1024 * 1024 // 42)
    assert len(line.encode("utf-8")) > 10 * 1024 * 1024 - 1024
    with pytest.raises(InputError, match="quá giới hạn 1.000.000 ký tự"):
        normalize_text(line)


def test_digit_runs_up_to_the_bound_are_read_and_one_more_is_refused() -> None:
    longest = "0" + "123456789" * 3 + "12"
    assert len(longest) == MAX_DIGIT_RUN
    out = normalize_text(f"Mã giao dịch {longest} đã xong.")
    assert out.count(" ") > MAX_DIGIT_RUN and "tỷ" not in out
    with pytest.raises(InputError, match="31 chữ số"):
        normalize_text(f"Mã giao dịch {longest}5 đã xong.")
    with pytest.raises(InputError, match="33 chữ số"):
        normalize_text("Số tiền " + ".".join(["123"] * 11) + " đồng.")


_SHAPES: dict[str, Callable[[int], str]] = {
    "article sentence": lambda n: ("Sáng 12/3/2024, UBND xã Tân Lập chi 1.250.000đ/hộ/tháng, "
                                   "liên hệ (0208) 3.852.117. ") * (n // 70),
    "spaced digits": lambda n: "7 " * (n // 2),
    "one long word": lambda n: "a" * n,
    "nested brackets": lambda n: "(" * (n // 2) + ")" * (n // 2),
    "list labels": lambda n: "a) b) " * (n // 6),
    "definitions": lambda n: "(AB) " * (n // 5),
    "dotted groups": lambda n: ".".join(["12"] * (n // 3)),
    "acronym chain": lambda n: "-".join(["KT"] * (n // 3)),
    "slashes": lambda n: "/".join(["hộ"] * (n // 3)),
    "addresses": lambda n: "ab@cd.vn " * (n // 9),
}


def _cpu_seconds(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        normalize_text(text)
        best = min(best, time.process_time() - start)
    return max(best, 1e-4)


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_work_grows_linearly_with_input(shape: str) -> None:
    make = _SHAPES[shape]
    small, large = make(3_000), make(30_000)
    out = normalize_text(large)
    # Structural bound: every input character yields a bounded amount of speech.
    assert len(out) <= 12 * len(large) + 100
    # Loose time bound: ten times the input may cost ten times the CPU, with room for noise,
    # but never the hundredfold of quadratic work.
    ratio = _cpu_seconds(large) / _cpu_seconds(small)
    assert ratio < 35, f"{shape}: 10x input took {ratio:.0f}x the CPU time"
