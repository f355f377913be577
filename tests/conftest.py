"""Shared pytest fixtures.

The real sound server (PulseAudio and PipeWire, started from tests/lab/) comes from
tests/soundserver.py: ``sound_server`` (session, one per server kind) and ``lab`` (per test).
"""

from soundserver import lab, sound_server  # noqa: F401  (fixtures)
