"""Settings: one object built from BANTIN_* environment variables, with working defaults."""

from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

ENGINES = ("auto", "gtts", "espeak")


def _default_data_dir() -> Path:
    home_share = os.path.join(os.path.expanduser("~"), ".local", "share")
    base = os.environ.get("XDG_DATA_HOME") or home_share
    return Path(base) / "bantin-audio"


@dataclass(frozen=True)
class Settings:
    """Everything configurable; each field mirrors the variable BANTIN_<FIELD>."""

    data_dir: Path = field(default_factory=_default_data_dir)
    # The database: an SQLAlchemy URL, e.g. postgresql://bantin:secret@db.example/bantin.
    # Default: the embedded SQLite file <data_dir>/bantin.sqlite3.
    database_url: str | None = None
    # seconds a worker's claim on a job lasts without a heartbeat (on the database's clock):
    # how long a job of a worker machine that died waits before another worker takes it over
    job_lease_s: float = 30.0
    progress: bool = False  # CLI progress bars even when standard error is not a terminal
    cache_dir: Path | None = None  # default: <data_dir>/cache
    engine: str = "auto"
    # Google (gTTS)
    gtts_tld: str = "com"
    gtts_timeout: float = 10.0
    google_rps: float = 15.0  # process-wide requests per second
    # most parallel Google requests: from `concurrency_start`, one more per good answer up to
    # this; fewer when Google throttles (engines.chain.AdaptiveConcurrency). Set both equal to
    # never go above the start; refusals that depend on load still lower it.
    concurrency: int = 12
    concurrency_start: int = 4
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    breaker_threshold: int = 5  # consecutive failures that open the circuit
    breaker_cooldown: float = 60.0  # seconds Google is skipped after that
    # seconds a listener waits at most for the first paragraphs before the offline voice reads
    # them (Google's reading replaces it when it arrives); 0 waits for Google
    first_audio_s: float = 3.0
    # offline voice
    espeak_voice: str = "vi"
    espeak_rate: int = 150  # words per minute
    # audio
    ffmpeg: str | None = None  # the ffmpeg binary; default: `ffmpeg` on PATH, else the bundled one
    pause_title_ms: int = 700
    pause_paragraph_ms: int = 500
    bitrate_kbps: int = 32
    sample_rate: int = 24000
    # fetching
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_connect_timeout: float = 5.0
    fetch_read_timeout: float = 15.0  # per socket read
    fetch_total_timeout: float = 30.0  # the whole fetch: every hop, headers and body
    # Host names (comma-separated) that may be fetched at a private address: a portal on the
    # local network. Every redirect hop is checked on its own host name.
    private_fetch_hosts: str = ""
    allow_private_fetch: bool = False  # deprecated: any private address, on every hop
    # web
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: str | None = None
    public_url: str | None = None  # e.g. https://bantin.example.vn, for feeds
    trusted_proxies: int = 0  # reverse proxies (nginx) whose X-Forwarded-* headers to trust
    # media store: empty keeps finished audio under <data_dir>/media; s3://bucket/prefix puts
    # it in S3-compatible object storage, served by redirect (presigned, or media_public_url)
    media_url: str | None = None
    media_endpoint: str | None = None  # e.g. http://127.0.0.1:8333 (SeaweedFS, MinIO); AWS: empty
    media_region: str = "us-east-1"
    media_access_key: str | None = None  # empty: boto3's own chain (AWS_* variables, roles)
    media_secret_key: str | None = None
    media_path_style: bool = True  # http://endpoint/bucket/key (what most non-AWS stores need)
    media_public_url: str | None = None  # a public bucket or CDN base: redirects go there
    media_url_ttl: int = 3600  # lifetime of a presigned media URL, seconds
    media_share_clips: bool = True  # with media_url: clips also in the store, for every worker
    # worker scratch space for ffmpeg (each worker takes its own directory under it)
    scratch_dir: Path | None = None  # default: <data_dir>/scratch
    # watched portals (sources)
    watch: bool = True  # `serve` runs the watcher
    source_interval: int = 600  # default poll interval of a new source, seconds
    source_first_take: int = 20  # articles a new source's first poll takes
    # scaled mode (several machines); unset, everything runs in this process
    queue_url: str | None = None  # redis://host:6379/0: jobs go to Celery workers through it
    # Redis for the limits every process shares (Google's rate and circuit breaker, the web's
    # request limits); default: the queue's Redis when the queue is on Redis
    redis_url: str | None = None
    # seconds before a job message taken by a worker that vanished is delivered again
    queue_visibility_s: float = 900.0
    # seconds between sweeps that re-send job rows whose message was lost
    queue_sweep_s: float = 5.0

    @property
    def private_hosts(self) -> frozenset[str]:
        """Return the host names allowed at private addresses, lower case, no trailing dot."""
        return frozenset(h.strip().lower().rstrip(".").strip("[]")
                         for h in self.private_fetch_hosts.split(",") if h.strip())

    @property
    def shared_redis_url(self) -> str | None:
        """Return the Redis every process shares limits through, or None (embedded mode)."""
        if self.redis_url:
            return self.redis_url
        if self.queue_url and self.queue_url.startswith(("redis://", "rediss://", "unix://")):
            return self.queue_url
        return None

    @property
    def limits_storage_uri(self) -> str:
        """Return flask-limiter's storage: the shared Redis, else this process's memory."""
        return self.shared_redis_url or "memory://"

    @property
    def concurrency_initial(self) -> int:
        """Return the parallel Google requests at the start (never above the ceiling)."""
        return min(self.concurrency, self.concurrency_start)

    @property
    def database(self) -> str:
        """Return the database URL: BANTIN_DATABASE_URL, or the SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return "sqlite:///" + str((self.data_dir / "bantin.sqlite3").absolute())

    @property
    def lexicon_path(self) -> Path:
        """Return the lexicon file of older versions: imported into the database once, by
        the migration that made the lexicon a table, and kept as a backup."""
        return self.data_dir / "lexicon.tsv"

    @property
    def clip_cache_dir(self) -> Path:
        """Return where synthesized clips are cached."""
        return self.cache_dir or (self.data_dir / "cache")

    @property
    def scratch_root(self) -> Path:
        """Return where workers make their scratch directories."""
        return self.scratch_dir or (self.data_dir / "scratch")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from BANTIN_* variables, then apply non-None overrides."""
        env = dict(os.environ) if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get("BANTIN_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("data_dir", "cache_dir", "scratch_dir"):
            if isinstance(values.get(key), str):
                values[key] = Path(values[key])
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject settings that cannot work, with a message saying which one."""
        if self.engine not in ENGINES:
            raise InputError(
                f"Giọng đọc không hợp lệ: {self.engine!r}",
                "chọn một trong: " + ", ".join(ENGINES),
            )
        if self.concurrency < 1 or self.concurrency_start < 1 or self.google_rps <= 0:
            raise InputError("BANTIN_CONCURRENCY, BANTIN_CONCURRENCY_START và "
                             "BANTIN_GOOGLE_RPS phải lớn hơn 0")
        if self.first_audio_s < 0:
            raise InputError("BANTIN_FIRST_AUDIO_S không được âm")
        if self.job_lease_s < 1:
            raise InputError("BANTIN_JOB_LEASE_S phải từ 1 giây trở lên")
        if self.retries < 0:
            raise InputError("BANTIN_RETRIES không được âm")
        if self.media_url and not (self.media_url.startswith("s3://")
                                   and len(self.media_url) > len("s3://")
                                   and self.media_url[5] != "/"):
            raise InputError(f"BANTIN_MEDIA_URL không hợp lệ: {self.media_url!r}",
                             "dạng s3://tên-bucket/tiền-tố (tiền tố có thể bỏ trống)")
        if self.media_public_url and not self.media_public_url.startswith(("https://",
                                                                             "http://")):
            raise InputError("BANTIN_MEDIA_PUBLIC_URL phải bắt đầu bằng https:// hoặc http://")
        if not 60 <= self.media_url_ttl <= 7 * 24 * 3600:
            raise InputError("BANTIN_MEDIA_URL_TTL phải từ 60 giây đến 7 ngày")
        for name, url in (("BANTIN_QUEUE_URL", self.queue_url),
                          ("BANTIN_REDIS_URL", self.redis_url)):
            if url and not url.startswith(("redis://", "rediss://", "unix://")):
                raise InputError(f"{name} không hợp lệ: {url!r}",
                                 "cần một địa chỉ Redis, ví dụ redis://127.0.0.1:6379/0")
        if self.ffmpeg and shutil.which(self.ffmpeg) is None:
            raise InputError(f"BANTIN_FFMPEG không chạy được: {self.ffmpeg!r}",
                             "đường dẫn tới tệp ffmpeg có quyền chạy, hoặc để trống")
        if self.queue_visibility_s < 60 or self.queue_sweep_s <= 0:
            raise InputError("BANTIN_QUEUE_VISIBILITY_S phải từ 60 giây trở lên và "
                             "BANTIN_QUEUE_SWEEP_S phải lớn hơn 0")

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _convert(name: str, typ: Any, raw: str) -> Any:
    typ = str(typ)
    try:
        if typ.startswith("bool"):
            return raw.strip().lower() in ("1", "true", "yes", "on", "co", "có")
        if typ.startswith("int"):
            return int(raw)
        if typ.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise InputError(
            f"Biến môi trường BANTIN_{name.upper()} không hợp lệ: {raw!r}",
            f"cần một số ({typ})",
        ) from exc
    return raw
