"""Where finished media lives: a local directory (embedded) or S3-compatible object storage.

Every object is named by its content (a hash and an extension, under a small prefix such as
`ban-tin/`), so a name never changes meaning: objects are written once, never updated, and
carry immutable caching. A writer produces a file on its own scratch disk, hands it to
`put_file`, and records the name in the database only after the object is complete: S3 makes
an object visible only when its upload has finished (a failed multipart upload is aborted), and
the local adapter renames a finished temp file into place. Nothing here assumes that the web
node and the workers share a disk.

Keys: `<hash>.mp3|webm` article renditions, `ban-tin/<hash>.<ext>` bulletin builds,
`nhac-chuyen-tin/<sha256>.<ext>` chimes (the full SHA-256, so a bulletin's fingerprint needs
no read).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

from .config import Settings
from .errors import AudioError, InputError, NotFound
from .output_files import disk_error, temp_beside

log = logging.getLogger(__name__)

MEDIA_DIRNAME = "media"
BULLETIN_PREFIX = "ban-tin/"
CHIME_PREFIX = "nhac-chuyen-tin/"
CLIP_PREFIX = "clips/"
CHIME_KEY = re.compile(r"^nhac-chuyen-tin/([0-9a-f]{64})\.(wav|mp3)$")
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {"mp3": "audio/mpeg", "webm": "audio/webm", "wav": "audio/wav",
                 "csv": "text/csv; charset=utf-8", "txt": "text/plain; charset=utf-8"}
# One optional lower-case prefix, then a name that cannot start with a dot: no way out of the
# store's root, and temp files (".name.part") are never taken for objects.
_KEY = re.compile(r"^(?:[a-z0-9-]+/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class StoredObject:
    """One object found by `MediaStore.list`: its key and when it was written (epoch s)."""

    key: str
    modified: float


class MediaStore(Protocol):
    """The media store port: immutable, content-named objects."""

    def put_file(self, key: str, source: Path, *, move: bool = False,
                 progress: Callable[[int], None] | None = None) -> int:
        """Store `source` under `key` whole or not at all; return its size in bytes.

        `move` removes `source` afterwards (a rename when it is on the same disk). `progress`
        is called with the bytes sent so far; an exception it raises stops the upload, and
        nothing is stored.
        """
        ...

    def fetch(self, key: str, target: Path) -> None:
        """Copy the object into the local file `target` (whole or not at all)."""
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store a small object from memory, whole or not at all."""
        ...

    def read_bytes(self, key: str) -> bytes | None:
        """Return a small object's bytes, or None when there is none under `key`."""
        ...

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under `key`."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object (no error when it is already gone)."""
        ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Yield the objects directly under `prefix` (not those of deeper prefixes)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """Return the object's file when this store is a local directory, else None."""
        ...

    def url(self, key: str, *, download: str | None = None) -> str:
        """Return a URL answering GET and Range for the object (an attachment if `download`)."""
        ...


def check_key(key: str) -> str:
    """Return `key` when it is a content name this store writes, else raise InputError."""
    if not _KEY.match(key):
        raise InputError(f"Tên tệp không hợp lệ trong kho tệp: {key!r}")
    return key


def content_type(key: str) -> str:
    """Return the Content-Type of an object by its extension."""
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def media_dir(settings: Settings) -> Path:
    """Return the local media directory (embedded mode)."""
    return settings.data_dir / MEDIA_DIRNAME


def open_media(settings: Settings) -> MediaStore:
    """Return the media store the settings choose: S3 for BANTIN_MEDIA_URL, else local."""
    if settings.media_url:
        return S3MediaStore(settings)
    return LocalMediaStore(media_dir(settings))


# -- local directory -----------------------------------------------------------------------

