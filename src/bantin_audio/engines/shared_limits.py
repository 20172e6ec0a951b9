"""Google's rate limit and circuit breaker shared by every worker process, in Redis.

Google throttles per address of the whole deployment, not per process: with N workers each
holding its own token bucket, N times the configured rate would reach Google. Here the bucket
and the breaker live in Redis, updated by Lua scripts (atomic, on Redis's own clock, so hosts
whose clocks differ still share one rate). The behaviour matches the in-process versions in
chain.py: a bucket of `burst` tokens refilled at `rate` a second, each call reserving one token
and sleeping until its turn; a breaker that opens for `cooldown` seconds after `threshold`
failures in a row, whoever saw them.

If Redis cannot be reached, each process falls back to its in-process bucket and breaker (and
says so in the log) rather than stopping synthesis: the queue lives on the same Redis, so no
new job arrives meanwhile, and the jobs already running keep their own rate.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis

from .chain import CircuitBreaker, RateLimiter, wait_for_token

log = logging.getLogger(__name__)

KEY_PREFIX = "bantin:limits:"
WARN_EVERY_S = 60.0

# KEYS[1] the bucket; ARGV: rate (tokens a second), burst. Returns the seconds to wait, as a
# string (Lua numbers become integers in Redis replies).
_TAKE_TOKEN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then
  return '0'
end
return tostring(-tokens / rate)
"""

# KEYS[1] failures in a row, KEYS[2] open flag; ARGV: threshold, cooldown in ms.
# Returns 1 when this failure opened the circuit.
_RECORD_FAILURE = """
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[2]))
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


def connect(url: str) -> redis.Redis:
    """Return a Redis client for `url` with short timeouts (a limit must never hang a call)."""
    return redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                                health_check_interval=30)


class _Fallback:
    """Log a Redis failure at most once a minute."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._warned = 0.0

    def warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_S:
            self._warned = now
            log.warning("Redis unreachable for the shared %s (%s): this process uses its own "
                        "until Redis answers again", self.what, exc)


class SharedRateLimiter:
    """A token bucket in Redis: at most `rate` calls a second for all processes together."""

    def __init__(self, client: redis.Redis, rate: float, burst: int = 1,
                 name: str = "google", lend: int = 0) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.lend = max(0, lend)
        self.key = f"{KEY_PREFIX}{name}:bucket"
        self._client = client
        self._take: Any = client.register_script(_TAKE_TOKEN)
        self._local = RateLimiter(rate, burst=self.burst, lend=self.lend)
        self._fallback = _Fallback("rate limit")

    def acquire(self, urgent: bool = False) -> float:
        """Wait for a token of the shared bucket (urgent calls borrow, as RateLimiter's do);
        return the seconds waited."""
        try:
            wait = float(self._take(keys=[self.key], args=[repr(self.rate), self.burst]))
        except redis.RedisError as exc:
            self._fallback.warn(exc)
            return self._local.acquire(urgent)
        return wait_for_token(wait, self.rate, self.lend if urgent else 0)


class SharedCircuitBreaker:
    """A circuit breaker in Redis: failures seen by any process count towards opening it."""

    def __init__(self, client: redis.Redis, threshold: int, cooldown: float,
                 name: str = "google") -> None:
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.failures_key = f"{KEY_PREFIX}{name}:failures"
        self.open_key = f"{KEY_PREFIX}{name}:open"
        self._client = client
        self._record: Any = client.register_script(_RECORD_FAILURE)
        self._local = CircuitBreaker(threshold, cooldown)
        self._fallback = _Fallback("circuit breaker")

    @property
    def is_open(self) -> bool:
        """Tell whether calls are being refused right now, by any process's count."""
        try:
            return bool(self._client.exists(self.open_key))
        except redis.RedisError as exc:
            self._fallback.warn(exc)
            return self._local.is_open

    def record_success(self) -> None:
        """Close the breaker for everyone."""
        try:
            self._client.delete(self.failures_key, self.open_key)
        except redis.RedisError as exc:
            self._fallback.warn(exc)
            self._local.record_success()

    def record_failure(self) -> None:
        """Count a failure; open the breaker for everyone at the threshold."""
        try:
            opened = self._record(keys=[self.failures_key, self.open_key],
                                  args=[self.threshold, max(1, int(self.cooldown * 1000))])
        except redis.RedisError as exc:
            self._fallback.warn(exc)
            self._local.record_failure()
            return
        if opened:
            log.warning("circuit opened for every worker for %.0f s after %d failures",
                        self.cooldown, self.threshold)
