"""The pipeline with real engines, the real cache and real ffmpeg against the fake Google."""

from __future__ import annotations

from pathlib import Path

import pytest

from bantin_audio.config import Settings
from bantin_audio.errors import SynthesisError
from bantin_audio.model import Progress, Script, Segment
from bantin_audio.services import build_services
from bantin_audio.speech.chunks import split_phrases
from tests.fakes import FakeGoogle

LONG = ("Từ đầu nhiệm kỳ đến nay, cấp ủy, chính quyền các cấp trên địa bàn huyện đã tập trung "
        "lãnh đạo, chỉ đạo, triển khai nhiều biện pháp đồng bộ, hiệu quả nhằm đẩy nhanh tiến độ, "
        "hướng tới mục tiêu hoàn thành vượt mức các chỉ tiêu nghị quyết.")


def _script() -> Script:
    texts = [("title", "Bản tin nông thôn mới"), ("date", "ngày hai mươi lăm tháng mười"),
             ("lead", "Huyện đạt nhiều kết quả tích cực."), ("paragraph", LONG),
             ("paragraph", "Toàn huyện có hai mươi ba sản phẩm ô cốp."), ("author", "Thu Trang")]
    segs = [Segment(i, kind, text, text, pause_ms=700 if kind == "title" else 500)
            for i, (kind, text) in enumerate(texts)]  # type: ignore[arg-type]
    segs[-1].pause_ms = 0
    return Script(segments=segs, title="Bản tin nông thôn mới", date="2022-10-25",
                  author="Thu Trang", source_url="https://example.vn/bai")


def test_every_segment_spoken_by_google_in_phrases(fake_google: FakeGoogle,
                                                   settings: Settings) -> None:
    services = build_services(settings)
    clips = services.pipeline.synthesize(_script())
    assert [c.segment.index for c in clips] == list(range(6))
    assert {c.engine for c in clips} == {"google"}
    assert all(len(t) <= 100 for t in fake_google.texts)
    assert fake_google.requests > 6  # the long paragraph went as several phrases
    # the long paragraph's phrases (in any order under concurrency) cover it word for word
    phrases = split_phrases(LONG)
    assert len(phrases) > 1 and all(p in fake_google.texts for p in phrases)
    assert " ".join(phrases).split() == LONG.split()


def test_progress_per_segment_and_clips_in_reading_order(fake_google: FakeGoogle,
                                                         settings: Settings) -> None:
    seen: list[Progress] = []
    order: list[int] = []
    services = build_services(settings)
    services.pipeline.synthesize(_script(), progress=seen.append,
                                 on_clip=lambda c: order.append(c.segment.index))
    assert [p.done for p in seen] == [1, 2, 3, 4, 5, 6]
    assert all(p.total == 6 for p in seen)
    assert order == list(range(6))


def test_second_run_makes_no_engine_request(fake_google: FakeGoogle, settings: Settings,
                                            tmp_path: Path) -> None:
    build_services(settings).pipeline.render(_script(), tmp_path / "a.mp3")
    first = fake_google.requests
    services = build_services(settings)
    program = services.pipeline.render(_script(), tmp_path / "b.mp3")
    assert fake_google.requests == first
    assert services.pipeline.request_count == 0
    assert program.engines == {"google": 6}


def test_google_down_everything_falls_back_to_offline_voice(fake_google: FakeGoogle,
                                                            settings: Settings,
                                                            tmp_path: Path) -> None:
    fake_google.mode = "connection"
    services = build_services(settings.replace(breaker_threshold=3))
    program = services.pipeline.render(_script(), tmp_path / "bai.mp3")
    assert program.engines == {"espeak": 6}
    assert len(program.timings) == 6
    # the breaker stopped the requests: far fewer than 6 segments x 4 tries
    assert fake_google.requests < 6 * (settings.retries + 1)


def test_fallback_is_per_segment_and_reason_recorded(fake_google: FakeGoogle,
                                                     settings: Settings) -> None:
    services = build_services(settings.replace(concurrency=1))
    fake_google.mode = "500"
    fake_google.fail_first = settings.retries + 1  # the first segment exhausts its retries
    clips = services.pipeline.synthesize(_script())
    assert clips[0].engine == "espeak"
    assert clips[0].fallback_reason and "google" in clips[0].fallback_reason
    assert {c.engine for c in clips[1:]} == {"google"}


def test_gtts_engine_alone_fails_clearly_when_google_fails(fake_google: FakeGoogle,
                                                           settings: Settings,
                                                           tmp_path: Path) -> None:
    fake_google.mode = "noaudio"
    services = build_services(settings, engine="gtts")
    out = tmp_path / "bai.mp3"
    with pytest.raises(SynthesisError, match="Không đọc được đoạn"):
        services.pipeline.render(_script(), out)
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == [] and list(tmp_path.glob(".*")) == []


