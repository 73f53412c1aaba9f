"""Pretrained artefacts under `pretrained/`, described by `pretrained/manifest.json`.

Each entry lists its files with sha256 and size, the metrics measured on it and the command that
made it. A file is hashed and compared with the manifest before anything reads it; a mismatch is
refused. Models load with Keras safe mode (no code from the file is executed; nothing is unpickled).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import keras

from ganzoo.errors import PretrainedError

MANIFEST = "manifest.json"


def pretrained_dir():
    """$GANZOO_PRETRAINED_DIR, else the source checkout's pretrained/, else the installed copy."""
    for candidate in (os.environ.get("GANZOO_PRETRAINED_DIR"), Path(__file__).resolve().parents[1] / "pretrained",
                      Path(sys.prefix) / "share" / "ganzoo" / "pretrained"):
        if candidate and (Path(candidate) / MANIFEST).is_file():
            return Path(candidate)
    raise PretrainedError(f"No pretrained/{MANIFEST} found; set GANZOO_PRETRAINED_DIR to the folder that holds it")


def read_manifest(directory=None):
    with open(Path(directory or pretrained_dir()) / MANIFEST) as file:
        return json.load(file)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_path(entry, filename, directory=None):
    """The path of `entry`'s file `filename`, after checking its size and sha256 against the manifest."""
    directory = Path(directory or pretrained_dir())
    manifest = read_manifest(directory)
    if entry not in manifest:
        raise PretrainedError(f"Unknown pretrained entry. Expected one of {sorted(manifest)}. Received: {entry!r}")
    files = manifest[entry]["files"]
    if filename not in files:
        raise PretrainedError(f"{entry} has no file {filename!r}. Expected one of {sorted(files)}")
    path = directory / entry / filename
    if not path.is_file():
        raise PretrainedError(f"Pretrained file missing: {path}. Reinstall ganzoo or rebuild it with: "
                              f"{manifest[entry].get('recipe', 'its tool')}")
    expected = files[filename]
    size, digest = path.stat().st_size, sha256_of(path)
    if size != expected["bytes"] or digest != expected["sha256"]:
        raise PretrainedError(f"Pretrained file {path} does not match its manifest and was not loaded (tampered or "
                              f"corrupt). Expected sha256 {expected['sha256']} ({expected['bytes']} bytes). "
                              f"Received: sha256 {digest} ({size} bytes)")
    return path


def load_keras_model(entry, filename, directory=None):
    """A verified `.keras` artefact, loaded in safe mode."""
    return keras.models.load_model(verified_path(entry, filename, directory), safe_mode=True)


def record_artifact(entry, files, *, metrics, recipe, description, directory):
    """Writes `files` (names under directory/entry) with their hashes into the manifest (for tools/)."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    manifest = read_manifest(directory) if manifest_path.exists() else {}
    manifest[entry] = {
        "description": description,
        "files": {name: {"sha256": sha256_of(directory / entry / name), "bytes": (directory / entry / name).stat().st_size}
                  for name in files},
        "metrics": metrics,
        "recipe": recipe,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest[entry]
