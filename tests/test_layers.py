"""The dependency direction of DESIGN.md, checked on the source.

import-linter would express this as a contract, but its releases need click >= 8.2 while gTTS 2.5
pins click < 8.2; this test reads the imports with `ast` instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "bantin_audio"

LAYER0 = {"config", "errors", "model", "exports", "output_files"}
# The schema and its migrations, below the store that writes the SQL.
LAYER0B = {"database"}
LAYER1 = {"ingest", "speech", "engines", "audio", "store", "media_store",
          "jobqueue"}
LAYER2 = {"pipeline"}
# A bulletin is built from several articles' readings, so it stands on the pipeline
# (DESIGN.md put both in layer 2; bulletin sits just above it).
LAYER2B = {"bulletin"}
LAYER3 = {"jobs"}
# The watcher of portals hands what it finds to jobs, so it stands just above them.
LAYER3B = {"sources"}
# The scaled mode's queue runs jobs (and the watcher) when its messages arrive.
LAYER3C = {"queue_celery"}
TOP = {"web", "cli", "cli_support", "cli_web", "cli_bulletin", "cli_sources", "cli_data",
       "cli_media", "services"}

# Each third-party library has one home.
HOMES = {
    "bs4": ("ingest.dom",), "lxml": ("sources.discover",),
    "feedparser": ("sources.discover",), "requests": ("ingest", "engines.google"),
    "gtts": ("engines.google",), "pydub": ("audio.stitch",),
    # The repositories write SQL text through the store's connection, never SQLAlchemy itself.
    "sqlite3": ("store.connection", "database"),
    "sqlalchemy": ("store.connection", "store.store", "database"), "alembic": ("database",),
    "flask": ("web",), "mutagen": ("audio.tags",),
    "boto3": ("media_store",), "botocore": ("media_store",),
    "redis": ("engines.shared_limits", "queue_celery"), "celery": ("queue_celery",),
    "kombu": ("queue_celery",),
}


def _layer(top: str) -> int:
    for n, names in enumerate((LAYER0, LAYER0B, LAYER1, LAYER2, LAYER2B, LAYER3, LAYER3B,
                                LAYER3C, TOP)):
        if top in names:
            return n
    return 8


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        if parts:
            out.append((".".join(parts), path))
    return out


def _imports(name: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
                found.append("bantin_audio." + mod if mod else "bantin_audio")
            elif node.module:
                found.append(node.module)
    return found


@pytest.mark.parametrize(("name", "path"), _modules(), ids=lambda v: str(v))
def test_imports_point_down_the_layers(name: str, path: Path) -> None:
    own = _layer(name.split(".")[0])
    for imported in _imports(name, path):
        if imported.startswith("bantin_audio."):
            target = imported.split(".")[1]
            if target == name.split(".")[0]:
                continue  # inside one package
            # layer 0 modules may use each other, and so may the top-level shells
            assert _layer(target) < own or own in (0, _layer("cli")) and _layer(target) == own, \
                f"{name} (layer {own}) imports {imported} (layer {_layer(target)})"
        top = imported.split(".")[0]
        if top in HOMES:
            assert any(name == h or name.startswith(h + ".") for h in HOMES[top]), \
                f"{name} imports {top}, whose home is {HOMES[top]}"


def test_nothing_imports_web_or_cli() -> None:
    for name, path in _modules():
        if name.split(".")[0] in TOP:
            continue
        for imported in _imports(name, path):
            assert not imported.startswith(("bantin_audio.web", "bantin_audio.cli")), name
