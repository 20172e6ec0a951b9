"""Bulletin build time and peak memory for 10, 30 and 60-minute programmes, from cached clips.

Measures the product's real path. A handful of articles is synthesized once into a clip cache
(Google-style MP3 clips from the fake Google, or the offline eSpeak NG voice with --voice
espeak); programmes of the requested lengths repeat those articles as items, so every build
reads its clips from the cache. Each build runs `build_bulletin` in a child process exactly as
the product calls it, loudness verification on, from one of two states of the cache:

  read    the articles were read before, as the service reads every article it publishes (and
          `bantin-audio read` does): their clips' decoded PCM is kept in the scratch cache, so
          the build decodes only the bulletin's own clips (intro, announcements, outro)
  clips   only the clips are cached (articles synthesized, never read alone): the build
          decodes every clip

Whatever PCM a build keeps for its own clips is removed before the next run, so every run of a
row is a first build of that bulletin (a rebuild would decode nothing at all).

  cli     `bantin-audio bulletin -o ban-tin.mp3`: the broadcast MP3 at -23 LUFS
  worker  the service's bulletin job: broadcast MP3 and 48 kHz WAV at -23 LUFS, the web MP3
          (64 kbps) at -16 LUFS, and the two cue sheets

Baseline, in the same run: ffmpeg alone encodes the same audio (the programme decoded once to
a 24 kHz mono WAV, untimed) into the same files with the same encoder settings, in one process
(one output for cli, three for worker), without any loudness work. Wall time counts (fastest of
--repeat runs, the machine being shared); CPU time (user + system of the process and all its
children) is printed beside it, since it does not depend on how busy the other cores are.

Memory: the build process's own peak RSS (getrusage(RUSAGE_SELF) in the child) and the peak RSS
of its ffmpeg children, read as VmHWM from /proc while they run (getrusage(RUSAGE_CHILDREN)
would report the parent's size: a child started by fork/vfork carries the parent's peak into
it). The baseline ffmpeg's peak is read the same way.

Targets: build time at most 1.5x ffmpeg's; the 60-minute build's peak RSS (build process and
ffmpeg children) within 1.2x the 10-minute build's.

Usage: python bench/bulletin.py [--minutes 10 30 60] [--paths cli worker]
                                [--cache read clips] [--voice google|espeak] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
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
    MP3_KBPS,
    MP3_RATE,
    WAV_RATE,
    WEB_MP3_KBPS,
    WEB_MP3_RATE,
    Bulletin,
    BulletinItem,
    StationSettings,
    build_bulletin,
    compose,
)
from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.model import Article  # noqa: E402
from bantin_audio.services import build_services  # noqa: E402
from bantin_audio.speech.script import build_script  # noqa: E402

ENGINES = {"google": "gtts", "espeak": "espeak"}
# What each path writes: (kind, file name); the worker's names are those of its job.
OUTPUTS = {
    "cli": [("mp3", "ban-tin.mp3")],
    "worker": [("mp3", "ban-tin.mp3"), ("wav", "ban-tin.wav"), ("web", "ban-tin-web.mp3"),
               ("cue_csv", "ban-tin.csv"), ("cue_text", "ban-tin.txt")],
}
# ffmpeg's encoder options per audio kind, the same the product uses.
BASELINE_ENCODERS = {
    "mp3": ["-ar", str(MP3_RATE), "-c:a", "libmp3lame", "-b:a", f"{MP3_KBPS}k", "-f", "mp3"],
    "wav": ["-ar", str(WAV_RATE), "-c:a", "pcm_s16le", "-f", "wav"],
    "web": ["-ar", str(WEB_MP3_RATE), "-c:a", "libmp3lame", "-b:a", f"{WEB_MP3_KBPS}k",
            "-f", "mp3"],
}

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


def read_articles(base: list[Article], settings: Settings, engine: str, out: Path) -> None:
    """Read each article alone as the service does when it publishes it (clips and PCM kept)."""
    services = build_services(settings, engine)
    try:
        for n, article in enumerate(base):
            services.pipeline.render(build_script(article, settings), out / f"tin-{n}.mp3")
    finally:
        services.pipeline.close()
    for p in out.glob("tin-*.mp3"):
        p.unlink()


class KeptPcm:
    """The scratch cache's decoded clips: what a build adds is removed after it."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.clip_cache_dir / "pcm"
        self.before: set[Path] = set()

    def files(self) -> set[Path]:
        return set(self.root.glob("*/*")) if self.root.is_dir() else set()

    def mark(self) -> None:
        self.before = self.files()

    def restore(self) -> int:
        added = self.files() - self.before
        for p in added:
            p.unlink()
        return len(added)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def stash(self) -> None:
        """Set the kept PCM aside (the cache then holds the clips alone)."""
        self.root.rename(self.root.with_name("pcm-aside"))

    def unstash(self) -> None:
        """Put the PCM set aside back in place of whatever is there."""
        self.clear()
        self.root.with_name("pcm-aside").rename(self.root)