class LocalMediaStore:
    """Objects as files under one directory (the embedded default: `<data_dir>/media`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, source: Path, *, move: bool = False,
                 progress: Callable[[int], None] | None = None) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            try:
                os.replace(source, target)  # same disk: a rename, atomic
                size = target.stat().st_size
                if progress is not None:
                    progress(size)
                return size
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise disk_error(exc, target) from exc
        tmp = temp_beside(target)
        try:
            shutil.copyfile(source, tmp)
            if progress is not None:
                progress(tmp.stat().st_size)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise disk_error(exc, target) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if move:
            Path(source).unlink(missing_ok=True)
        return target.stat().st_size

    def fetch(self, key: str, target: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise NotFound("Không có tệp này trong kho tệp", key)
        tmp = temp_beside(target)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_beside(target)
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise disk_error(exc, target) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def read_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        directory = self.root / prefix if prefix else self.root
        try:
            entries = list(directory.iterdir())
        except FileNotFoundError:
            return
        for path in entries:
            if path.name.startswith("."):
                continue  # temp files being written
            try:
                if path.is_file():
                    yield StoredObject(prefix + path.name, path.stat().st_mtime)
            except FileNotFoundError:
                continue

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def url(self, key: str, *, download: str | None = None) -> str:
        return self._path(key).as_uri()


# -- S3-compatible object storage ----------------------------------------------------------

def parse_media_url(url: str) -> tuple[str, str]:
    """Split `s3://bucket/prefix` into (bucket, prefix ending in '/' or empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise InputError(f"BANTIN_MEDIA_URL không hợp lệ: {url!r}",
                         "dạng s3://tên-bucket/tiền-tố (tiền tố có thể bỏ trống)")
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


_T = TypeVar("_T")


def _is_missing(exc: Exception) -> bool:
    """True when an S3 client error says the object is not there (GET and HEAD spell it apart)."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey", "NotFound")


class S3MediaStore:
    """Objects in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO, Ceph RGW, ...)."""

    def __init__(self, settings: Settings) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        assert settings.media_url
        self.bucket, self.prefix = parse_media_url(settings.media_url)
        self.public_url = (settings.media_public_url or "").rstrip("/") or None
        self.url_ttl = settings.media_url_ttl
        config = Config(
            region_name=settings.media_region, signature_version="s3v4",
            s3={"addressing_style": "path" if settings.media_path_style else "auto"},
            connect_timeout=5, read_timeout=60,
            retries={"max_attempts": 4, "mode": "standard"})
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=settings.media_endpoint or None,
            aws_access_key_id=settings.media_access_key or None,
            aws_secret_access_key=settings.media_secret_key or None, config=config)
        self.transfer = TransferConfig(multipart_threshold=16 * 1024 * 1024,
                                       multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _error(self, exc: Exception, key: str) -> AudioError:
        return AudioError(f"Kho tệp (S3) không nhận hoặc không trả được {key}: {exc}",
                          "kiểm tra BANTIN_MEDIA_URL, BANTIN_MEDIA_ENDPOINT và khóa truy cập")

    def put_file(self, key: str, source: Path, *, move: bool = False,
                 progress: Callable[[int], None] | None = None) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        size = Path(source).stat().st_size
        extra = {"ContentType": content_type(key), "CacheControl": IMMUTABLE}
        sent = [0]

        def callback(chunk: int) -> None:
            sent[0] += chunk
            if progress is not None:
                progress(sent[0])

        try:
            # An object appears only once complete; a failed multipart upload is aborted.
            self.client.upload_file(str(source), self.bucket, self._key(key),
                                    ExtraArgs=extra, Config=self.transfer, Callback=callback)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, key) from exc
        except Exception as exc:  # S3Transfer wraps failures in its own exception types
            if type(exc).__module__.startswith(("boto3", "s3transfer")):
                raise self._error(exc, key) from exc
            raise
        if move:
            Path(source).unlink(missing_ok=True)
        return size

    def fetch(self, key: str, target: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        tmp = temp_beside(Path(target))
        try:
            self.client.download_file(self.bucket, self._key(key), str(tmp))
            os.replace(tmp, target)
        except ClientError as exc:
            if _is_missing(exc):
                raise NotFound("Không có tệp này trong kho tệp", key) from exc
            raise self._error(exc, key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, key) from exc
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:  # one PUT: the object appears whole or not at all
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                   ContentType=content_type(key), CacheControl=IMMUTABLE)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, key) from exc

    def _unless_missing(self, key: str, call: Callable[[], _T]) -> _T | None:
        """Return call()'s answer, None when the object is not there; other failures of the
        store become an AudioError naming the key."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise self._error(exc, key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, key) from exc

    def read_bytes(self, key: str) -> bytes | None:
        def read() -> bytes:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            with answer["Body"] as body:
                return bytes(body.read())

        return self._unless_missing(key, read)

    def exists(self, key: str) -> bool:
        head = self._unless_missing(
            key, lambda: self.client.head_object(Bucket=self.bucket, Key=self._key(key)))
        return head is not None

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, key) from exc

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = self.prefix + prefix
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full, Delimiter="/")
            for page in pages:
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(self.prefix):]
                    if _KEY.match(name):
                        yield StoredObject(name, obj["LastModified"].timestamp())
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, prefix or "/") from exc

    def local_path(self, key: str) -> Path | None:
        return None

    def url(self, key: str, *, download: str | None = None) -> str:
        """Return the public (CDN) URL, or a presigned one (always for a download's name)."""
        full = self._key(key)
        if self.public_url and download is None:
            return f"{self.public_url}/{quote(full)}"
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
        if download is not None:
            params["ResponseContentDisposition"] = download
        return str(self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.url_ttl))


