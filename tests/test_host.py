"""loopnote.host: the OS facts and the file calls that differ between platforms.

The Windows branches run for real under the Windows Python in tests/test_windows_winlab.py;
here they are driven on this machine by taking away what Windows lacks (``os.pwrite``,
permission bits).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loopnote import host


@pytest.mark.parametrize(
    ("platform", "name"),
    [("linux", "linux"), ("win32", "windows"), ("cygwin", "windows"), ("darwin", "macos")],
)
def test_os_of_platform(platform: str, name: str) -> None:
    assert host.os_of(platform) == name
    assert host.os_of("aix") == "other"


@pytest.mark.parametrize("pwrite", [True, False], ids=["pwrite", "seek-and-write"])
def test_write_at_leaves_the_position_where_appends_continue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pwrite: bool
) -> None:
    if not pwrite:
        monkeypatch.delattr(os, "pwrite", raising=False)  # as on Windows
    path = tmp_path / "f.bin"
    fd = host.open_fd(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        host.write_all(fd, b"HEAD" + b"\n" * 6)
        host.write_at(fd, b"head", 0)
        host.write_all(fd, b"tail\r\n")
        host.write_at(fd, b"EA", 1)
    finally:
        os.close(fd)
    assert path.read_bytes() == b"hEAd" + b"\n" * 6 + b"tail\r\n"


def test_restrict_sets_bits_where_they_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not host.MODE_BITS:
        pytest.skip("no permission bits here (Windows: the folder's ACL applies)")
    p = tmp_path / "f"
    p.write_text("x")
    p.chmod(0o644)
    fd = os.open(p, os.O_RDONLY)
    try:
        host.restrict(fd, 0o600)
    finally:
        os.close(fd)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    host.restrict(tmp_path, 0o700)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    # where there are no bits (Windows), nothing is touched: no fchmod is called at all
    monkeypatch.setattr(host, "MODE_BITS", False)
    monkeypatch.delattr(os, "fchmod")
    host.restrict(0, 0o600)
    host.restrict(p, 0o644)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_replace_waits_out_a_brief_sharing_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def busy_twice(src: str, dst: str) -> None:
        calls.append((src, dst))
        if len(calls) < 3:
            raise PermissionError(13, "used by another process")

    monkeypatch.setattr(os, "replace", busy_twice)
    monkeypatch.setattr(host, "_REPLACE_TRIES", 20)
    host.replace("a", "b")
    assert calls == [("a", "b")] * 3
    calls.clear()
    monkeypatch.setattr(host, "_REPLACE_TRIES", 1)  # POSIX: a refusal is final
    with pytest.raises(PermissionError):
        host.replace("a", "b")
    assert len(calls) == 1


def test_files_stay_writable_for_their_owner(tmp_path: Path) -> None:
    """Where permission bits do not exist (Windows), ``os.chmod`` would only set the
    read-only flag; loopnote's files never get it, so recover and rename can rewrite them."""
    from loopnote.store.journal import make_private_dir, write_atomic

    make_private_dir(tmp_path / "d" / "e")
    write_atomic(tmp_path / "d" / "e" / "f.json", "{}\n")
    for p in (tmp_path / "d", tmp_path / "d" / "e", tmp_path / "d" / "e" / "f.json"):
        assert p.stat().st_mode & stat.S_IWRITE and os.access(p, os.W_OK), p


@pytest.mark.skipif(host.OS != "windows", reason="the Windows counterpart of the 0700 checks")
def test_windows_data_lives_in_the_users_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a meeting is private because its folder inherits the ACL of the user's
    profile: the default data and config folders must lie inside it."""
    from loopnote.config import config_path, data_dir

    monkeypatch.delenv("LOOPNOTE_DATA_DIR", raising=False)
    monkeypatch.delenv("LOOPNOTE_CONFIG", raising=False)
    profile = Path(os.environ["USERPROFILE"]).resolve()
    for p in (data_dir(), config_path()):
        assert p.resolve().is_relative_to(profile), p


def test_flush_to_disk_asks_for_a_full_flush_where_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS: F_FULLFSYNC (driven here through a stand-in, as this is not macOS); where the
    file system refuses it, and everywhere else, fsync."""
    real_fcntl = pytest.importorskip("fcntl", reason="POSIX (Windows has no fcntl)")
    calls: list[str] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync"))
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        host.flush_to_disk(fd)
        assert calls == ["fsync"] or host._FULLFSYNC is not None
        calls.clear()
        refuse = False

        def fcntl(fd: int, cmd: int, arg: int = 0) -> int:
            calls.append(f"fcntl {cmd}")
            if refuse:
                raise OSError(45, "Operation not supported")
            return 0

        monkeypatch.setattr(host, "_FULLFSYNC", 51)
        monkeypatch.setattr(real_fcntl, "fcntl", fcntl)
        host.flush_to_disk(fd)
        assert calls == ["fcntl 51"]
        calls.clear()
        refuse = True
        host.flush_to_disk(fd)
        assert calls == ["fcntl 51", "fsync"]
    finally:
        os.close(fd)


CHILD = (
    "import os, sys\n"
    "from loopnote import host\n"
    "host.serve_in_background()\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
    "print(os.nice(0) if hasattr(os, 'nice') else 0, flush=True)\n"
)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness and signals")
def test_a_background_helper_outlives_the_consoles_ctrl_c_and_ends_with_its_stdin() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)  # what a terminal's Ctrl-C sends the whole group
    time.sleep(0.3)
    assert proc.poll() is None, "the helper died of the Ctrl-C that ends the meeting"
    out, _ = proc.communicate("", timeout=10)  # its stdin closes: it ends
    assert proc.returncode == 0
    # niceness stops at 19: a test run that is itself nice still sees the step down
    assert int(out.strip()) >= min(19, os.nice(0) + host.BACKGROUND_NICENESS)


PRIORITY_CHILD = (
    "import ctypes\n"
    "from loopnote import host\n"
    "host.serve_in_background()\n"
    "k = ctypes.WinDLL('kernel32')\n"
    "k.GetCurrentProcess.restype = ctypes.c_void_p\n"
    "k.GetPriorityClass.argtypes = (ctypes.c_void_p,)\n"
    "print(k.GetPriorityClass(k.GetCurrentProcess()))\n"
)


@pytest.mark.skipif(host.OS != "windows", reason="Windows priority classes")
def test_a_background_helper_runs_below_normal_priority_on_windows() -> None:
    """The counterpart of the niceness check above: without it a helper (the settling pass,
    the LLM) competes with live recognition as an equal."""
    out = subprocess.run(
        [sys.executable, "-c", PRIORITY_CHILD], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) == host.WINDOWS_BELOW_NORMAL_PRIORITY_CLASS


def test_a_helper_is_held_where_processes_stop_and_always_ends() -> None:
    """POSIX stops a held helper (tests/test_settle_hold.py watches it stop and wake);
    Windows keeps it running at its lower priority class. Either way it ends when asked."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"],
        stdin=subprocess.PIPE,
        **host.helper_popen_options(),
    )
    try:
        held = host.hold_child(child)
        assert held == (host.OS != "windows")
    finally:
        host.end_child(child, timeout=10)  # resumes a held helper so it sees its input close
    assert child.returncode == 0
    assert not host.hold_child(child) and not host.release_child(child)  # ended: nothing to do