def child(spec_path: Path) -> None:
    """Build one bulletin from the cache as the product does; print time and memory as JSON."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    settings = Settings(data_dir=Path(spec["data_dir"]))
    services = build_services(settings, spec["engine"])
    bulletin = Bulletin.from_dict(spec["bulletin"])
    out = Path(spec["out_dir"])
    paths = {f"{kind}_path" if kind in ("mp3", "wav") else
             {"web": "web_mp3_path", "cue_csv": "cue_csv_path",
              "cue_text": "cue_text_path"}[kind]: out / name
             for kind, name in OUTPUTS[spec["path"]]}
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    # verify is left at its default (on), as the CLI and the worker leave it.
    result = build_bulletin(bulletin, services.pipeline, loudness="broadcast", **paths)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    services.pipeline.close()
    print(json.dumps({
        "elapsed": elapsed, "cpu": cpu, "duration_ms": result.duration_ms,
        "rss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "loudness": {k: [r.output_integrated, r.output_true_peak, r.mode, r.verified]
                     for k, r in result.loudness.items()},
        "engines": result.engines,
    }))


def _cpu_seconds() -> float:
    """Return the CPU time used so far by this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _descendants(root: int) -> list[int]:
    """Return the pids of every process below `root`, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for kid in parents.get(stack.pop(), []):
            found.append(kid)
            stack.append(kid)
    return found


def _peak_kb(pid: int) -> tuple[str, int]:
    """Return a process's name and its peak RSS since exec (VmHWM), or ("", 0)."""
    name, peak = "", 0
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("Name:"):
                    name = line.split()[1]
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
    except OSError:
        pass
    return name, peak


