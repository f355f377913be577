"""Shared pytest fixtures.

The real sound server (PulseAudio and PipeWire, started from tests/lab/) comes from
tests/soundserver.py: ``sound_server`` (session, one per server kind) and ``lab`` (per test).
The Windows lab (Windows CPython under Wine, ../shared/winlab) is ``winlab`` (session), from
tests/windows_lab.py.
"""

import pytest

from soundserver import lab, sound_server  # noqa: F401  (fixtures)
from windows_lab import winlab  # noqa: F401  (fixture: the Windows lab, tests/windows_lab.py)


@pytest.fixture(autouse=True)
def _private_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every test gets its own data dir, so no test reads or writes the user's index, voices
    or consent state (the model caches live elsewhere and stay shared). A test that sets
    LOOPNOTE_DATA_DIR itself overrides this."""
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
