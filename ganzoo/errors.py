"""User-facing errors.

Every error a user can cause (a bad config, bad data, an unknown zoo entry, a tampered file) is a
`GanzooError`. The command line prints such errors as one line and exits non-zero; anything else is a
bug and keeps its traceback. Messages name what was expected and end with what was received.
"""


class GanzooError(Exception):
    """Base class of errors caused by user input rather than by a bug in ganzoo."""


class ConfigError(GanzooError, ValueError):
    """A zoo config or an override is invalid (unknown key, wrong type, value out of range)."""


class DataError(GanzooError, ValueError):
    """A dataset is missing, or its arrays have the wrong shape, dtype or value range."""


class UnknownEntryError(GanzooError, KeyError):
    """A zoo entry name that is not registered."""

    def __str__(self):  # KeyError would quote the message.
        return str(self.args[0])


class RunDirectoryError(GanzooError):
    """An output folder that cannot be used (finished run, or a run of a different config)."""


class TrainingDivergedError(GanzooError, RuntimeError):
    """A loss became NaN or infinite during training."""


class OutputError(GanzooError, OSError):
    """An output path that cannot be written (its parent is a file, no permission, wrong kind)."""


class PretrainedError(GanzooError):
    """A pretrained artefact that is missing, unknown, or whose bytes do not match its manifest."""


class BackupError(GanzooError):
    """A backup that cannot be written (full disk, denied write) or read back (damaged file)."""


class TrainingInterrupted(GanzooError):
    """Training stopped by SIGTERM or SIGINT after writing a backup; `exit_status` is 128 + the signal."""

    def __init__(self, message, exit_status):
        super().__init__(message)
        self.exit_status = exit_status


class ExportError(GanzooError):
    """A model that cannot be exported as asked (a format, quantisation or option it does not support,
    ops TFLite has no builtin for, an output path that cannot be written)."""
