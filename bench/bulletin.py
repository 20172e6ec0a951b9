"""Bulletin build time and peak memory for 10, 30 and 60-minute programmes, from cached clips.

A handful of articles is synthesized once into a clip cache (Google-style MP3 clips from the
fake Google, or the offline eSpeak NG voice with --voice espeak); programmes of the requested
lengths repeat those articles as items, so every build reads its clips from the cache. Each
build runs in a child process (`build_bulletin`: stream the clips into one WAV with the
loudness meter alongside, then encode the broadcast MP3 at -23 LUFS), which reports its wall
time and its peak RSS and that of its ffmpeg children. In the same run, ffmpeg alone encodes the
same audio (the programme decoded once to a 24 kHz mono WAV, untimed) with the same encoder
settings. Prints each figure and the ratios against the targets: build time at most 1.5x
ffmpeg's, and the 60-minute build's peak RSS within 1.2x the 10-minute build's.

Usage: python bench/bulletin.py [--minutes 10 30 60] [--voice google|espeak] [--repeat 2]
                                [--verify]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bantin_audio.audio.ffmpeg import find_ffmpeg, run_ffmpeg  # noqa: E402
from bantin_audio.bulletin import (  # noqa: E402
    Bulletin,
    BulletinItem,
    StationSettings,
    build_bulletin,
    compose,
)
from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.model import Article  # noqa: E402
from bantin_audio.services import build_services  # noqa: E402

ENGINES = {"google": "gtts", "espeak": "espeak"}

SENTENCES = [
    "Bà con nông dân trong xã đang khẩn trương thu hoạch lúa vụ mùa trên các cánh đồng",
    "Năm nay năng suất lúa đạt khá, nhiều hộ gia đình phấn khởi vì được mùa được giá",
    "Trạm y tế xã tổ chức tiêm chủng mở rộng cho trẻ em dưới năm tuổi vào sáng thứ hai",
    "Đề nghị các gia đình đưa trẻ đến đúng giờ và mang theo sổ tiêm chủng của trẻ",
    "Các thôn cùng ra quân tổng vệ sinh đường làng, ngõ xóm và khơi thông cống rãnh",
    "Ủy ban nhân dân xã đề nghị mỗi gia đình cử ít nhất một người tham gia",
    "Hội nông dân xã phối hợp mở lớp tập huấn kỹ thuật chăm sóc cây ăn quả",
    "Đoàn thanh niên ra quân hỗ trợ người dân sửa chữa nhà cửa trước mùa mưa bão",
]


def articles(count: int = 6, paragraphs: int = 6) -> list[Article]:
    """Return `count` distinct articles of `paragraphs` paragraphs each."""
    out = []
    for n in range(count):
        paras = []
        for p in range(paragraphs):
            a = SENTENCES[(n + p) % len(SENTENCES)]
            b = SENTENCES[(n + 2 * p + 3) % len(SENTENCES)]
            paras.append(f"{a}. {b}, theo thông báo số {n * 10 + p + 1} của xã.")
        out.append(Article(title=f"Tin hoạt động số {n + 1} của xã Quang Thuận",
                           lead=SENTENCES[n % len(SENTENCES)] + ".", paragraphs=paras,
                           author="Phòng Văn hóa - Thông tin"))
    return out


def fake_google() -> responses.RequestsMock:
    """Return an active in-process fake Google answering real MP3 clips (parent only)."""
    from tests.fakes import GOOGLE_URL, FakeGoogle

    fake = FakeGoogle()
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return fake.answer(request.body or "")

    mock.add_callback(responses.POST, GOOGLE_URL, callback=callback)
    return mock


def bulletin_of(items: int, base: list[Article]) -> Bulletin:
    """Return a bulletin of `items` items cycling through `base`."""
    return Bulletin(items=[BulletinItem(base[i % len(base)]) for i in range(items)],
                    station=StationSettings(name="Đài truyền thanh xã Quang Thuận"),
                    date="2026-11-30")


def warm_cache(bulletin: Bulletin, settings: Settings, engine: str) -> None:
    """Synthesize every segment of `bulletin` into the clip cache."""
    services = build_services(settings, engine)
    try:
        for block in compose(bulletin, settings):
            services.pipeline.synthesize(block.script)
    finally:
        services.pipeline.close()


def child(spec_path: Path) -> None:
    """Build one bulletin from the cache and print time and peak RSS as JSON (child process)."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    settings = Settings(data_dir=Path(spec["data_dir"]))
    services = build_services(settings, spec["engine"])
    bulletin = Bulletin.from_dict(spec["bulletin"])
    started = time.perf_counter()
    result = build_bulletin(bulletin, services.pipeline, mp3_path=Path(spec["out"]),
                            verify=spec["verify"])
    elapsed = time.perf_counter() - started
    services.pipeline.close()
    report = result.loudness["mp3"]
    print(json.dumps({
        "elapsed": elapsed, "duration_ms": result.duration_ms,
        "rss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "lufs": report.output_integrated, "dbtp": report.output_true_peak,
        "mode": report.mode, "engines": result.engines,
    }))


