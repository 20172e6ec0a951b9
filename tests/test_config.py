"""Settings from BANTIN_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bantin_audio.config import Settings
from bantin_audio.errors import InputError


def test_defaults_need_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    s = Settings.from_env({})
    assert s.engine == "auto"
    assert s.data_dir == tmp_path / ".local" / "share" / "bantin-audio"
    assert s.clip_cache_dir == s.data_dir / "cache"


def test_variables_are_typed() -> None:
    s = Settings.from_env({"BANTIN_DATA_DIR": "/srv/bt", "BANTIN_CONCURRENCY": "2",
                           "BANTIN_GOOGLE_RPS": "2.5", "BANTIN_ALLOW_PRIVATE_FETCH": "true",
                           "BANTIN_ENGINE": "espeak"})
    assert s.data_dir == Path("/srv/bt")
    assert s.concurrency == 2 and s.google_rps == 2.5
    assert s.allow_private_fetch is True
    assert s.engine == "espeak"


def test_overrides_win_over_environment() -> None:
    s = Settings.from_env({"BANTIN_ENGINE": "espeak"}, engine="gtts", data_dir="/x")
    assert s.engine == "gtts" and s.data_dir == Path("/x")


@pytest.mark.parametrize("env", [{"BANTIN_ENGINE": "piper"}, {"BANTIN_CONCURRENCY": "many"},
                                 {"BANTIN_CONCURRENCY": "0"}])
def test_bad_values_are_clear_errors(env: dict[str, str]) -> None:
    with pytest.raises(InputError) as info:
        Settings.from_env(env)
    assert "BANTIN_" in str(info.value) or "Giọng" in str(info.value)


def test_the_scaled_mode_is_chosen_by_settings_alone() -> None:
    embedded = Settings.from_env({})
    assert embedded.queue_url is None and embedded.shared_redis_url is None
    assert embedded.limits_storage_uri == "memory://"
    scaled = Settings.from_env({"BANTIN_QUEUE_URL": "redis://10.0.0.20:6379/0"})
    assert scaled.shared_redis_url == "redis://10.0.0.20:6379/0"  # limits on the queue's Redis
    assert scaled.limits_storage_uri == "redis://10.0.0.20:6379/0"
    apart = Settings.from_env({"BANTIN_QUEUE_URL": "redis://q:6379/0",
                               "BANTIN_REDIS_URL": "redis://limits:6379/1"})
    assert apart.shared_redis_url == "redis://limits:6379/1"


@pytest.mark.parametrize("env", [{"BANTIN_QUEUE_URL": "amqp://rabbit//"},
                                 {"BANTIN_REDIS_URL": "localhost:6379"},
                                 {"BANTIN_QUEUE_VISIBILITY_S": "5"}])
def test_bad_queue_settings_are_clear_errors(env: dict[str, str]) -> None:
    with pytest.raises(InputError) as info:
        Settings.from_env(env)
    assert "BANTIN_" in str(info.value)


PKG = Path(__file__).resolve().parents[1] / "src" / "bantin_audio"


def test_only_settings_read_the_environment() -> None:
    """Configuration is read in one place: no module but config.py looks at os.environ."""
    import ast

    readers = []
    for path in sorted(PKG.rglob("*.py")):
        if path == PKG / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(f"{path.relative_to(PKG)}:{node.lineno}")
    assert readers == []


def test_bantin_ffmpeg_is_a_setting_handed_down_to_the_audio_code(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bantin_audio.audio import ffmpeg
    from bantin_audio.cli import main

    real = ffmpeg.find_ffmpeg()
    log = tmp_path / "runs.log"
    wrapper = tmp_path / "ffmpeg-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    assert Settings.from_env({"BANTIN_FFMPEG": str(wrapper)}).ffmpeg == str(wrapper)
    text = Path(__file__).parent / "fixtures" / "portal-sample.html"
    try:
        result = CliRunner(mix_stderr=False).invoke(
            main, ["read", str(text), "-o", str(tmp_path / "tin.mp3"), "--engine", "espeak",
                   "--data-dir", str(tmp_path / "data"), "--quiet"],
            env={"BANTIN_FFMPEG": str(wrapper)})
        assert result.exit_code == 0, result.stderr
        assert ffmpeg.find_ffmpeg() == str(wrapper)
    finally:
        ffmpeg.configure_ffmpeg(None)
    assert ffmpeg.find_ffmpeg() == real
    assert "libmp3lame" in log.read_text()  # the MP3 was encoded by the configured binary
    assert (tmp_path / "tin.mp3").stat().st_size > 1000


@pytest.mark.parametrize("value", ["/khong/co/ffmpeg", "README.md"])
def test_an_ffmpeg_that_cannot_run_is_refused_at_start(value: str) -> None:
    with pytest.raises(InputError) as info:
        Settings.from_env({"BANTIN_FFMPEG": value})
    assert "BANTIN_FFMPEG không chạy được" in info.value.message
