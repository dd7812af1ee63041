"""tvaer's exception hierarchy. Engine errors are translated into these once, in the bindings."""

from __future__ import annotations

from typing import Any

__all__ = ["TvaerError", "ScenarioError", "SimulationError", "ResultsFileError", "ObservationError", "ScenarioWarning"]


class TvaerError(RuntimeError):
    """Base class of every error tvaer raises on purpose."""


class ScenarioError(TvaerError, ValueError):
    """A scenario that does not make sense.

    The message names where the bad value is, the key path as the planner wrote it and what was
    expected: ``scenarios/x.toml:12:3: interventions.mentor.capacity: must be an integer in
    [0, 4294967295], got -1``. Attributes: ``file``, ``line`` and ``column`` (0 when unknown),
    ``override`` (the ``Scenario.with_`` key that wrote the bad value, or ""), ``key_path`` and
    ``detail`` (the message after the location).
    """

    def __init__(self, message: str, key_path: str = "", file: str | None = None, *, line: int = 0,
                 column: int = 0, override: str = "", text: str | None = None):
        self.key_path = key_path
        self.file = file
        self.line = line
        self.column = column
        self.override = override
        self.detail = message
        if text is None:  # raised in Python: the file, if any, then the message
            text = f"{file}: {message}" if file else message
        super().__init__(text)

    @classmethod
    def at(cls, where: Any, key_path: str, message: str) -> "ScenarioError":
        """The error at `key_path` of a scenario, located by `where` (the engine's Origin of the
        key path, ``Scenario.locate``): ``WHERE: KEY.PATH: MESSAGE`` as the engine writes it."""
        detail = f"{key_path}: {message}"
        return cls(detail, key_path, where.file or None, line=where.line, column=where.column,
                   override=where.override, text=_located(where, detail))


class SimulationError(TvaerError):
    """A failure while a simulation ran; names the simulated time and the event."""


class ResultsFileError(TvaerError, OSError):
    """A results file that cannot be written or read."""


class ObservationError(TvaerError, ValueError):
    """A pilot's observation table (``tvaer.estimate``) that does not make sense; the message names
    the row and the column, what was found and what was expected."""


class ScenarioWarning(UserWarning):
    """A scenario that is valid but probably not what was meant (a selection nobody can satisfy,
    an effect on a transition that does not exist, ...); tvaer.scenario_warnings.

    The message is ``WHERE: KEY.PATH: MESSAGE`` where WHERE is ``FILE:LINE:COL`` of the value (or
    of its nearest enclosing table when the key is missing), ``FILE (override 'PATH')`` when a
    ``Scenario.with_`` override wrote it, ``FILE`` for a scenario made from data, or nothing.
    Attributes: ``key_path``, ``file``, ``line`` and ``column`` (0 when unknown), ``override`` and
    ``detail`` (the message after the key path)."""

    def __init__(self, message: str, key_path: str, file: str | None = None, *, line: int = 0, column: int = 0,
                 override: str = "", text: str | None = None):
        self.key_path, self.file, self.detail = key_path, file, message
        self.line, self.column, self.override = line, column, override
        if text is None:  # made in Python without an origin: the file, if any
            text = f"{file}: {key_path}: {message}" if file else f"{key_path}: {message}"
        super().__init__(text)

    @classmethod
    def at(cls, where: Any, key_path: str, message: str) -> "ScenarioWarning":
        """The warning at `key_path`, located by `where` (the engine's Origin, ``Scenario.locate``)."""
        return cls(message, key_path, where.file or None, line=where.line, column=where.column,
                   override=where.override, text=_located(where, f"{key_path}: {message}"))


def _located(where: Any, detail: str) -> str:
    """`detail` after the engine's description of `where` (``FILE:LINE:COL`` and so on), if any."""
    at = where.describe()
    return f"{at}: {detail}" if at else detail
