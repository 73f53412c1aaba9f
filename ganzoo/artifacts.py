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
import tensorflow as tf

from ganzoo.errors import PretrainedError
from ganzoo.lite import TFLiteModel

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


def _inside(directory, entry, *parts):
    """directory/entry/parts..., refused when it resolves outside the entry's own folder (`..`, an
    absolute part, a link leading out): a manifest names files of its entry only."""
    base = (directory / entry).resolve()
    path = directory.joinpath(entry, *parts)
    if base.parent != directory.resolve() or base not in path.resolve().parents:
        raise PretrainedError(f"Pretrained paths must stay inside {directory / entry}. "
                              f"Received: {'/'.join((entry, *parts))!r}")
    return path


def _entry_files(entry, directory):
    manifest = read_manifest(directory)
    if entry not in manifest:
        raise PretrainedError(f"Unknown pretrained entry. Expected one of {sorted(manifest)}. Received: {entry!r}")
    return manifest[entry]


def _checked(directory, entry, filename, expected, recipe, read=False):
    """The path of a listed file after comparing its size and sha256 with `expected`; with `read`,
    (path, bytes): the bytes that were hashed, for a reader that takes them from memory."""
    path = _inside(directory, entry, filename)
    if not path.is_file():
        raise PretrainedError(f"Pretrained file missing: {path}. Reinstall ganzoo or rebuild it with: {recipe}")
    if read:
        content = path.read_bytes()
        size, digest = len(content), hashlib.sha256(content).hexdigest()
    else:
        size, digest = path.stat().st_size, sha256_of(path)
    if size != expected["bytes"] or digest != expected["sha256"]:
        raise PretrainedError(f"Pretrained file {path} does not match its manifest and was not loaded (tampered or "
                              f"corrupt). Expected sha256 {expected['sha256']} ({expected['bytes']} bytes). "
                              f"Received: sha256 {digest} ({size} bytes)")
    return (path, content) if read else path


def verified_path(entry, filename, directory=None, read=False):
    """The path of `entry`'s file `filename`, after checking its size and sha256 against the manifest
    (with `read`: the path and the bytes that were checked)."""
    directory = Path(directory or pretrained_dir())
    described = _entry_files(entry, directory)
    if filename not in described["files"]:
        raise PretrainedError(f"{entry} has no file {filename!r}. Expected one of {sorted(described['files'])}")
    return _checked(directory, entry, filename, described["files"][filename], described.get("recipe", "its tool"),
                    read=read)


def verified_folder(entry, folder, directory=None):
    """The path of `entry`'s folder `folder` (a SavedModel), after checking every file the manifest
    lists in it and that the folder holds no file the manifest does not list."""
    directory = Path(directory or pretrained_dir())
    described = _entry_files(entry, directory)
    prefix = folder.rstrip("/") + "/"
    listed = {name: expected for name, expected in described["files"].items() if name.startswith(prefix)}
    if not listed:
        raise PretrainedError(f"{entry} has no folder {folder!r}. Its files: {sorted(described['files'])}")
    for name, expected in listed.items():
        _checked(directory, entry, name, expected, described.get("recipe", "its tool"))
    path = _inside(directory, entry, folder)
    extra = []
    for root, folders, files in os.walk(path, followlinks=False):
        for name in folders + files:
            found = Path(root) / name
            relative = found.relative_to(directory / entry).as_posix()
            if found.is_symlink() or (name in files and relative not in listed):
                extra.append(relative)
    if extra:
        raise PretrainedError(f"{path} holds files or links its manifest does not list and was not loaded: "
                              f"{', '.join(sorted(extra))}")
    return path


def load_keras_model(entry, filename, directory=None):
    """A verified `.keras` artefact, loaded in safe mode."""
    return keras.models.load_model(verified_path(entry, filename, directory), safe_mode=True)


def load_saved_model(entry, folder="saved_model", directory=None):
    """A verified SavedModel folder, loaded with `tf.saved_model.load` (keep a reference to it while
    its signatures are used)."""
    return tf.saved_model.load(str(verified_folder(entry, folder, directory)))


def restore_inference_networks(entry, model, folder="saved_model", directory=None):
    """Gives `model` (built from the entry's recorded config) the weights of `entry`'s verified
    SavedModel: its inference networks (EMA copies included, and the networks they average) take the
    values its signatures capture, matched by variable name and shape. Every trainable weight must be
    there; non-trainable ones that no signature reads (dropout's seed states) keep theirs, as does
    what an export leaves out (discriminators, optimiser state). Returns `model`."""
    exported, loaded = {}, load_saved_model(entry, folder, directory)  # kept: it owns the variables
    for signature in loaded.signatures.values():
        for variable in signature.variables:
            exported.setdefault(variable.name.removesuffix(":0"), {})[id(variable)] = variable
    wanted = [(name, model.inference_network(name)) for name in model.inference_networks]
    weights = [weight for _, network in wanted for weight in network.weights]
    problems = []
    for weight in weights:
        found = list(exported.get(weight.path, {}).values())
        if (found or weight.trainable) and (len(found) != 1 or tuple(found[0].shape) != tuple(weight.shape)):
            problems.append(f"{weight.path} {tuple(weight.shape)}: "
                            f"{[tuple(v.shape) for v in found] if found else 'absent'}")
    unused = sorted(set(exported) - {weight.path for weight in weights})
    problems += [f"{name}: not in the networks" for name in unused]
    if problems:
        raise PretrainedError(f"{entry}'s {folder} does not match the networks of its config: "
                              f"{'; '.join(problems[:3])}{' ...' if len(problems) > 3 else ''}")
    for name, network in wanted:
        for weight in network.weights:
            if weight.path in exported:
                weight.assign(next(iter(exported[weight.path].values())).numpy())
        if getattr(model, name) is not network:  # an EMA copy: the live network starts from it too
            getattr(model, name).set_weights(network.get_weights())
    return model


def load_tflite(entry, filename, directory=None):
    """A verified TFLite file as a `lite.TFLiteModel`; the interpreter runs the very bytes that were
    hashed."""
    path, content = verified_path(entry, filename, directory, read=True)
    return TFLiteModel(content=content, name=str(path))


def record_artifact(entry, files, *, metrics, recipe, description, directory, **details):
    """Writes `files` (names under directory/entry, `/` for subfolders) with their hashes into the
    manifest (for tools/); `details` (config, CPU seconds, version) are recorded beside them."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    manifest = read_manifest(directory) if manifest_path.exists() else {}
    manifest[entry] = {
        "description": description,
        "files": {name: {"sha256": sha256_of(directory / entry / name), "bytes": (directory / entry / name).stat().st_size}
                  for name in sorted(files)},
        "metrics": metrics,
        "recipe": recipe,
        **details,
    }
    partial = manifest_path.with_name(f".partial-{MANIFEST}")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(partial, manifest_path)
    return manifest[entry]
