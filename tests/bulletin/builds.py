"""Building the fixture bulletin and reading its audio back, for the bulletin tests."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from bantin_audio.audio.ffmpeg import find_ffmpeg
from bantin_audio.bulletin import (
    Bulletin,
    BulletinItem,
    BulletinResult,
    StationSettings,
    build_bulletin,
)
from bantin_audio.config import Settings
from bantin_audio.ingest import load_article
from bantin_audio.model import Article
from bantin_audio.services import Services

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted(FIXTURES.glob("tin-*.txt"))


def articles() -> list[Article]:
    """Return the three project-written fixture articles."""
    settings = Settings()
    return [load_article(str(p), settings) for p in ARTICLES]


def make_bulletin(**station: object) -> Bulletin:
    """Return a bulletin of the three fixture articles with these station settings."""
    return Bulletin(items=[BulletinItem(a) for a in articles()],
                    station=StationSettings(name="Đài truyền thanh xã Quang Thuận",
                                            **station),  # type: ignore[arg-type]
                    date="2022-10-25")


@dataclass
class Built:
    """One build: the bulletin, its result and its output paths."""

    bulletin: Bulletin
    result: BulletinResult
    mp3: Path
    wav: Path
    csv: Path
    txt: Path


def build(services: Services, out_dir: Path, *, loudness: str = "broadcast",
          stereo: bool = False, **station: object) -> Built:
    """Build the fixture bulletin into `out_dir` with every output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bulletin = make_bulletin(**station)
    paths = {k: out_dir / f"ban-tin.{k}" for k in ("mp3", "wav", "csv", "txt")}
    result = build_bulletin(bulletin, services.pipeline, mp3_path=paths["mp3"],
                            wav_path=paths["wav"], cue_csv_path=paths["csv"],
                            cue_text_path=paths["txt"], loudness=loudness, stereo=stereo)
    return Built(bulletin, result, paths["mp3"], paths["wav"], paths["csv"], paths["txt"])


def make_tone(path: Path, *, seconds: float = 0.6, freq: int = 880, rate: int = 44100,
              codec: str = "pcm_s16le") -> Path:
    """Write a tone file with ffmpeg (a chime for the tests)."""
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}",
                    "-c:a", codec, str(path)], check=True)
    return path


def onsets_ms(path: Path, *, min_silence_s: float = 1.2) -> list[int]:
    """Return where sound resumes after each silence of at least `min_silence_s` seconds."""
    proc = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         f"silencedetect=noise=-45dB:d={min_silence_s}", "-f", "null", "-"],
        capture_output=True, check=True, text=True)
    return [round(float(line.split("silence_end:")[1].split("|")[0]) * 1000)
            for line in proc.stderr.splitlines() if "silence_end:" in line]