def test_espeak_engine_makes_no_google_request(fake_google: FakeGoogle, settings: Settings,
                                               tmp_path: Path) -> None:
    program = build_services(settings, engine="espeak").pipeline.render(_script(),
                                                                       tmp_path / "b.mp3")
    assert fake_google.requests == 0
    assert program.engines == {"espeak": 6}


def test_fallback_clips_are_upgraded_only_when_asked(fake_google: FakeGoogle,
                                                     settings: Settings) -> None:
    fake_google.mode = "connection"
    build_services(settings).pipeline.synthesize(_script())  # all offline voice, cached
    fake_google.mode = "ok"
    before = fake_google.requests
    plain = build_services(settings).pipeline.synthesize(_script())
    assert {c.engine for c in plain} == {"espeak"} and fake_google.requests == before
    upgraded = build_services(settings).pipeline.synthesize(_script(), prefer_primary=True)
    assert {c.engine for c in upgraded} == {"google"}
    assert fake_google.requests > before


def test_upgrade_keeps_the_fallback_clip_when_google_still_fails(fake_google: FakeGoogle,
                                                                 settings: Settings) -> None:
    fake_google.mode = "500"
    build_services(settings).pipeline.synthesize(_script())
    clips = build_services(settings).pipeline.synthesize(_script(), prefer_primary=True)
    assert {c.engine for c in clips} == {"espeak"}


@pytest.mark.parametrize("mode", ["html", "htmlpage"])
def test_google_answering_a_web_page_is_a_failure_never_cached(
        fake_google: FakeGoogle, settings: Settings, tmp_path: Path, mode: str) -> None:
    fake_google.mode = mode
    services = build_services(settings.replace(breaker_threshold=100))
    program = services.pipeline.render(_script(), tmp_path / "a.mp3")
    assert program.engines == {"espeak": 6}  # fell back, every paragraph still read
    # each phrase was retried like any failure, and no page reached the cache
    assert fake_google.requests >= 6 * (settings.retries + 1)
    cache_dir = settings.clip_cache_dir
    clips = [p for p in cache_dir.rglob("*.mp3") if p.parent.parent == cache_dir]
    assert clips == []
    # Google recovers: the next reading asks Google again and gets real audio
    fake_google.mode = "ok"
    before = fake_google.requests
    clips = build_services(settings).pipeline.synthesize(_script(), prefer_primary=True)
    assert {c.engine for c in clips} == {"google"} and fake_google.requests > before


def test_a_poisoned_cache_entry_is_made_again(fake_google: FakeGoogle, settings: Settings,
                                             tmp_path: Path) -> None:
    from bantin_audio.audio.cache import clip_key
    from tests.fakes import HTML_PAGE

    services = build_services(settings, engine="gtts")
    services.pipeline.render(_script(), tmp_path / "a.mp3")
    seg = _script().segments[2]
    path = services.cache.path(clip_key(services.pipeline.engines[0].name, seg.spoken), "mp3")
    path.write_bytes(HTML_PAGE.encode())  # what an older release cached
    before = fake_google.requests
    program = build_services(settings, engine="gtts").pipeline.render(_script(),
                                                                      tmp_path / "b.mp3")
    assert fake_google.requests == before + 1  # that one clip, asked again
    assert program.engines == {"google": 6}
    assert path.read_bytes()[:2] != b"<!"


def test_a_cached_clip_that_cannot_be_decoded_is_evicted_and_made_again(
        fake_google: FakeGoogle, settings: Settings, tmp_path: Path) -> None:
    from bantin_audio.audio.cache import clip_key

    services = build_services(settings, engine="gtts")
    services.pipeline.render(_script(), tmp_path / "a.mp3")
    seg = _script().segments[2]
    path = services.cache.path(clip_key(services.pipeline.engines[0].name, seg.spoken), "mp3")
    # frame headers that pass the quick check around a body the decoder refuses
    header = b"\xff\xf3\x44\xc4"
    path.write_bytes((header + b"\xff" * 92) * 3)
    services = build_services(settings, engine="gtts")
    before = fake_google.requests
    program = services.pipeline.render(_script(), tmp_path / "b.mp3")
    assert program.engines == {"google": 6}
    assert fake_google.requests == before + 1


def test_first_paragraphs_read_offline_when_google_is_slow_then_upgraded(
        fake_google: FakeGoogle, settings: Settings) -> None:
    fake_google.delay = 2.0
    services = build_services(settings)
    seen: list[tuple[int, str, int]] = []
    clips = services.pipeline.synthesize(
        _script(), on_clip=lambda c: seen.append((c.segment.index, c.engine,
                                                  fake_google.answered)),
        first_deadline=0.2)
    # title, date and the lead (the first body paragraph) came before Google had answered once
    first = seen[:3]
    assert [(i, e) for i, e, _ in first] == [(0, "espeak"), (1, "espeak"), (2, "espeak")]
    assert all(answered == 0 for *_, answered in first)
    # Google's readings replaced them once they arrived; the rest waited for Google
    upgrades = [(i, e) for i, e, _ in seen[3:] if i < 3]
    assert sorted(upgrades) == [(0, "google"), (1, "google"), (2, "google")]
    assert [c.engine for c in clips] == ["google"] * 6
    assert [c.segment.index for c in clips] == list(range(6))


