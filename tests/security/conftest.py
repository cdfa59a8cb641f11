from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import confinement as confinement_support


@pytest.fixture
def confinement(monkeypatch: pytest.MonkeyPatch) -> Iterator[confinement_support.Confinement]:
    """A confined task's surroundings in a folder of this machine outside /tmp (tests/support/confinement.py)."""
    outside = Path(tempfile.mkdtemp(prefix="flowjobs-confined-", dir="/var/tmp"))
    yield confinement_support.prepare(outside, monkeypatch)
    shutil.rmtree(outside, ignore_errors=True)
