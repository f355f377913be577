"""loopnote.capture: OS audio in, ``AudioChunk``s out. The one place that picks a backend.

``get_backend(name=None)``  the ``Backend`` for this platform: Linux ``pulse`` (PulseAudio or
                            PipeWire), Windows ``wasapi``, macOS ``coreaudio``. The environment
                            variable ``LOOPNOTE_CAPTURE_BACKEND`` (or ``name``) overrides it.
``BACKENDS``                backend name -> module; each module offers ``create_backend()``.

Backend modules are imported only when chosen, so a Windows or macOS module never loads on
Linux (and the other way round).
"""

from __future__ import annotations

import importlib
import os
import sys

from loopnote import host
from loopnote.capture.base import Backend
from loopnote.errors import UnsupportedPlatform

BACKENDS: dict[str, str] = {
    "pulse": "loopnote.capture.pulse",
    "wasapi": "loopnote.capture.wasapi",
    "coreaudio": "loopnote.capture.coreaudio",
}


_BY_OS = {"linux": "pulse", "windows": "wasapi", "macos": "coreaudio"}


def default_backend_name(platform: str | None = None) -> str:
    """The backend for a ``sys.platform`` value (default: this machine's)."""
    plat = platform or sys.platform
    backend = _BY_OS.get(host.os_of(plat))
    if backend is not None:
        return backend
    raise UnsupportedPlatform(
        f"no audio capture for platform {plat!r} (supported: Linux, Windows, macOS)"
    )


def get_backend(name: str | None = None) -> Backend:
    """The capture backend: ``name``, else $LOOPNOTE_CAPTURE_BACKEND, else the platform's."""
    chosen = name or os.environ.get("LOOPNOTE_CAPTURE_BACKEND") or default_backend_name()
    module = BACKENDS.get(chosen)
    if module is None:
        raise UnsupportedPlatform(
            f"unknown capture backend {chosen!r}; known: {', '.join(BACKENDS)}"
        )
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise UnsupportedPlatform(f"capture backend {chosen!r} cannot load here: {e}") from None
    factory = getattr(mod, "create_backend", None)
    if factory is None:
        raise UnsupportedPlatform(f"capture backend {chosen!r} offers no create_backend()")
    backend: Backend = factory()
    return backend
