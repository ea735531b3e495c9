"""The on-disk shape of a trained model and of the ``LATEST`` pointer.

A model directory is a spaCy pipeline (``nlp.to_disk``) plus
``frontdesk-model.json``: the version, labels, training size, settings and the
held-out evaluation. The JSON file is what makes a directory a Frontdesk
model; anything else is refused with ``ModelDirectoryError`` before spaCy is
asked to load it. Trained models live under ``<data_dir>/models/<kind>/<version>``
and ``<data_dir>/models/<kind>/LATEST`` names the one the runtime loads.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

METADATA_FILE = "frontdesk-model.json"
LATEST_FILE = "LATEST"
FORMAT = 1


class ModelDirectoryError(Exception):
    """The path is not a (complete, readable) Frontdesk model directory."""


@dataclass(frozen=True, slots=True)
class ModelMetadata:
    version: str
    labels: tuple[str, ...]
    raw: dict[str, Any]


def new_version(now: datetime) -> str:
    """A sortable, filesystem-safe UTC timestamp, unique to the microsecond."""
    if now.utcoffset() is None or now.utcoffset():
        raise ValueError("model versions are UTC timestamps")
    return now.strftime("%Y%m%dT%H%M%S.%fZ")


def write_metadata(directory: Path, metadata: dict[str, Any]) -> None:
    text = json.dumps({"format": FORMAT, **metadata}, indent=2, sort_keys=True)
    (directory / METADATA_FILE).write_text(text + "\n", encoding="utf-8")


def read_metadata(directory: Path) -> ModelMetadata:
    path = directory / METADATA_FILE
    if not directory.is_dir():
        raise ModelDirectoryError(f"{directory}: no such model directory")
    if not path.is_file():
        raise ModelDirectoryError(f"{directory}: not a Frontdesk model (no {METADATA_FILE})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        version, labels = raw["version"], raw["labels"]
        fmt = raw["format"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelDirectoryError(f"{path}: unreadable model metadata ({exc})") from exc
    if fmt != FORMAT:
        raise ModelDirectoryError(f"{path}: model format {fmt!r}, this Frontdesk reads {FORMAT}")
    if not isinstance(version, str) or not (
        isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels)
    ):
        raise ModelDirectoryError(f"{path}: model metadata lacks a version or labels")
    return ModelMetadata(version, tuple(labels), raw)


def models_root(data_dir: Path, kind: str) -> Path:
    return data_dir / "models" / kind


def latest_model_dir(data_dir: Path, kind: str) -> Path | None:
    """The model ``LATEST`` names for ``kind``; None when none was trained yet.

    A ``LATEST`` that names a missing directory is an error, not None: the
    runtime must not quietly run without the model an operator installed.
    """
    root = models_root(data_dir, kind)
    pointer = root / LATEST_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name or Path(name).name != name:
        raise ModelDirectoryError(f"{pointer}: expected a version directory name, got {name!r}")
    directory = root / name
    read_metadata(directory)
    return directory


def set_latest(data_dir: Path, kind: str, version: str) -> None:
    """Point ``LATEST`` at ``version`` atomically (write a temp file, then rename),
    so a process loading the model never reads a half-written name."""
    root = models_root(data_dir, kind)
    root.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=root, prefix=".LATEST-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(version + "\n")
        Path(temp).replace(root / LATEST_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
