"""capture/__init__.py: the one place that picks a backend."""

from __future__ import annotations

import pytest

from loopnote.capture import default_backend_name, get_backend
from loopnote.errors import UnsupportedPlatform


@pytest.mark.parametrize(
    ("platform", "name"), [("linux", "pulse"), ("win32", "wasapi"), ("darwin", "coreaudio")]
)
def test_platform_picks_its_backend(platform: str, name: str) -> None:
    assert default_backend_name(platform) == name


def test_unsupported_platform_is_one_clear_error() -> None:
    with pytest.raises(UnsupportedPlatform, match="no audio capture for platform 'aix'"):
        default_backend_name("aix")


def test_environment_overrides_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPNOTE_CAPTURE_BACKEND", "nosuch")
    with pytest.raises(UnsupportedPlatform, match="known: pulse, wasapi, coreaudio"):
        get_backend()
    monkeypatch.setenv("LOOPNOTE_CAPTURE_BACKEND", "pulse")
    assert type(get_backend()).__module__ == "loopnote.capture.pulse"


def test_other_platforms_modules_load_only_when_chosen() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, loopnote.capture as c; c.get_backend('pulse'); "
        "print(sorted(m for m in sys.modules if m.startswith(('loopnote.capture.wasapi', "
        "'loopnote.capture.coreaudio'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    b = get_backend("wasapi")  # imports cleanly on Linux; nothing native is touched
    assert type(b).__module__.startswith("loopnote.capture.wasapi")
