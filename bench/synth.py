"""Synthesis speed on the reference article against a fake Google that answers after a delay.

Measures, for the seed article (../shared/seed), with Google faked in-process (the real gTTS code
runs; only the HTTP answer is local) and a fixed delay per request:
  - our pipeline at default settings: time until the first segment is ready, total time, requests;
  - a repeated run: requests made (the clip cache should answer everything);
  - the naive baseline in the same run: one gTTS call per paragraph, one after another, gTTS
    chunking the text itself.
Prints the figures and the ratios.  Usage: python bench/synth.py [--delay 0.3] [--article PATH]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import requests
import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bantin_audio.config import Settings  # noqa: E402
from bantin_audio.ingest import load_article  # noqa: E402
from bantin_audio.model import Progress  # noqa: E402
from bantin_audio.services import build_services  # noqa: E402
from bantin_audio.speech.script import build_script  # noqa: E402
from tests.fakes import GOOGLE_URL, FakeGoogle  # noqa: E402

SEED = ROOT.parent / "shared" / "seed" / "bach-thong-2-nam-nghi-quyet.txt"


def fake_endpoint(fake: FakeGoogle) -> responses.RequestsMock:
    """Return an active mock that answers gTTS like Google, after `fake.delay` seconds."""
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return fake.answer(request.body or "")

    mock.add_callback(responses.POST, GOOGLE_URL, callback=callback)
    return mock


def run_pipeline(settings: Settings, script, out: Path) -> dict[str, float]:
    """Render the script once; return first-segment time, total time and request count."""
    services = build_services(settings)
    started = time.perf_counter()
    first: list[float] = []

    def on_progress(p: Progress) -> None:
        if p.stage == "synthesize" and not first:
            first.append(time.perf_counter() - started)

    services.pipeline.render(script, out, on_progress)
    total = time.perf_counter() - started
    requests_made = services.pipeline.request_count
    services.pipeline.close()
    return {"first": first[0] if first else total, "total": total, "requests": requests_made}


def run_baseline(script) -> dict[str, float]:
    """One gTTS call per segment, sequentially, with gTTS's own tokenizer and pre-processors."""
    from gtts import gTTS

    started = time.perf_counter()
    first = None
    for seg in script.segments:
        buf = io.BytesIO()
        gTTS(seg.spoken, lang="vi").write_to_fp(buf)
        if first is None:
            first = time.perf_counter() - started
    return {"first": first or 0.0, "total": time.perf_counter() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=0.3, help="seconds per fake Google request")
    ap.add_argument("--article", type=Path, default=SEED)
    args = ap.parse_args()
    if not args.article.exists():
        print(f"skipped: {args.article} not found")
        return
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(data_dir=Path(tmp) / "data")
        article = load_article(str(args.article), settings)
        script = build_script(article, settings)
        fake = FakeGoogle(delay=args.delay)
        with fake_endpoint(fake):
            ours = run_pipeline(settings, script, Path(tmp) / "a.mp3")
            ours_requests = fake.requests
            again = run_pipeline(settings, script, Path(tmp) / "b.mp3")
            again_requests = fake.requests - ours_requests
            before = fake.requests
            base = run_baseline(script)
            base_requests = fake.requests - before
    print(f"article: {args.article.name}, {len(script.segments)} segments, "
          f"fake Google delay {args.delay * 1000:.0f} ms/request")
    print(f"{'':24}{'first segment':>15}{'total':>10}{'requests':>10}")
    print(f"{'bantin-audio':24}{ours['first']:>14.2f}s{ours['total']:>9.2f}s{ours_requests:>10}")
    print(f"{'bantin-audio (repeat)':24}{again['first']:>14.2f}s{again['total']:>9.2f}s"
          f"{again_requests:>10}")
    print(f"{'naive gTTS baseline':24}{base['first']:>14.2f}s{base['total']:>9.2f}s"
          f"{base_requests:>10}")
    print(f"speed-up, total: {base['total'] / ours['total']:.1f}x (target >= 4x)")
    print(f"first segment / one request's delay: {ours['first'] / args.delay:.2f} "
          f"(target <= 1.5)")
    print(f"requests on a repeated run: {again_requests} (target 0)")


if __name__ == "__main__":
    main()
