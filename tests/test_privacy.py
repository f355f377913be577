"""Privacy: meeting folders are readable by the user only, and a whole meeting runs with the
network blocked for the process.

The block is a ``sitecustomize`` audit hook (PEP 578) that refuses ``socket.connect``,
``socket.sendto`` and name lookups for anything but AF_UNIX sockets, and writes every attempt
to a log, so an attempt that a library catches and ignores still fails the test. (Native code
that opens sockets without going through Python's ``socket`` module is not seen by the hook.)
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from loopnote.store import MeetingFolder, MeetingMeta
from loopnote.types import Utterance

FIXTURE = Path(__file__).parent / "fixtures" / "speech_confbridge_mute.flac"

SITECUSTOMIZE = """
import ipaddress, os, socket, sys

_LOG = os.environ["NETBLOCK_LOG"]

def _netblock(event, args):
    if event in ("socket.connect", "socket.connect_ex", "socket.sendto", "socket.sendmsg"):
        sock = args[0]
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return
        what = f"{event} {args[1]!r}" if len(args) > 1 else event
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        try:
            ipaddress.ip_address(host)
            return  # a numeric address needs no lookup; the connect is what gets refused
        except (TypeError, ValueError):
            pass
        what = f"{event} {host!r}"
    else:
        return
    with open(_LOG, "a") as f:
        f.write(what + "\\n")
    raise PermissionError(f"network blocked: {what}")

sys.addaudithook(_netblock)
"""


def blocked_env(tmp_path: Path) -> dict[str, str]:
    hook_dir = tmp_path / "netblock"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPNOTE_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(hook_dir), env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            ),
            "NETBLOCK_LOG": str(tmp_path / "net.log"),
            "LOOPNOTE_DATA_DIR": str(tmp_path / "data"),
            "LOOPNOTE_CONFIG": str(tmp_path / "no-config.toml"),
        }
    )
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "HF_HUB_OFFLINE"):
        env.pop(k, None)
    return env


def assert_private(folder: Path) -> None:
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for dirpath, dirs, files in os.walk(folder):
        for d in dirs:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, d)).st_mode) & 0o077 == 0, d
        for f in files:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, f)).st_mode) & 0o077 == 0, f


def test_meeting_folders_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: others could read what we do not lock down
    try:
        f = MeetingFolder.create(tmp_path / "meetings", MeetingMeta(id="", started_wall=1.8e9))
        f.append_utterance(Utterance("u0", "system", 0, 1, "confidential"))
        f.write_notes("")
        f.finish(1.8e9 + 1, 1.0)
        f.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "meetings").stat().st_mode) == 0o700
    assert_private(f.path)


def test_the_network_block_really_blocks(tmp_path: Path) -> None:
    """Control: the hook refuses a TCP connect and a DNS lookup and logs both; AF_UNIX is fine."""
    code = (
        "import socket\n"
        "import sys\n"
        "srv = socket.socket(socket.AF_UNIX)\n"
        "srv.bind(sys.argv[1]); srv.listen()\n"
        "socket.socket(socket.AF_UNIX).connect(sys.argv[1])\n"
        "print('unix ok')\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "except PermissionError as e:\n"
        "    print('refused', e)\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 443)\n"
        "except PermissionError as e:\n"
        "    print('refused', e)\n"
    )
    env = blocked_env(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "unix.sock")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "unix ok" in out.stdout and "refused network blocked" in out.stdout, out.stderr
    assert (tmp_path / "net.log").read_text().splitlines() == [
        "socket.connect ('127.0.0.1', 9)",
        "socket.getaddrinfo 'example.com'",
    ]


@pytest.mark.model
@pytest.mark.slow
def test_whole_meeting_with_network_blocked(tmp_path: Path) -> None:
    env = blocked_env(tmp_path)
    out_dir = tmp_path / "meetings"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "loopnote.cli.main",
            "transcribe",
            str(FIXTURE),
            "--fast",
            "--out",
            str(out_dir),
            "--format",
            "jsonl",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    attempts = (tmp_path / "net.log").read_text() if (tmp_path / "net.log").exists() else ""
    assert attempts == "", f"network use attempted:\n{attempts}"
    [folder] = list(out_dir.iterdir())
    meeting = MeetingFolder.open(folder)
    assert meeting.meta.status == "complete"
    text = " ".join(u.text for u in meeting.load_utterances()).lower()
    assert len(text.split()) >= 5, text
    assert (folder / "notes.md").exists()
    assert_private(folder)
