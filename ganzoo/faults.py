"""Test-only fault points, so that tests can stop a run at an exact place and check that rerunning the
same command loses nothing.

`GANZOO_FAULT` names one fault:
- `at_step:K`       the process is killed (SIGKILL) when training step K (counted from 1) has finished;
- `in_write:N`      killed while a backup is written, after its first N bytes reached the file;
- `before_rename`   killed after a backup is written and flushed, before it is renamed into place;
- `enospc`, `eacces`  the backup write fails with that OSError (a full disk, a denied write).
A write fault fires at the first backup written, or with a suffix `@K` (`in_write:4096@6`) at the
first backup written at step K or later. `GANZOO_FAULT_KILL=raise` replaces the SIGKILL by raising
`SimulatedKill` (a BaseException that nothing in ganzoo catches), so tests can stop a run in their own
process and leave the run folder exactly as a kill would. Unset in normal use: then nothing here acts.
"""

import errno
import os
import signal
from typing import NamedTuple, Optional

WRITE_FAULTS = ("in_write", "before_rename", "enospc", "eacces")


class SimulatedKill(BaseException):
    """Raised instead of SIGKILL when GANZOO_FAULT_KILL=raise."""


class Fault(NamedTuple):
    kind: str
    value: Optional[int] = None  # K of at_step, N of in_write
    from_step: int = 0  # write faults: the first backup at this step or later


def active_fault():
    """The fault GANZOO_FAULT names, or None; a malformed value is an error naming the forms."""
    text = os.environ.get("GANZOO_FAULT")
    if not text:
        return None
    spec, _, at = text.partition("@")
    kind, _, value = spec.partition(":")
    number, from_step = _number(value), (_number(at) if at else 0)
    if kind == "at_step" and number is not None and not at:
        return Fault(kind, number)
    if kind in WRITE_FAULTS and (kind == "in_write") == (number is not None) and (value == "") == (number is None) \
            and from_step is not None:
        return Fault(kind, number, from_step)
    raise ValueError(f"GANZOO_FAULT must be at_step:K, in_write:N_BYTES, before_rename, enospc or eacces (write "
                     f"faults optionally @STEP). Received: {text!r}")


def _number(text):
    return int(text) if text.isdigit() else None


def kill():
    """Ends the process as SIGKILL would (or raises `SimulatedKill`, see the module docstring)."""
    if os.environ.get("GANZOO_FAULT_KILL") == "raise":
        raise SimulatedKill("GANZOO_FAULT")
    os.kill(os.getpid(), signal.SIGKILL)


def after_step(step, first=None):
    """Called when training steps `first` to `step` (counted from 1; `first` defaults to `step`) have
    finished: several at once with steps_per_execution > 1."""
    fault = active_fault()
    if fault and fault.kind == "at_step" and (step if first is None else first) <= fault.value <= step:
        kill()


def write_fault(step):
    """The write fault that applies to a backup of step `step`, or None."""
    fault = active_fault()
    return fault if fault and fault.kind in WRITE_FAULTS and step >= fault.from_step else None


def raise_os_error(fault, path):
    """The OSError of an `enospc` or `eacces` fault."""
    code = errno.ENOSPC if fault.kind == "enospc" else errno.EACCES
    raise OSError(code, os.strerror(code), str(path))