def test_no_deadline_without_an_offline_voice(fake_google: FakeGoogle,
                                              settings: Settings) -> None:
    fake_google.delay = 0.3
    services = build_services(settings, engine="gtts")
    clips = services.pipeline.synthesize(_script(), first_deadline=0.05)
    assert [c.engine for c in clips] == ["google"] * 6


def test_the_first_paragraph_goes_to_google_first(fake_google: FakeGoogle,
                                                  settings: Settings) -> None:
    fake_google.delay = 0.05
    cfg = settings.replace(concurrency=1, engine="gtts")
    build_services(cfg).pipeline.synthesize(_script())
    in_order = list(fake_google.texts)
    # many segments start at once; Google still hears them in reading order
    fake_google.texts.clear()
    services = build_services(settings.replace(concurrency=2, engine="gtts",
                                               data_dir=settings.data_dir / "b"))
    services.pipeline.synthesize(_script())
    assert fake_google.texts[:2] == in_order[:2]
    assert fake_google.texts[0] == "Bản tin nông thôn mới"


def test_the_first_paragraphs_phrases_all_go_at_once(fake_google: FakeGoogle,
                                                      settings: Settings) -> None:
    fake_google.delay = 0.4
    script = _script()
    script.segments[2].spoken = LONG  # a lead of several phrases
    first = sum(len(split_phrases(s.spoken, 100)) for s in script.segments[:3])
    assert first >= 4
    cfg = settings.replace(concurrency=8, concurrency_start=1, google_rps=4.0, engine="gtts")
    services = build_services(cfg)
    services.pipeline.synthesize(script)
    # title, date and every phrase of the lead reached Google before its first answer, although
    # the limit started at one request at once and the rate at four a second (they borrow the
    # rate limit's tokens); the rest of the article waited for the limit
    sent = fake_google.times[:first]
    assert max(sent) - min(sent) < 0.25
    assert fake_google.times[first] - min(sent) >= 0.25


def _runs(log_path: Path) -> list[str]:
    return log_path.read_text().splitlines() if log_path.exists() else []


def test_an_unchanged_reading_is_copied_without_decoding_or_encoding(
        fake_google: FakeGoogle, settings: Settings, tmp_path: Path,
        counted_ffmpeg: Path) -> None:
    first = build_services(settings).pipeline.render(_script(), tmp_path / "a.mp3")
    assert len(_runs(counted_ffmpeg)) >= 2  # it did decode and encode the first time
    before, runs = fake_google.requests, len(_runs(counted_ffmpeg))
    services = build_services(settings)
    again = services.pipeline.render(_script(), tmp_path / "b.mp3")
    assert len(_runs(counted_ffmpeg)) == runs  # not one ffmpeg run
    assert fake_google.requests == before and services.pipeline.request_count == 0
    assert (tmp_path / "b.mp3").read_bytes() == (tmp_path / "a.mp3").read_bytes()
    assert (again.duration_ms, again.timings, again.engines, again.bytes) == \
        (first.duration_ms, first.timings, first.engines, first.bytes)
    assert again.path == str(tmp_path / "b.mp3")
    # the output is a copy: editing it in place leaves the kept rendition intact
    with open(tmp_path / "b.mp3", "r+b") as fh:
        fh.write(b"XXXX")
    build_services(settings).pipeline.render(_script(), tmp_path / "c.mp3")
    assert (tmp_path / "c.mp3").read_bytes() == (tmp_path / "a.mp3").read_bytes()
    # other tags (another title) make another rendition: encoded again, clips not decoded
    runs = len(_runs(counted_ffmpeg))
    build_services(settings).pipeline.render(_script(), tmp_path / "d.mp3",
                                             tags={"title": "Tiêu đề khác"})
    new = _runs(counted_ffmpeg)[runs:]
    assert len(new) == 1 and "libmp3lame" in new[0]


def test_editing_one_paragraph_decodes_only_that_clip_and_encodes_once(
        fake_google: FakeGoogle, settings: Settings, tmp_path: Path,
        counted_ffmpeg: Path) -> None:
    build_services(settings).pipeline.render(_script(), tmp_path / "a.mp3")
    runs = len(_runs(counted_ffmpeg))
    script = _script()
    edit = "Toàn huyện có hai mươi lăm sản phẩm được xếp hạng ba sao trở lên."
    script.segments[4].spoken = script.segments[4].display = edit
    program = build_services(settings).pipeline.render(script, tmp_path / "b.mp3")
    new = _runs(counted_ffmpeg)[runs:]
    decodes = [r for r in new if "s16le" in r.split("-f")[-1] or "libmp3lame" not in r]
    encodes = [r for r in new if "libmp3lame" in r]
    assert len(encodes) == 1
    assert len(decodes) == 1  # the edited paragraph's new clip, nothing else
    assert [t.text for t in program.timings][4] == edit
