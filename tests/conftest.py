"""Shared pytest fixtures.

The real sound server (PulseAudio and PipeWire, started from tests/lab/) comes from
tests/soundserver.py: ``sound_server`` (session, one per server kind) and ``lab`` (per test).
The Windows lab (Windows CPython under Wine, ../shared/winlab) is ``winlab`` (session), from
tests/windows_lab.py.
"""

from soundserver import lab, sound_server  # noqa: F401  (fixtures)
from windows_lab import winlab  # noqa: F401  (fixture: the Windows lab, tests/windows_lab.py)
