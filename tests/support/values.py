"""A dataclass the round-trip tests pass through a job task (importable, as a task's types must be)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float
    label: str
