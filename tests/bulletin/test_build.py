"""Real bulletin builds: renditions, durations, cue sheets against the decoded audio, chapters."""

from __future__ import annotations

import array
import csv
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from bantin_audio.audio.stitch import probe_duration_ms
from bantin_audio.bulletin import (
    Bulletin,
    OverrunWarning,
    build_bulletin,
    compose,
    cue_sheet_text,
    overrun,
)
from bantin_audio.errors import InputError
from bantin_audio.services import Services
from tests.bulletin.builds import Built, build, make_bulletin, make_tone, onsets_ms

TOLERANCE_MS = 50


def test_mp3_is_cbr_128_kbps_44k_mono_and_wav_is_48k_16_bit(broadcast: Built) -> None:
    info = MP3(broadcast.mp3).info
    assert (info.bitrate, info.sample_rate, info.channels) == (128000, 44100, 1)
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    with wave.open(str(broadcast.wav)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (48000, 2, 1)


def test_both_renditions_decode_to_the_programme_length(broadcast: Built) -> None:
    expected = broadcast.result.duration_ms
    assert expected > 20_000  # three items with intro and outro
    assert abs(probe_duration_ms(broadcast.wav) - expected) <= 30
    assert abs(probe_duration_ms(broadcast.mp3) - expected) <= 60  # MP3 frame padding


def test_cue_sheet_starts_match_the_decoded_audio(broadcast: Built) -> None:
    cues = broadcast.result.cues
    assert [c.kind for c in cues] == ["intro", "item", "item", "item", "outro"]
    # Every part after the intro follows a 1.5 s transition: sound resumes where it starts.
    for path in (broadcast.mp3, broadcast.wav):
        found = onsets_ms(path)
        assert len(found) == 4, (path, found)
        for cue, onset in zip(cues[1:], found, strict=True):
            assert abs(onset - cue.start_ms) <= TOLERANCE_MS, (path.name, cue, onset)


def test_csv_and_printable_cue_sheets(broadcast: Built) -> None:
    with broadcast.csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["STT"] for r in rows] == ["", "1", "2", "3", ""]
    titles = [a.article.title for a in broadcast.bulletin.items]
    assert [r["Tiêu đề"] for r in rows[1:4]] == titles
    assert rows[0]["Tiêu đề"] == "Lời giới thiệu" and rows[-1]["Tiêu đề"] == "Lời kết"
    for row, cue in zip(rows, broadcast.result.cues, strict=True):
        assert int(row["Bắt đầu (ms)"]) == cue.start_ms
        assert int(row["Thời lượng (ms)"]) == cue.duration_ms
    assert rows[2]["Bắt đầu"] == _clock(broadcast.result.cues[2].start_ms)
    text = broadcast.txt.read_text(encoding="utf-8")
    assert text.startswith("Bản tin Đài truyền thanh xã Quang Thuận ngày 25/10/2022\n")
    assert all(t in text for t in titles)
    assert text == cue_sheet_text(broadcast.result.cues, heading=text.splitlines()[0],
                                  duration_ms=broadcast.result.duration_ms)