def watched(cmd: list[str]) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """Run `cmd`; return its result, the peak RSS (KB) of its ffmpeg descendants, CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        for pid in [proc.pid, *_descendants(proc.pid)]:
            name, kb = _peak_kb(pid)
            if name.startswith("ffmpeg"):
                peak = max(peak, kb)
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), peak, cpu


def run_child(spec: dict, work: Path) -> dict:
    """Run one build in a child process and return what it reported, with memory and CPU."""
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    proc, ffmpeg_kb, _ = watched([sys.executable, __file__, "--child", str(spec_path)])
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr}")
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    got["ffmpeg_rss_kb"] = ffmpeg_kb
    return got


def ffmpeg_baseline(path: str, out_dir: Path, work: Path, sample_rate: int
                    ) -> tuple[float, float, int]:
    """Return ffmpeg's (wall s, CPU s, peak RSS KB) encoding the same audio into the same files."""
    wav = work / "programme.wav"
    run_ffmpeg(["-y", "-i", str(out_dir / "ban-tin.mp3"), "-ac", "1", "-ar", str(sample_rate),
                "-c:a", "pcm_s16le", str(wav)])
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav)]
    for kind, _name in OUTPUTS[path]:
        if kind in BASELINE_ENCODERS:
            cmd += ["-map", "0:a", "-ac", "1", *BASELINE_ENCODERS[kind],
                    str(work / f"ffmpeg-{kind}")]
    started = time.perf_counter()
    proc, peak, cpu = watched(cmd)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"ffmpeg failed:\n{proc.stderr}")
    wav.unlink()
    for kind, _name in OUTPUTS[path]:
        (work / f"ffmpeg-{kind}").unlink(missing_ok=True)
    return elapsed, cpu, peak


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 30, 60])
    parser.add_argument("--paths", nargs="+", choices=sorted(OUTPUTS), default=["cli", "worker"])
    parser.add_argument("--cache", nargs="+", choices=["read", "clips"], default=["read", "clips"],
                        help="state of the cache before the builds (see above)")
    parser.add_argument("--voice", choices=sorted(ENGINES), default="google")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each build and of ffmpeg; the fastest of each counts")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    engine = ENGINES[args.voice]
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-bulletin-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data")
        out_dir = work / "out"
        out_dir.mkdir()
        base = articles()
        mock = fake_google() if engine == "gtts" else None
        if mock is not None:
            mock.start()
        try:
            # One short build tells how long an item runs, to size the programmes.
            probe = bulletin_of(len(base), base)
            warm_cache(probe, settings, engine)
            probe_out = run_child({"data_dir": str(settings.data_dir), "engine": engine,
                                   "bulletin": probe.to_dict(), "out_dir": str(out_dir),
                                   "path": "cli"}, work)
            per_item_ms = probe_out["duration_ms"] / len(base)
            plans = {}
            for minutes in args.minutes:
                items = max(1, math.ceil(minutes * 60_000 / per_item_ms))
                plans[minutes] = bulletin_of(items, base)
                warm_cache(plans[minutes], settings, engine)  # only the announcements are new
            kept = KeptPcm(settings)
            kept.clear()  # the probe build kept its PCM
            # The articles read alone (their titles too), then their PCM set aside for "clips".
            read_articles(base, settings, engine, out_dir)
            kept.stash()
        finally:
            if mock is not None:
                mock.stop()
                mock.reset()
        rows = []
        # "clips" first: reading the articles (for "read") keeps their PCM for good.
        for state in sorted(args.cache, key=["clips", "read"].index):
            if state == "read":
                kept.unstash()
            for path in args.paths:
                for minutes, bulletin in plans.items():
                    # The machine is shared: keep the fastest of a few runs of each, in turn.
                    runs, baselines = [], []
                    for _ in range(max(1, args.repeat)):
                        kept.mark()
                        runs.append(run_child({"data_dir": str(settings.data_dir),
                                               "engine": engine, "bulletin": bulletin.to_dict(),
                                               "out_dir": str(out_dir), "path": path}, work))
                        kept.restore()  # the next run is a first build again
                        baselines.append(ffmpeg_baseline(path, out_dir, work,
                                                         settings.sample_rate))
                    got = min(runs, key=lambda r: r["elapsed"])
                    got["cpu"] = min(r["cpu"] for r in runs)
                    got["rss_self_kb"] = max(r["rss_self_kb"] for r in runs)
                    got["ffmpeg_rss_kb"] = max(r["ffmpeg_rss_kb"] for r in runs)
                    base_wall = min(b[0] for b in baselines)
                    base_cpu = min(b[1] for b in baselines)
                    base_rss = max(b[2] for b in baselines)
                    rows.append((state, path, minutes, len(bulletin.items), got, base_wall,
                                 base_cpu, base_rss))
                    for p in out_dir.iterdir():
                        p.unlink()

    print(f"bulletin build from cached clips ({args.voice} clips), loudness verification on; "
          f"load average before: {load_before}")
    print(f"{'cache':>5} {'path':>6} {'target':>6} {'items':>5} {'length':>8} {'build s':>8} "
          f"{'ffmpeg s':>8} {'ratio':>6} {'CPU ratio':>9} {'RSS MB':>7} {'ffmpeg RSS MB':>13} "
          f"{'base ffmpeg MB':>14}  loudness (LUFS / dBTP)")
    worst: dict[str, float] = {}
    flat = []
    for state in args.cache:
        for path in args.paths:
            mine = [r for r in rows if r[0] == state and r[1] == path]
            first = mine[0][4]
            for _, _, minutes, items, got, base_wall, base_cpu, base_rss in mine:
                length = got["duration_ms"] / 60_000
                ratio = got["elapsed"] / base_wall
                worst[state] = max(worst.get(state, 0.0), ratio)
                loud = ", ".join(f"{k} {v[0]:.1f}/{v[1]:.1f}"
                                 for k, v in got["loudness"].items())
                print(f"{state:>5} {path:>6} {minutes:>4} m {items:>5} {length:>6.1f} m "
                      f"{got['elapsed']:>8.2f} {base_wall:>8.2f} {ratio:>6.2f} "
                      f"{got['cpu'] / base_cpu:>9.2f} {got['rss_self_kb'] / 1024:>7.1f} "
                      f"{got['ffmpeg_rss_kb'] / 1024:>13.1f} {base_rss / 1024:>14.1f}  {loud}")
            last = mine[-1][4]
            flat.append((state, path, last["rss_self_kb"] / first["rss_self_kb"],
                         last["ffmpeg_rss_kb"] / max(1, first["ffmpeg_rss_kb"])))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for state, ratio in worst.items():
        print(f"target ({state}): build time <= 1.5x ffmpeg (worst {ratio:.2f}x: "
              f"{'met' if ratio <= 1.5 else 'NOT met'})")
    for state, path, own, kids in flat:
        ok = own <= 1.2 and kids <= 1.2
        print(f"target ({state}): {path} peak RSS of the longest within 1.2x the shortest "
              f"(process {own:.2f}x, ffmpeg {kids:.2f}x: {'met' if ok else 'NOT met'})")

if __name__ == "__main__":
    main()
