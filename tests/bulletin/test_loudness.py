"""Loudness on real builds, measured with ffmpeg's ebur128, and the normalizer on its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bantin_audio.audio.ffmpeg import find_ffmpeg
from bantin_audio.audio.loudness import (
    TARGETS,
    LoudnessMeasurement,
    analyze_loudness,
    measure_loudness,
    normalize_loudness,
    parse_ebur128_summary,
    plan_gain,
)
from bantin_audio.engines.espeak import EspeakEngine
from bantin_audio.errors import AudioError, InputError
from bantin_audio.services import Services
from tests.bulletin.builds import Built, build


def test_broadcast_build_meets_ebu_r128(broadcast: Built) -> None:
    for path in (broadcast.mp3, broadcast.wav):
        integrated, true_peak = measure_loudness(path)
        assert integrated == pytest.approx(-23.0, abs=1.0), path.name
        assert true_peak <= -1.0, path.name
    report = broadcast.result.loudness["mp3"]
    assert report.verified and report.target == "broadcast"
    # Reported from what the encoder was fed (no second decode), less the encoder's known loss.
    in_file = measure_loudness(broadcast.mp3)
    assert report.output_integrated == pytest.approx(in_file.integrated, abs=0.2)
    # Peaks far under the ceiling are reported as a bound (sample peak + 1 dB), which holds for
    # the encoded file up to the encoder's overshoot (the headroom kept for lossy formats).
    assert report.true_peak_bound
    assert in_file.true_peak <= report.output_true_peak + 0.5 <= -1.0


def test_web_build_is_minus_16_lufs(services: Services, tmp_path: Path) -> None:
    built = build(services, tmp_path, loudness="web")
    for path in (built.mp3, built.wav):
        integrated, true_peak = measure_loudness(path)
        assert integrated == pytest.approx(-16.0, abs=1.0), path.name
        assert true_peak <= -1.0, path.name


SPEECH = ("Sáng nay, bà con nông dân xã Quang Thuận khẩn trương thu hoạch lúa vụ mùa. "
          "Năm nay năng suất lúa đạt khá, nhiều hộ phấn khởi vì được mùa được giá. "
          "Trạm y tế xã tổ chức tiêm chủng cho trẻ em dưới năm tuổi vào sáng thứ hai.")


def _speech(path: Path) -> Path:
    """Real speech from the offline voice: its peaks sit ~18 dB above its loudness."""
    path.write_bytes(EspeakEngine().synthesize(SPEECH))
    return path


def test_speech_pushed_to_web_loudness_goes_through_the_limiter(tmp_path: Path) -> None:
    src = _speech(tmp_path / "giong.wav")
    before = analyze_loudness(src)
    assert before.true_peak + (-16.0 - before.integrated) > -1.0  # a plain gain would clip
    for fmt, name in (("wav", "out.wav"), ("mp3", "out.mp3")):
        report = normalize_loudness(src, tmp_path / name, target="web", fmt=fmt,
                                    sample_rate=48000 if fmt == "wav" else 44100)
        assert report.mode == "limited"
        integrated, true_peak = measure_loudness(tmp_path / name)
        assert true_peak <= -1.0, fmt
        assert integrated == pytest.approx(-16.0, abs=1.0), fmt
        assert report.output_integrated == integrated


def test_single_article_broadcast_download(tmp_path: Path) -> None:
    src = _speech(tmp_path / "bai.wav")
    report = normalize_loudness(src, tmp_path / "bai.mp3", target="broadcast")
    integrated, true_peak = measure_loudness(tmp_path / "bai.mp3")
    assert integrated == pytest.approx(-23.0, abs=1.0) and true_peak <= -1.0
    assert report.output_integrated == integrated and report.verified
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bai.mp3", "bai.wav"]


def test_silence_cannot_be_normalized_and_leaves_no_file(tmp_path: Path) -> None:
    src = tmp_path / "im-lang.wav"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "anullsrc=r=24000:cl=mono", "-t", "3", "-c:a", "pcm_s16le", str(src)],
                   check=True)
    with pytest.raises(AudioError, match="im lặng"):
        normalize_loudness(src, tmp_path / "out.mp3")
    assert not (tmp_path / "out.mp3").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["im-lang.wav"]


def test_unknown_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Chuẩn độ lớn không hợp lệ"):
        normalize_loudness(tmp_path / "a.wav", tmp_path / "b.mp3", target="radio")


def test_plan_uses_one_gain_when_peaks_allow() -> None:
    measured = LoudnessMeasurement(integrated=-30.0, threshold=-40.0, lra=5.0, true_peak=-12.0)
    plan = plan_gain(measured, TARGETS["broadcast"], headroom_db=1.0)
    assert (plan.mode, plan.filter) == ("linear", "volume=7.00dB")
    loud = LoudnessMeasurement(integrated=-30.0, threshold=-40.0, lra=5.0, true_peak=-3.0)
    limited = plan_gain(loud, TARGETS["web"], headroom_db=1.0)
    assert limited.mode == "limited"
    assert limited.filter == ("volume=14.00dB,aresample=192000,"
                              "alimiter=limit=-2.30dB:level=false:attack=1:release=50")
    # a previous attempt 1.5 LU short: aim 1.5 LU higher
    assert plan_gain(loud, TARGETS["web"], headroom_db=1.0, bias_lu=-1.5).gain_db == 15.5


def test_summary_parsing() -> None:
    log = ("[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n"
           "    I:         -23.4 LUFS\n    Threshold: -33.6 LUFS\n\n  Loudness range:\n"
           "    LRA:         4.2 LU\n    Threshold: -43.7 LUFS\n\n  True peak:\n"
           "    Peak:       -3.1 dBFS\n")
    assert parse_ebur128_summary(log) == LoudnessMeasurement(-23.4, -33.6, 4.2, -3.1)
    with pytest.raises(AudioError):
        parse_ebur128_summary("no summary here")


def test_meter_abort_never_breaks_the_thread_draining_its_log() -> None:
    """Abort stops ffmpeg and lets the log reader take everything before the pipe is closed."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from bantin_audio.audio.loudness import LoudnessMeter

    failures: list[BaseException | None] = []
    previous = threading.excepthook

    def record(args: threading.ExceptHookArgs) -> None:
        failures.append(args.exc_value)

    second = bytes(range(256)) * 188  # about one second of noise at 24 kHz

    def run_and_abort(n: int) -> None:
        # ashowinfo logs a line per frame: the pipe holds more log than one read takes when
        # ffmpeg dies, which is when a pipe closed under the reader used to break it.
        meter = LoudnessMeter(24000, filters="ashowinfo")
        for _ in range(1 + n % 4):
            meter.feed(second)
        meter.abort()

    threading.excepthook = record
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(run_and_abort, range(24)))
    finally:
        threading.excepthook = previous
    assert failures == []


