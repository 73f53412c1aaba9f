"""Writes what follows from pretrained/manifest.json: the README's table of shipped models and the
`[options.data_files]` section of setup.cfg (every shipped file, SavedModel subfolders included, so a
non-editable install carries them). `--check` changes nothing and fails when either is out of date.

    python tools/sync_pretrained.py            # after tools/train_pretrained.py
    python tools/sync_pretrained.py --check    # what the tests run
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- pretrained table: begin (written by tools/sync_pretrained.py) -->", "<!-- pretrained table: end -->"
#: the metrics the table shows, in this order, with how each is printed
SHOWN = {"fd_digits": "fd_digits {:.1f}", "kid_digits": "kid_digits {:.1f}",
         "class_accuracy_digits": "class accuracy {:.2%}", "modes_captured": "{:.0f} modes",
         "high_quality_fraction": "{:.1%} high quality", "test_accuracy": "test accuracy {:.2%}"}
#: the same for translation entries (held-out split; class accuracy there is the class a digit keeps)
TRANSLATION_SHOWN = {"l1": "L1 {:.4f}", "psnr": "PSNR {:.1f} dB", "class_accuracy_digits": "class kept {:.1%}",
                     "fd_digits": "fd_digits {:.1f}", "colourfulness": "colourfulness {:.1f}",
                     "colourfulness_targets": "targets' {:.1f}",
                     "class_accuracy_digits_a_to_b": "class kept A->B {:.1%}",
                     "class_accuracy_digits_b_to_a": "B->A {:.1%}", "cycle_error_a": "cycle error A {:.3f}",
                     "cycle_error_b": "B {:.3f}", "l1_a_to_b": "L1 to the known transform A->B {:.3f}",
                     "l1_b_to_a": "B->A {:.3f}"}
FORMAT_NAMES = {"model.keras": ".keras", "classifier.keras": ".keras", "saved_model": "SavedModel",
                "model_float16.tflite": "TFLite float16", "model_int8.tflite": "TFLite int8",
                "model_none.tflite": "TFLite float32"}


def _size(files, prefix):
    return sum(described["bytes"] for name, described in files.items() if name == prefix or
               name.startswith(prefix + "/"))


def readme_table(manifest):
    lines = [BEGIN, "| entry | shipped files (size) | measured (seed, N) |", "| --- | --- | --- |"]
    for entry, described in sorted(manifest.items()):
        files = described["files"]
        parts = sorted({name.split("/")[0] for name in files})
        shipped = ", ".join(f"{FORMAT_NAMES.get(part, part)} ({_size(files, part) / 1e6:.1f} MB)" for part in parts)
        metrics = described.get("metrics", {})
        translating = described.get("config", {}).get("model", {}).get("type") in ("pix2pix", "cyclegan")
        shown = [text.format(metrics[name]["value"] if isinstance(metrics[name], dict) else metrics[name])
                 for name, text in (TRANSLATION_SHOWN if translating else SHOWN).items() if name in metrics]
        if "model.keras" in described.get("left_out", {}):
            shipped += "; no .keras (over 10 MB: loads from the SavedModel)"
        n = metrics.get("n") or next((m.get("n_fake") for m in metrics.values() if isinstance(m, dict)), None)
        where = f" (seed {metrics['seed']}, N {n})" if "seed" in metrics and n else ""
        lines.append(f"| `{entry}` | {shipped} | {', '.join(shown)}{where} |")
    return "\n".join(lines + [END])


def data_files(manifest):
    """The [options.data_files] section: configs, the manifest, then one line per shipped folder."""
    folders = {}
    for entry, described in sorted(manifest.items()):
        for name in sorted(described["files"]):
            relative = Path("pretrained") / entry / name
            folders.setdefault(str(relative.parent), []).append(str(relative))
    lines = ["[options.data_files]", "share/ganzoo/zoo_configs = zoo_configs/*.yaml",
             "share/ganzoo/pretrained = pretrained/manifest.json"]
    for folder, files in sorted(folders.items()):
        lines.append(f"share/ganzoo/{folder} =")
        lines.extend(f"    {file}" for file in files)
    return "\n".join(lines)


def synced(text, begin, end, replacement, keep_end=True):
    """`text` with the block from `begin` to `end` replaced (`end` itself kept unless `keep_end` is
    False, when the replacement brings its own)."""
    start = text.index(begin)
    stop = text.index(end, start)
    return text[:start] + replacement + text[stop + (0 if keep_end else len(end)):]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if README.md or setup.cfg is out of date")
    args = parser.parse_args()
    manifest = json.loads((ROOT / "pretrained" / "manifest.json").read_text())
    readme, setup = ROOT / "README.md", ROOT / "setup.cfg"
    wanted = {readme: synced(readme.read_text(), BEGIN, END, readme_table(manifest), keep_end=False),
              setup: synced(setup.read_text(), "[options.data_files]", "\n\n[", data_files(manifest))}
    stale = [path.name for path, text in wanted.items() if path.read_text() != text]
    if args.check:
        if stale:
            sys.exit(f"Out of date with pretrained/manifest.json: {', '.join(stale)}; run python tools/sync_pretrained.py")
        return
    for path, text in wanted.items():
        path.write_text(text)
    print(f"Updated: {', '.join(stale) or 'nothing (already in step)'}")


if __name__ == "__main__":
    main()
