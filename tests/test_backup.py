"""Backups and fault points as units: who writes, what is kept, what counts as damaged, how
GANZOO_FAULT is read."""

import json
import zipfile

import pytest

import ganzoo
from ganzoo import backup, distribute, faults
from ganzoo.errors import BackupError
from tests.zoo.test_registry import _tiny_config


@pytest.fixture(scope="module")
def tiny_model():
    return ganzoo.zoo.build_from_config(_tiny_config("gan-ring"))


@pytest.mark.parametrize("tf_config, chief", [
    (None, True),
    ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 0}}, True),
    ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}, False),
    ({"cluster": {"chief": ["c:0"], "worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}, True),
    ({"cluster": {"chief": ["c:0"], "worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}, False),
])
def test_only_the_chief_writes(tf_config, chief, monkeypatch, tiny_model, tmp_path):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert distribute.is_chief() is chief
    written = backup.write_backup(tmp_path, tiny_model, steps_per_epoch=4)
    assert (written is not None) is chief and bool(backup.backups(tmp_path)) is chief


def test_two_newest_are_kept_with_their_position(tiny_model, tmp_path):
    for step in (3, 5, 9):
        tiny_model.step_counter.assign(step)
        backup.write_backup(tmp_path, tiny_model, steps_per_epoch=4)
    tiny_model.step_counter.assign(0)
    assert [step for step, _ in backup.backups(tmp_path)] == [9, 5]
    meta = backup.read_meta(tmp_path / backup.backup_name(9))
    assert (meta["step"], meta["epoch"], meta["batch"]) == (9, 2, 1)
    assert set(meta["trackers"]) == {tracker.name for tracker in tiny_model.metrics}


def test_a_damaged_or_cut_file_is_not_a_backup(tiny_model, tmp_path):
    path = backup.write_backup(tmp_path, tiny_model, steps_per_epoch=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupError, match="is not a readable backup"):
        backup.read_meta(path)
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("model.weights.h5", b"x" * 100)
    corrupt = bytearray((tmp_path / "other.keras").read_bytes())
    corrupt[30 + len("model.weights.h5") + 10] ^= 0xFF  # inside the stored entry's data: its CRC fails
    (tmp_path / "other.keras").write_bytes(bytes(corrupt))
    with pytest.raises(BackupError, match="entry model.weights.h5 fails its checksum"):
        backup.read_meta(tmp_path / "other.keras")


@pytest.mark.parametrize("text, fault", [
    ("at_step:7", faults.Fault("at_step", 7)),
    ("in_write:4096", faults.Fault("in_write", 4096, 0)),
    ("in_write:10@6", faults.Fault("in_write", 10, 6)),
    ("before_rename", faults.Fault("before_rename", None, 0)),
    ("enospc@3", faults.Fault("enospc", None, 3)),
    ("eacces", faults.Fault("eacces", None, 0)),
])
def test_fault_names_are_read(text, fault, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT", text)
    assert faults.active_fault() == fault
    assert (faults.write_fault(fault.from_step) is not None) is (fault.kind in faults.WRITE_FAULTS)


@pytest.mark.parametrize("text", ["at_step", "at_step:x", "in_write", "before_rename:3", "reboot", "at_step:3@2"])
def test_malformed_fault_names_are_refused(text, monkeypatch):
    monkeypatch.setenv("GANZOO_FAULT", text)
    with pytest.raises(ValueError, match="GANZOO_FAULT must be at_step:K"):
        faults.active_fault()


def test_no_fault_when_unset(monkeypatch):
    monkeypatch.delenv("GANZOO_FAULT", raising=False)
    assert faults.active_fault() is None and faults.write_fault(10**6) is None
    faults.after_step(1)  # nothing happens