def test_every_rendition_from_one_pass_meets_its_own_target(tmp_path: Path) -> None:
    """Broadcast MP3 and WAV (-23 LUFS), web MP3 (-16, limited) and a stereo copy, in one go."""
    from bantin_audio.audio.loudness import Rendition, render_renditions

    src = _speech(tmp_path / "giong.wav")
    measured = analyze_loudness(src)
    renditions = {
        "mp3": Rendition(tmp_path / "b.mp3", "mp3", 44100, "broadcast", 1, 128),
        "wav": Rendition(tmp_path / "b.wav", "wav", 48000, "broadcast"),
        "web": Rendition(tmp_path / "w.mp3", "mp3", 44100, "web", 1, 64),
        "stereo": Rendition(tmp_path / "s.mp3", "mp3", 44100, "broadcast", 2, 128),
    }
    reports = render_renditions(src, measured, renditions)
    assert reports["web"].mode == "limited" and reports["mp3"].mode == "linear"
    assert not reports["web"].true_peak_bound  # through the limiter: always oversampled
    for kind, rendition in renditions.items():
        integrated, true_peak = measure_loudness(rendition.path)
        expected = -16.0 if rendition.target == "web" else -23.0
        assert integrated == pytest.approx(expected, abs=0.5), kind
        assert true_peak <= -1.0, kind
        report = reports[kind]
        assert report.verified and report.target == rendition.target
        assert report.output_integrated == pytest.approx(integrated, abs=0.3), kind
        assert report.output_true_peak <= -1.0, kind
