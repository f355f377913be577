"""The operating system loopnote runs on: the one place that asks, and the file calls that differ.

``OS``, ``os_of(platform)``  "linux", "windows", "macos" or "other" (from ``sys.platform``)
``MODE_BITS``                whether POSIX permission bits keep other users out of a file
``open_fd(path, flags, mode)``  ``os.open`` in binary mode on every platform
``restrict(path_or_fd, mode)``  set permission bits where they exist (see below)
``write_all(fd, data)``      write every byte (``os.write`` may write fewer)
``write_at(fd, data, offset)``  write at an offset without moving the file position for good
``flush_to_disk(fd)``        ``fsync`` that reaches the disk on macOS too (``F_FULLFSYNC``)
``replace(src, dst)``        ``os.replace``, waiting out Windows' brief sharing violations
``end_child(proc)``          end a child process that stops when its standard input closes
``serve_in_background()``   in such a child: a lower priority, and deaf to the console's Ctrl-C
``helper_popen_options()``  how to start such a child (its own process group on POSIX)
``hold_child(proc)``, ``release_child(proc)``  stop and resume such a child (POSIX:
                             ``HOLDS_HELPERS``)

Privacy of files: on Linux and macOS a meeting folder is 0700 and its files 0600. Windows has
no such bits (``os.chmod`` only sets the read-only flag); a file there has the access list
(ACL) it inherits from its folder. loopnote keeps its data in the user's profile
(``%LOCALAPPDATA%``), whose ACL admits only the user, SYSTEM and administrators, so a meeting
is as private there as under a 0700 folder. A data folder placed elsewhere
(``LOOPNOTE_DATA_DIR``, ``--out``) is as private as that place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any, Literal

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

OSName = Literal["linux", "windows", "macos", "other"]


def os_of(platform: str) -> OSName:
    """The OS family of a ``sys.platform`` value."""
    if platform.startswith("linux"):
        return "linux"
    if platform.startswith(("win32", "cygwin")):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "other"


OS: OSName = os_of(sys.platform)
MODE_BITS = OS != "windows"

# Windows' C runtime opens a descriptor in text mode unless told otherwise, and then writes
# every b"\n" as b"\r\n": audio and journals would be corrupted byte by byte.
_BINARY = getattr(os, "O_BINARY", 0)
# a replace over a file another process has open fails on Windows until that one closes it
_REPLACE_TRIES = 20 if OS == "windows" else 1
_FULLFSYNC: int | None = getattr(fcntl, "F_FULLFSYNC", None)  # macOS only


def open_fd(path: str | os.PathLike[str], flags: int, mode: int = 0o600) -> int:
    """``os.open(path, flags, mode)`` in binary mode everywhere."""
    return os.open(path, flags | _BINARY, mode)


def restrict(target: str | os.PathLike[str] | int, mode: int) -> None:
    """Give a file (path or descriptor) exactly ``mode`` where permission bits exist.

    Corrects what the umask took away and what an older file had. On Windows nothing is
    done: the file keeps its folder's ACL (see the module docstring).
    """
    if not MODE_BITS:
        return
    if isinstance(target, int):
        os.fchmod(target, mode)
    else:
        os.chmod(target, mode)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_at(fd: int, data: bytes, offset: int) -> None:
    """Write ``data`` at ``offset``; the file position is where it was before.

    Windows has no ``pwrite``: there the position is moved and put back, so the caller must
    own the descriptor (no other thread writes to it at the same time).
    """
    pwrite = getattr(os, "pwrite", None)
    if pwrite is not None:
        view = memoryview(data)
        while view:
            n = pwrite(fd, view, offset)
            view, offset = view[n:], offset + n
        return
    here = os.lseek(fd, 0, os.SEEK_CUR)
    os.lseek(fd, offset, os.SEEK_SET)
    try:
        write_all(fd, data)
    finally:
        os.lseek(fd, here, os.SEEK_SET)


def flush_to_disk(fd: int) -> None:
    """Make what was written to ``fd`` survive a power cut. On macOS ``fsync`` only hands
    the data to the drive, whose cache may still lose it: ``F_FULLFSYNC`` flushes that too
    (where the file system does not support it, ``fsync`` is what there is)."""
    if _FULLFSYNC is not None:
        try:
            fcntl.fcntl(fd, _FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """``os.replace``. On Windows a reader that has ``dst`` open (another loopnote listing
    the meetings, a virus scanner) makes it fail for a moment: it is tried for up to 1 s."""
    for attempt in range(_REPLACE_TRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == _REPLACE_TRIES - 1:
                raise
            time.sleep(0.05)


def end_child(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Close ``proc``'s standard input (its cue to end), wait for it (killed after
    ``timeout`` s), and close its output pipe."""
    if proc.stdin is not None:
        proc.stdin.close()
    release_child(proc)  # a held child could not see its input close
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def helper_popen_options() -> dict[str, Any]:
    """``Popen`` options for a background helper: on POSIX its own process group, so that
    when the meeting's process dies (even killed with -9) while the helper is held
    (``hold_child``), the group is left orphaned and the kernel sends it SIGHUP and SIGCONT:
    the helper wakes, finds its standard input closed, and ends."""
    return {} if OS == "windows" else {"process_group": 0}


HOLDS_HELPERS = OS != "windows"  # whether ``hold_child`` can stop a helper here


def hold_child(proc: subprocess.Popen[Any]) -> bool:
    """Stop ``proc`` from running until ``release_child``; False where processes are not
    held (Windows: there the helper's lower priority class is what yields)."""
    return _signal_child(proc, "SIGSTOP")


def release_child(proc: subprocess.Popen[Any]) -> bool:
    return _signal_child(proc, "SIGCONT")


def _signal_child(proc: subprocess.Popen[Any], name: str) -> bool:
    if not HOLDS_HELPERS or proc.returncode is not None:
        return False
    try:
        os.kill(proc.pid, getattr(signal, name))  # absent on Windows: looked up here
    except OSError:  # it has just ended
        return False
    return True


BACKGROUND_NICENESS = 10  # added to a helper child's niceness: the live path wins a shared core
# Windows' counterpart: a normal-priority thread always runs before a below-normal one
WINDOWS_BELOW_NORMAL_PRIORITY_CLASS = 0x4000


def serve_in_background() -> None:
    """Make this process a meeting's background helper (a model in a child process): a lower
    scheduling priority (niceness on Linux and macOS, the below-normal priority class on
    Windows), and deaf to the console's Ctrl-C and Ctrl-Break, which reach every process in
    the console's group but are meant to end the meeting, whose end (a settling pass, LLM
    notes) still needs the helper. The helper ends when its standard input closes
    (``end_child``)."""
    if hasattr(os, "nice"):
        os.nice(BACKGROUND_NICENESS)
    if OS == "windows":
        import ctypes

        loader: Any = getattr(ctypes, "WinDLL")  # noqa: B009 (absent off Windows)
        kernel32 = loader("kernel32")
        kernel32.GetCurrentProcess.restype = ctypes.c_void_p
        kernel32.SetPriorityClass.argtypes = (ctypes.c_void_p, ctypes.c_uint32)
        # a refusal leaves the helper at normal priority: slower live passes, nothing lost
        kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), WINDOWS_BELOW_NORMAL_PRIORITY_CLASS)
    for name in ("SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
