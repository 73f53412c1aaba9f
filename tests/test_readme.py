"""The README's command blocks run as written, in order, in a fresh folder. The only changes are
budgets: every `ganzoo train` stops after two steps with its networks shrunk through `--set`, so that
the commands after it find what they expect (a run folder, a model) in seconds. The shipped models the
README names are used as they are."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from ganzoo.cli import main
from tests.test_bigan_evaluation import TINY_BIGAN
from tests.test_cli import TINY_DCGAN, TINY_RING, TINY_STYLEGAN2
from tests.test_translation_cli import TINY_PIX2PIX

README = Path(__file__).resolve().parents[1] / "README.md"
BUDGET = ["--epochs", "1", "--steps-per-epoch", "2", "--no-tensorboard", "--quiet"]
SHRUNK = {"gan-ring": TINY_RING, "dcgan-digits": TINY_DCGAN, "stylegan2-digits": TINY_STYLEGAN2,
          "pix2pix-edges2digits": TINY_PIX2PIX, "bigan-digits": TINY_BIGAN}
#: commands that are not ganzoo's own and need no network: run as they are
OTHER_TOOLS = ("saved_model_cli",)


def readme_commands():
    """Every command line of the README's ```bash blocks, in order, comments removed; an install
    (`pip install ... && COMMAND`) keeps only its COMMAND, and the test command itself is left out."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), re.S):
        for line in block.splitlines():
            line = line.split(" #")[0].strip() if not line.strip().startswith("#") else ""
            if "&&" in line:
                line = line.split("&&")[-1].strip()
            if line and line != "pytest":
                commands.append(line)
    return commands


def test_the_readme_lists_its_commands():
    commands = readme_commands()
    assert commands[0] == "ganzoo train dcgan-digits" and len(commands) >= 20
    assert all(command.split()[0] in ("ganzoo", *OTHER_TOOLS) for command in commands), commands


def test_every_readme_command_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for command in readme_commands():
        words = shlex.split(command)
        if words[0] in OTHER_TOOLS:
            assert shutil.which(words[0]), f"{words[0]} (installed with tensorflow) is not on PATH"
            done = subprocess.run(words, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{command}\n{done.stderr[-2000:]}"
            continue
        args = words[1:]
        if args[0] == "train":
            args += SHRUNK[args[1]] + BUDGET
        status = main(args)
        assert status == 0, f"{command} -> exit {status}: {capsys.readouterr().err[-2000:]}"
    assert (tmp_path / "negatives" / "sevens.png").is_file() and (tmp_path / "back" / "sevens.png").is_file()
    assert (tmp_path / "cyc" / "model.tflite").is_file() and (tmp_path / "exported" / "cgan" / "saved_model.pb").is_file()