def run_child(spec: dict, work: Path) -> dict:
    """Run one build in a child process and return what it reported."""
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, __file__, "--child", str(spec_path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ffmpeg_baseline(mp3: Path, work: Path, sample_rate: int) -> float:
    """Return ffmpeg's time to encode the same audio, from one WAV, with the same settings."""
    wav = work / "programme.wav"
    run_ffmpeg(["-y", "-i", str(mp3), "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le",
                str(wav)])
    started = time.perf_counter()
    subprocess.run([find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-i", str(wav), "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame",
                    "-b:a", "128k", "-f", "mp3", str(work / "ffmpeg.mp3")], check=True)
    elapsed = time.perf_counter() - started
    wav.unlink()
    return elapsed


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 30, 60])
    parser.add_argument("--voice", choices=sorted(ENGINES), default="google")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each build and of ffmpeg; the fastest of each counts")
    parser.add_argument("--verify", action="store_true",
                        help="measure each rendition after encoding, as the CLI does")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    engine = ENGINES[args.voice]
    with tempfile.TemporaryDirectory(prefix="bench-bulletin-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data")
        base = articles()
        mock = fake_google() if engine == "gtts" else None
        if mock is not None:
            mock.start()
        try:
            # One short build tells how long an item runs, to size the programmes.
            probe = bulletin_of(len(base), base)
            warm_cache(probe, settings, engine)
            probe_out = run_child({"data_dir": str(settings.data_dir), "engine": engine,
                                   "bulletin": probe.to_dict(), "out": str(work / "p.mp3"),
                                   "verify": False}, work)
            per_item_ms = probe_out["duration_ms"] / len(base)
            plans = {}
            for minutes in args.minutes:
                items = max(1, math.ceil(minutes * 60_000 / per_item_ms))
                plans[minutes] = bulletin_of(items, base)
                warm_cache(plans[minutes], settings, engine)  # only the announcements are new
        finally:
            if mock is not None:
                mock.stop()
                mock.reset()
        rows = []
        for minutes, bulletin in plans.items():
            out = work / f"ban-tin-{minutes}.mp3"
            # The machine is shared: keep the fastest of a few runs of each, in turn.
            runs, baselines = [], []
            for _ in range(max(1, args.repeat)):
                runs.append(run_child({"data_dir": str(settings.data_dir), "engine": engine,
                                       "bulletin": bulletin.to_dict(), "out": str(out),
                                       "verify": args.verify}, work))
                baselines.append(ffmpeg_baseline(out, work, settings.sample_rate))
            got = min(runs, key=lambda r: r["elapsed"])
            got["rss_self_kb"] = max(r["rss_self_kb"] for r in runs)
            got["rss_children_kb"] = max(r["rss_children_kb"] for r in runs)
            baseline = min(baselines)
            rows.append((minutes, len(bulletin.items), got, baseline))
            out.unlink()

    print(f"bulletin build from cached clips ({args.voice} clips, broadcast MP3 128 kbps, "
          f"-23 LUFS{', verified' if args.verify else ''})")
    print(f"{'target':>6} {'items':>5} {'length':>8} {'build s':>8} {'ffmpeg s':>8} "
          f"{'ratio':>6} {'RSS MB':>7} {'ffmpeg RSS MB':>13} {'RSS/10min':>9} {'LUFS':>6} "
          f"{'dBTP':>6}")
    first_rss = rows[0][2]["rss_self_kb"]
    for minutes, items, got, baseline in rows:
        length = got["duration_ms"] / 60_000
        print(f"{minutes:>4} m {items:>5} {length:>6.1f} m {got['elapsed']:>8.2f} "
              f"{baseline:>8.2f} {got['elapsed'] / baseline:>6.2f} "
              f"{got['rss_self_kb'] / 1024:>7.1f} {got['rss_children_kb'] / 1024:>13.1f} "
              f"{got['rss_self_kb'] / first_rss:>9.2f} {got['lufs']:>6.1f} {got['dbtp']:>6.1f}")
    worst_time = max(got["elapsed"] / baseline for _, _, got, baseline in rows)
    rss_ratio = rows[-1][2]["rss_self_kb"] / first_rss
    print(f"targets: time <= 1.5x ffmpeg (worst {worst_time:.2f}x: "
          f"{'met' if worst_time <= 1.5 else 'NOT met'}); peak RSS of the longest within 1.2x "
          f"the shortest ({rss_ratio:.2f}x: {'met' if rss_ratio <= 1.2 else 'NOT met'})")


if __name__ == "__main__":
    main()