def _clock(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{milli:03d}"


def test_one_id3_chapter_per_item_at_the_cue_times(broadcast: Built) -> None:
    tags = ID3(broadcast.mp3)
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    items = broadcast.result.items
    assert len(chapters) == 3
    for chap, cue in zip(chapters, items, strict=True):
        assert (chap.start_time, chap.end_time) == (cue.start_ms, cue.end_ms)
        assert str(chap.sub_frames["TIT2"]) == f"Tin thứ {cue.number}: {cue.title}"
    assert str(tags["TIT2"]) == "Bản tin Đài truyền thanh xã Quang Thuận ngày 25/10/2022"
    assert str(tags["TPE1"]) == "Đài truyền thanh xã Quang Thuận"


def test_what_is_read_intro_announcements_outro(broadcast: Built, services: Services) -> None:
    blocks = compose(broadcast.bulletin, services.settings)
    intro = blocks[0].script.segments[0].spoken
    assert intro.startswith("Đây là Đài truyền thanh xã Quang Thuận. Bản tin ngày hai mươi "
                            "lăm tháng mười năm hai nghìn không trăm hai mươi hai")
    announcements = [b.script.segments[0] for b in blocks[1:4]]
    assert [a.display.split(":")[0] for a in announcements] == \
        ["Tin thứ 1", "Tin thứ 2", "Tin thứ 3"]
    assert [a.spoken.split(":")[0] for a in announcements] == \
        ["Tin thứ nhất", "Tin thứ hai", "Tin thứ ba"]
    # the title is read once, in the announcement
    assert all(s.kind != "title" for b in blocks for s in b.script.segments)
    assert blocks[-1].script.segments[0].spoken.startswith("Bản tin đến đây là kết thúc")


def test_fourth_and_fifth_items_read_thu_tu_thu_nam(services: Services) -> None:
    bulletin = make_bulletin()
    bulletin.items = bulletin.items + bulletin.items[:2]
    spoken = [b.script.segments[0].spoken for b in compose(bulletin, services.settings)[1:-1]]
    assert [s.split(":")[0] for s in spoken][3:] == ["Tin thứ tư", "Tin thứ năm"]


def test_stereo_on_request(services: Services, tmp_path: Path) -> None:
    built = build(services, tmp_path, stereo=True)
    assert MP3(built.mp3).info.channels == 2
    with wave.open(str(built.wav)) as wav:
        assert wav.getnchannels() == 2


def test_slower_tempo_stretches_audio_and_cue_sheet(services: Services, broadcast: Built,
                                                    tmp_path: Path) -> None:
    slow = build(services, tmp_path, tempo=0.8)
    base = broadcast.result.duration_ms
    assert slow.result.duration_ms == pytest.approx(base / 0.8, rel=0.01)
    assert abs(probe_duration_ms(slow.wav) - slow.result.duration_ms) <= 60
    for cue, onset in zip(slow.result.cues[1:], onsets_ms(slow.wav), strict=True):
        assert abs(onset - cue.start_ms) <= TOLERANCE_MS
    for fast_cue, slow_cue in zip(broadcast.result.cues, slow.result.cues, strict=True):
        assert slow_cue.start_ms == pytest.approx(fast_cue.start_ms / 0.8, abs=2)


def test_chime_between_items(services: Services, broadcast: Built, tmp_path: Path) -> None:
    chime = make_tone(tmp_path / "nhac.mp3", seconds=0.6, codec="libmp3lame")
    built = build(services, tmp_path / "out", chime_path=str(chime))
    # four transitions: 2 x 400 ms around the chime instead of the 1.5 s pause
    chime_ms = probe_duration_ms(chime)
    expected = broadcast.result.duration_ms + 4 * (800 + chime_ms - 1500)
    assert built.result.duration_ms == pytest.approx(expected, abs=4 * 30)
    # the chime is sound where the pause was silence: no long silences left
    assert onsets_ms(built.wav) == []


def test_over_length_warning_names_overrun_and_longest_items(broadcast: Built) -> None:
    cues = broadcast.result.cues
    warning = overrun(cues, broadcast.result.duration_ms, 0.25)
    assert isinstance(warning, OverrunWarning)
    assert warning.overrun_ms == broadcast.result.duration_ms - 15_000
    by_length = sorted(broadcast.result.items, key=lambda c: -c.duration_ms)
    assert warning.longest == by_length
    assert warning.message.startswith("Bản tin dài ")
    assert "vượt" in warning.message and by_length[0].title in warning.message
    assert overrun(cues, broadcast.result.duration_ms, 60) is None
    assert overrun(cues, broadcast.result.duration_ms, None) is None


def test_build_reports_the_warning_when_over_target(services: Services, tmp_path: Path) -> None:
    built = build(services, tmp_path, target_minutes=0.1)
    assert built.result.warning is not None
    assert built.result.warning.target_ms == 6000


@pytest.mark.parametrize("tempo", [0.79, 1.21, 2.0, float("nan")])
def test_tempo_out_of_range_is_refused_before_any_file(services: Services, tmp_path: Path,
                                                      tempo: float) -> None:
    with pytest.raises(InputError, match="Tốc độ đọc .* ngoài khoảng cho phép 0,8–1,2"):
        build(services, tmp_path, tempo=tempo)
    assert list(tmp_path.iterdir()) == []


def test_empty_bulletin_is_refused(services: Services, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Bản tin chưa có bài viết nào"):
        build_bulletin(Bulletin(), services.pipeline, mp3_path=tmp_path / "b.mp3")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"not audio at all", b"RIFF\0\0\0\0WAVEjunk",
                                     b"\xff\xfb" + b"\0" * 40])
