"""One error tree. The CLI prints ``str(error)`` as one line and exits non-zero.

Recoverable glitches are not errors: they travel as ``types.SessionWarning`` events.
"""


class LoopnoteError(Exception):
    """Base of every error a user can act on."""

    exit_code = 1


class UsageError(LoopnoteError):
    """A wrong option or argument."""

    exit_code = 2


class AudioDecodeError(LoopnoteError):
    """A file that is missing, empty, truncated or not audio."""


class CaptureError(LoopnoteError):
    """The OS audio path failed."""


class SoundServerUnavailable(CaptureError):
    """No sound server could be reached."""


class DeviceNotFound(CaptureError):
    """An unknown device, source or app."""


class PermissionDenied(CaptureError):
    """The OS refused access to audio."""


class UnsupportedPlatform(CaptureError):
    """The platform or OS version cannot do what was asked."""


class ModelNotAvailable(LoopnoteError):
    """A recognition or summary model that cannot be loaded."""


class StoreError(LoopnoteError):
    """A meeting folder or index that cannot be read or written."""


class MeetingNotFound(StoreError):
    """No meeting with that id."""


class SummarizerError(LoopnoteError):
    """A summarizer backend failed (the session falls back and warns)."""
