"""Choose the concrete engines, cache and pipeline: the one place the web and CLI do so."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .audio.cache import ClipCache, audio_problem
from .audio.ffmpeg import configure_ffmpeg
from .config import Settings
from .engines.base import Engine
from .engines.chain import (
    AdaptiveConcurrency,
    Breaker,
    CircuitBreaker,
    Limiter,
    RateLimiter,
    ResilientEngine,
    RetryPolicy,
)
from .engines.espeak import EspeakEngine
from .engines.google import GoogleEngine
from .jobqueue import InProcessQueue, JobQueue
from .pipeline import Pipeline
from .store import Store


@dataclass
class Services:
    """What the web app, the worker and the CLI share."""

    settings: Settings
    pipeline: Pipeline
    cache: ClipCache


def build_google_limits(settings: Settings) -> tuple[Limiter, Breaker]:
    """Return Google's rate limit and circuit breaker: shared in Redis when one is set."""
    # A bucket as large as the ceiling would let a down Google be asked a full window of
    # retries before the breaker opens. Only the first paragraphs' phrases, until Google
    # pushes back, borrow the tokens up to the ceiling (the requests after them wait longer).
    burst = settings.concurrency_initial
    lend = max(0, settings.concurrency - burst)
    if settings.shared_redis_url:
        from .engines.shared_limits import SharedCircuitBreaker, SharedRateLimiter, connect

        client = connect(settings.shared_redis_url)
        return (SharedRateLimiter(client, settings.google_rps, burst=burst, lend=lend),
                SharedCircuitBreaker(client, settings.breaker_threshold,
                                     settings.breaker_cooldown))
    return (RateLimiter(settings.google_rps, burst=burst, lend=lend),
            CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown))


def build_engines(settings: Settings, engine: str | None = None) -> list[Engine]:
    """Return the engines for `engine` (auto|gtts|espeak) in order of preference."""
    choice = engine or settings.engine
    limiter, breaker = build_google_limits(settings)
    google = ResilientEngine(
        GoogleEngine(tld=settings.gtts_tld, timeout=settings.gtts_timeout),
        limiter=limiter,
        breaker=breaker,
        policy=RetryPolicy(settings.retries, settings.backoff_base, settings.backoff_max),
        check=audio_problem,
        concurrency=AdaptiveConcurrency(settings.concurrency_initial, settings.concurrency),
    )
    offline = ResilientEngine(EspeakEngine(voice=settings.espeak_voice,
                                           rate_wpm=settings.espeak_rate), check=audio_problem)
    if choice == "gtts":
        return [google]
    if choice == "espeak":
        return [offline]
    return [google, offline]


def build_services(settings: Settings, engine: str | None = None) -> Services:
    """Build the services for `settings`, creating the data and cache directories."""
    if settings.ffmpeg:  # else the one on PATH, or the bundled one
        configure_ffmpeg(settings.ffmpeg)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shared = None
    if settings.media_url and settings.media_share_clips:
        from .media_store import SharedClips, open_media

        shared = SharedClips(open_media(settings))
    cache = ClipCache(settings.clip_cache_dir, shared=shared)
    pipeline = Pipeline(build_engines(settings, engine), cache, settings)
    return Services(settings=settings, pipeline=pipeline, cache=cache)


def build_queue(settings: Settings, store: Store,
                wake: threading.Event | None = None) -> JobQueue:
    """Return the queue port for `settings`: Celery on Redis when BANTIN_QUEUE_URL is set,
    else the local workers woken by `wake`."""
    if settings.queue_url:
        from .queue_celery import CeleryQueue

        return CeleryQueue(settings, store)
    return InProcessQueue(wake)
