"""tvaer's exception hierarchy. Engine errors are translated into these once, in the bindings."""

from __future__ import annotations

__all__ = ["TvaerError", "ScenarioError", "SimulationError", "ResultsFileError"]


class TvaerError(RuntimeError):
    """Base class of every error tvaer raises on purpose."""


class ScenarioError(TvaerError, ValueError):
    """A scenario that does not make sense.

    The message names the file (when there is one), the key path and what was expected, e.g.
    ``scenarios/x.toml: interventions[2].capacity: must be an integer >= 0, got -1``.
    """

    def __init__(self, message: str, key_path: str = "", file: str | None = None):
        self.key_path = key_path
        self.file = file
        self.detail = message
        super().__init__(f"{file}: {message}" if file else message)

    def in_file(self, file: str | None) -> "ScenarioError":
        """The same error, now naming `file`."""
        return ScenarioError(self.detail, self.key_path, file)


class SimulationError(TvaerError):
    """A failure while a simulation ran; names the simulated time and the event."""


class ResultsFileError(TvaerError, OSError):
    """A results file that cannot be written or read."""
