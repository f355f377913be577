"""Windows capture (WASAPI) through ctypes COM. Importing this package loads no Windows DLL.

``create_backend()``  a ``WasapiBackend`` (what ``loopnote.capture.get_backend`` calls)
``backend``           ``WasapiBackend``: list_sources() and open(request) (capture.base.Backend)
``stream``            the capture loop shared by every input (events with polling fallback,
                      gap filling, device recovery)
``endpoint``          endpoint loopback (render) and microphone (capture) streams
``process_loopback``  one app's audio, or all but one app (Windows 10 build 20348+)
``sessions``          applications playing audio, ``--app NAME|PID`` resolution
``notify``            IMMNotificationClient: default-device changes, removals
``timeline``          pure placement of packets and gap silence on the session clock
``mmdevice``, ``audioclient``  interface wrappers; ``structs`` native layouts; ``com`` vtable
                      calls and the one HRESULT translation; ``win32`` the flat API seam
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loopnote.capture.wasapi.backend import WasapiBackend


def create_backend() -> WasapiBackend:
    from loopnote.capture.wasapi.backend import WasapiBackend

    return WasapiBackend()
