"""Stitching real clips (Google-style MP3 and eSpeak WAV) with real ffmpeg, tags and chapters."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from bantin_audio.audio.stitch import probe_duration_ms, stitch, trim_silence
from bantin_audio.engines.espeak import EspeakEngine
from bantin_audio.errors import AudioError, InputError
from bantin_audio.model import Segment, SegmentClip
from tests.fakes import SILENT_FRAME, speech_like_mp3


def _clips() -> list[SegmentClip]:
    texts = ["Tiêu đề bản tin", "Đoạn thứ nhất của bài viết, khá dài để có âm thanh dài hơn.",
             "Đoạn cuối."]
    clips = []
    for i, text in enumerate(texts):
        seg = Segment(i, "title" if i == 0 else "paragraph", text, text,
                      pause_ms=700 if i == 0 else 500)
        clips.append(SegmentClip(seg, speech_like_mp3(text), "mp3", "google"))
    seg = Segment(3, "author", "Thu Trang", "Thu Trang", pause_ms=0)
    clips.append(SegmentClip(seg, EspeakEngine().synthesize("Thu Trang"), "wav", "espeak"))
    return clips


def test_stitch_writes_cbr_mp3_with_timings_matching_decoded_audio(tmp_path: Path) -> None:
    out = tmp_path / "bai.mp3"
    program = stitch(_clips(), out, tags={"title": "Tiêu đề bản tin", "artist": "Thu Trang",
                                         "album": "Bản tin", "date": "2022-10-25",
                                         "source_url": "https://example.vn/bai"})
    info = MP3(out)
    assert info.info.bitrate == 32000
    assert info.info.channels == 1
    assert info.info.sample_rate == 24000
    decoded = probe_duration_ms(out)
    assert abs(decoded - program.duration_ms) < 150
    assert program.timings[-1].end_ms == program.duration_ms  # last pause is 0
    starts = [t.start_ms for t in program.timings]
    assert starts == sorted(starts) and starts[0] == 0
    # the pause after the title is in the map: the next segment starts 700 ms after it ends
    assert program.timings[1].start_ms - program.timings[0].end_ms == 700
    assert program.engines == {"google": 3, "espeak": 1}
    assert program.bytes == out.stat().st_size


def test_tags_and_one_chapter_per_segment(tmp_path: Path) -> None:
    out = tmp_path / "bai.mp3"
    program = stitch(_clips(), out, tags={"title": "Tiêu đề", "artist": "Thu Trang",
                                         "album": "Bản tin", "date": "2022-10-25",
                                         "source_url": "https://example.vn/bai"})
    tags = ID3(out)
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Tiêu đề"
    assert str(tags["TPE1"]) == "Thu Trang"
    assert str(tags["TLAN"]) == "vie"
    assert "https://example.vn/bai" in str(tags.getall("COMM")[0])
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert len(chapters) == len(program.timings)
    assert [(c.start_time, c.end_time) for c in chapters] == \
        [(t.start_ms, t.end_ms) for t in program.timings]
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]  # in reading order


def test_trim_cuts_silence_relative_to_the_clip() -> None:
    from bantin_audio.audio.stitch import decode_clip

    padded = SILENT_FRAME * 40 + speech_like_mp3("x" * 24) + SILENT_FRAME * 40
    seg = decode_clip(padded, "mp3", 24000)
    trimmed = trim_silence(seg)
    assert len(seg) - len(trimmed) > 1500  # most of the 2 x 960 ms of silence is gone
    assert len(trimmed) > 900  # the tone itself is kept


def test_webm_opus_rendition(tmp_path: Path) -> None:
    out = tmp_path / "bai.webm"
    program = stitch(_clips(), out, fmt="webm", bitrate_kbps=24)
    assert out.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML header
    assert abs(probe_duration_ms(out) - program.duration_ms) < 150


def test_undecodable_clip_fails_and_leaves_no_file(tmp_path: Path) -> None:
    seg = Segment(0, "title", "x", "x")
    bad = [SegmentClip(seg, b"not audio at all" * 10, "mp3", "google")]
    out = tmp_path / "bai.mp3"
    with pytest.raises(AudioError):
        stitch(bad, out)
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="không tồn tại"):
        stitch(_clips(), tmp_path / "no" / "such" / "bai.mp3")


def test_both_voices_come_out_at_the_same_level() -> None:
    from pydub import AudioSegment

    from bantin_audio.audio.stitch import prepare_clip

    seg = Segment(0, "paragraph", "x", "Đây là bản tin của đài truyền thanh xã.")
    google = SegmentClip(seg, speech_like_mp3("x" * 60), "mp3", "google")
    offline = SegmentClip(seg, EspeakEngine().synthesize(seg.spoken), "wav", "espeak")
    levels = []
    for clip in (google, offline):
        pcm = prepare_clip(clip, 24000)
        audio = AudioSegment(data=pcm, sample_width=2, frame_rate=24000, channels=1)
        levels.append(audio.dBFS)
        assert audio.max_dBFS <= -0.9  # no clipping
    assert abs(levels[0] - levels[1]) < 2.0


def test_batch_decoding_matches_one_by_one() -> None:
    from bantin_audio.audio.stitch import decode_clip, decode_clips

    clips = [(speech_like_mp3("x" * n), "mp3") for n in (12, 40, 90)]
    clips.insert(1, (EspeakEngine().synthesize("Tin thứ hai"), "wav"))
    batch = decode_clips(clips, 24000)
    single = [decode_clip(data, fmt, 24000) for data, fmt in clips]
    assert [len(s.raw_data) for s in batch] == [len(s.raw_data) for s in single]
    a, b = batch[2].get_array_of_samples(), single[2].get_array_of_samples()
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 2  # rounding only


def test_batch_with_a_bad_clip_names_it() -> None:
    from bantin_audio.audio.stitch import decode_clips

    clips = [(speech_like_mp3("x" * 20), "mp3"), (b"garbage" * 50, "mp3")]
    with pytest.raises(AudioError, match="Không giải mã được"):
        decode_clips(clips, 24000)


def test_phrases_are_timed_at_the_breath_between_them(tmp_path: Path) -> None:
    from bantin_audio.audio.stitch import phrase_bounds

    phrases = ["Ủy ban nhân dân xã thông báo lịch tiếp công dân trong tháng,",
               "mỗi thứ Năm tại trụ sở,",
               "từ bảy giờ ba mươi đến mười một giờ trưa, bà con mang theo giấy tờ tùy thân."]
    parts = [speech_like_mp3(p) for p in phrases]
    text = " ".join(phrases)
    shown = [(0, len(phrases[0])), (len(phrases[0]) + 1, len(phrases[0]) + 1 + len(phrases[1])),
             (len(phrases[0]) + len(phrases[1]) + 2, len(text))]
    clip = SegmentClip(Segment(0, "paragraph", text, text, pause_ms=0), b"".join(parts), "mp3",
                       "google")
    # The spoken lengths put the first cut half a second early (as a long number read out in
    # few characters would): the cuts must still land in the silences between the phrases.
    weights = [52, 31, 76]
    program = stitch([clip], tmp_path / "a.mp3",
                     phrasing=lambda seg: [(w, a, b) for w, (a, b) in zip(weights, shown,
                                                                             strict=True)])
    entry = program.timings[0]
    assert [(p["from"], p["to"]) for p in entry.phrases] == shown
    assert entry.phrases[0]["start_ms"] == entry.start_ms
    assert entry.phrases[-1]["end_ms"] == entry.end_ms
    # Where each phrase's own audio ends in the trimmed clip: its clip lengths, less the lead
    # silence that trimming took off (the clip keeps KEEP_EDGE_MS of it).
    lengths = [probe_duration_ms_bytes(p) for p in parts]
    lead = 5 * 1152 * 1000 // 24000 - 40
    junctions = [sum(lengths[:n + 1]) - lead for n in range(2)]
    got = [p["end_ms"] for p in entry.phrases[:2]]
    for junction, cut in zip(junctions, got, strict=True):
        assert abs(cut - junction) < 200, (junctions, got)  # inside the 480 ms of silence
    guess = entry.end_ms * 52 // 159  # what the weights alone would have said
    assert abs(guess - junctions[0]) > 400
    assert phrase_bounds(b"", 24000, [1]) == [0]


def probe_duration_ms_bytes(data: bytes) -> int:
    from bantin_audio.audio.stitch import decode_clip

    return len(decode_clip(data, "mp3", 24000))