def test_unreadable_chime_is_refused_and_leaves_no_file(services: Services, tmp_path: Path,
                                                        content: bytes) -> None:
    chime = tmp_path / "nhac.wav"
    chime.write_bytes(content)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError, match="nhạc chuyển tin"):
        build(services, out, chime_path=str(chime))
    assert list(out.iterdir()) == []


def test_missing_chime_is_refused(services: Services, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Không tìm thấy tệp nhạc chuyển tin"):
        build(services, tmp_path / "x", chime_path=str(tmp_path / "khong-co.mp3"))
    assert not (tmp_path / "x").exists() or list((tmp_path / "x").iterdir()) == []


def test_a_failure_midway_leaves_no_partial_file(services: Services, tmp_path: Path) -> None:
    bulletin = make_bulletin()
    missing_dir = tmp_path / "khong-co" / "b.wav"
    with pytest.raises(InputError, match="không tồn tại"):
        build_bulletin(bulletin, services.pipeline, mp3_path=tmp_path / "b.mp3",
                       wav_path=missing_dir)
    assert list(tmp_path.iterdir()) == []


def test_a_rebuild_reads_every_clip_from_the_cache(services: Services, broadcast: Built,
                                                   google_module, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = google_module.requests
    stages: list[str] = []
    result = build_bulletin(make_bulletin(), services.pipeline, mp3_path=tmp_path / "b.mp3",
                            progress=lambda p: stages.append(p.stage), verify=False)
    assert google_module.requests == before
    assert result.engines == broadcast.result.engines == {"google": 11}
    # speaking runs ahead of stitching in another thread: the two interleave, then loudness
    assert stages[0] == "synthesize" and stages[-2:] == ["loudness", "done"]
    assert set(stages) == {"synthesize", "stitch", "loudness", "done"}
    assert stages.count("stitch") == 11
    assert result.cues == broadcast.result.cues


def test_an_item_without_headline_is_announced_by_number(services: Services) -> None:
    bulletin = make_bulletin()
    bulletin.items[1].article.title = None
    blocks = compose(bulletin, services.settings)
    announcement = blocks[2].script.segments[0]
    assert announcement.display == "Tin thứ 2."
    assert announcement.spoken == "Tin thứ hai."
    assert blocks[2].title == bulletin.items[1].article.headline
    assert blocks[2].script.segments[1].kind == "lead"


def test_items_are_stitched_while_later_items_are_spoken(tmp_path: Path, google_module,  # type: ignore[no-untyped-def]
                                                        settings) -> None:
    from bantin_audio.services import build_services

    # A slow voice on a fresh cache: the first item must be in the programme before the last
    # is spoken.
    services = build_services(settings.replace(engine="gtts"), "gtts")
    events: list[tuple[str, int]] = []
    google_module.delay = 0.05
    try:
        build_bulletin(make_bulletin(), services.pipeline, mp3_path=tmp_path / "b.mp3",
                       verify=False, progress=lambda p: events.append((p.stage, p.done)))
    finally:
        google_module.delay = 0.0
        services.pipeline.close()
    first_stitch = events.index(("stitch", 1))
    last_spoken = max(i for i, (stage, _) in enumerate(events) if stage == "synthesize")
    assert first_stitch < last_spoken


def _clips_decoded(log_path: Path) -> int:
    """Count the clips ffmpeg decoded, from the wrapper's log (batches and single clips)."""
    runs = log_path.read_text().splitlines() if log_path.exists() else []
    batched = sum(run.split().count("-i") for run in runs if "bantin-decode-" in run)
    single = sum(1 for run in runs if "bantin-decode-" not in run and run.endswith("-f wav -"))
    return batched + single


def test_a_bulletin_of_articles_already_read_decodes_only_its_own_announcements(
        google_module, settings, tmp_path: Path, counted_ffmpeg: Path) -> None:  # type: ignore[no-untyped-def]
    from bantin_audio.services import build_services
    from bantin_audio.speech.script import build_script

    services = build_services(settings.replace(engine="gtts"), "gtts")
    try:
        bulletin = make_bulletin()
        read = set()
        for n, item in enumerate(bulletin.items):  # as the worker reads each article first
            script = build_script(item.article, services.settings)
            services.pipeline.render(script, tmp_path / f"tin-{n}.mp3")
            read |= {seg.spoken for seg in script.segments}
        own = [seg for block in compose(bulletin, services.settings)
               for seg in block.script.segments if seg.spoken not in read]
        assert len(own) == len(bulletin.items) + 2  # announcements, the intro and the outro
        counted_ffmpeg.unlink(missing_ok=True)
        first = build_bulletin(bulletin, services.pipeline, wav_path=tmp_path / "a.wav")
        # PCM is kept by content (the fake Google's audio depends only on the text's length,
        # so some announcements sound as an article's paragraph and are not decoded at all)
        own_audio = {services.pipeline.cached_clip(seg).audio for seg in own}  # type: ignore[union-attr]
        read_audio = {services.pipeline.cached_clip(seg).audio  # type: ignore[union-attr]
                      for block in compose(bulletin, services.settings)
                      for seg in block.script.segments if seg.spoken in read}
        assert own_audio - read_audio
        assert len(own_audio - read_audio) <= _clips_decoded(counted_ffmpeg) <= len(own)
        # built again (a changed setting, an approval): no clip is decoded at all
        counted_ffmpeg.unlink()
        again = build_bulletin(bulletin, services.pipeline, wav_path=tmp_path / "b.wav")
        assert _clips_decoded(counted_ffmpeg) == 0
        assert counted_ffmpeg.read_text()  # it did run ffmpeg: the meter and the rendition
    finally:
        services.pipeline.close()
    assert again.cues == first.cues
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def test_kept_pcm_sounds_as_a_fresh_decode(google_module, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bantin_audio.services import build_services

    # Two caches with the same clips: one keeps the PCM of articles read alone (one clip
    # at a time), the other decodes in batches during the build; the programmes are equal.
    outputs = []
    for name, read_first in (("a", True), ("b", False)):
        services = build_services(settings.replace(engine="gtts",
                                                   data_dir=tmp_path / name), "gtts")
        try:
            bulletin = make_bulletin()
            if read_first:
                for block in compose(bulletin, services.settings):
                    services.pipeline.render(block.script, tmp_path / f"{name}.mp3")
            build_bulletin(bulletin, services.pipeline, wav_path=tmp_path / f"{name}.wav")
        finally:
            services.pipeline.close()
        with wave.open(str(tmp_path / f"{name}.wav")) as wav:
            outputs.append(array.array("h", wav.readframes(wav.getnframes())))
    assert len(outputs[0]) == len(outputs[1]) > 0
    # ffmpeg's fixed-point and floating-point MP3 decoders differ by a rounding step at most
    assert max(abs(a - b) for a, b in zip(*outputs, strict=True)) <= 4