def collect(media: MediaStore, keep: set[str], prefixes: tuple[str, ...] = ("", BULLETIN_PREFIX),
            min_age_s: float = 3600.0, now: float | None = None) -> int:
    """Delete objects under `prefixes` not named in `keep` and older than `min_age_s`."""
    now = time.time() if now is None else now
    removed = 0
    for prefix in prefixes:
        for obj in list(media.list(prefix)):
            if obj.key in keep:
                continue
            if now - obj.modified >= min_age_s:
                media.delete(obj.key)
                removed += 1
    return removed


def copy_media(source: MediaStore, target: MediaStore, scratch: Path,
               prefixes: tuple[str, ...] = ("", BULLETIN_PREFIX, CHIME_PREFIX)) -> tuple[int, int]:
    """Copy every object of `source` missing from `target` (moving a deployment's media).

    Objects are immutable and named by content, so one already in `target` is the same and is
    skipped; running it again after an interruption copies only what is left. Returns
    (copied, skipped).
    """
    copied = skipped = 0
    for prefix in prefixes:
        for obj in list(source.list(prefix)):
            if target.exists(obj.key):
                skipped += 1
                continue
            local = source.local_path(obj.key)
            if local is not None:
                target.put_file(obj.key, local)
            else:
                tmp = scratch / obj.key.replace("/", "-")
                try:
                    source.fetch(obj.key, tmp)
                    target.put_file(obj.key, tmp, move=True)
                finally:
                    tmp.unlink(missing_ok=True)
            copied += 1
    return copied, skipped


class SharedClips:
    """The clip cache's shared tier in the media store (`clips/<key>.<format>`).

    Used with object storage, so that every worker machine reads the clips any of them made:
    a job that moves to another machine (its worker was killed) asks Google only for what was
    never synthesized. Clips are never collected (their names are content hashes and a reading
    made again needs them).
    """

    def __init__(self, media: MediaStore) -> None:
        self.media = media

    def get_clip(self, name: str) -> bytes | None:
        """Return the clip stored under `name`, or None."""
        return self.media.read_bytes(CLIP_PREFIX + name)

    def put_clip(self, name: str, data: bytes) -> None:
        """Store a clip under `name`."""
        self.media.put_bytes(CLIP_PREFIX + name, data)

    def drop_clip(self, name: str) -> None:
        """Remove the clip under `name` (it turned out not to decode)."""
        self.media.delete(CLIP_PREFIX + name)

