"""macOS capture through Core Audio. Importing this package loads no native library.

``create_backend()``  what ``loopnote.capture.get_backend`` calls: a ``CoreAudioBackend``
``backend``    ``CoreAudioBackend``: list_sources() and open(request) (capture.base.Backend)
``stream``     ``CoreAudioInput``: one live source, device following, permission check
``tap``        routes: process tap + private aggregate device + IO proc, or an input device
``processes``  apps using audio (process objects), ``--app`` matching
``timing``     pure core: IO proc buffers -> timed AudioChunks, gaps, zero-stream alarm
``api``        the seam: the HAL calls loopnote makes, selectors and keys from Apple's headers
``native``     that seam on a real Mac (ctypes: CoreAudio, CoreFoundation, libobjc);
``abi``        its C struct layouts and the AudioBufferList reader
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loopnote.capture.coreaudio.backend import CoreAudioBackend


def create_backend() -> CoreAudioBackend:
    from loopnote.capture.coreaudio.backend import CoreAudioBackend

    return CoreAudioBackend()
