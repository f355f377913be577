"""The Windows lab for tests: Windows CPython 3.11 under Wine (../shared/winlab), whose WASAPI
talks to a headless PulseAudio, with loopnote's own dependencies installed as Windows wheels
(tests/winlab_wheels.py).

``winlab``        session fixture: the environment in which ``winpy`` and ``winlab-play`` run.
                  The lab is set up when first needed (root; 2-4 min the first time, then
                  seconds) and torn down at the end. Skips without ../shared/winlab or root.
``winpy(env, args, visible=...)``  start a program under the Windows Python (a ``Popen``)
``windows_path(path)``             how the Windows Python sees a Linux path (drive Z:)

Wine-only workarounds (not loopnote's to make on real Windows): numpy 2.0.x
(tests/winlab_wheels.py) and ``KMP_AFFINITY=disabled``: CTranslate2's Intel OpenMP calls
``GetNumaNodeProcessorMaskEx``, which Wine does not implement.

WINLAB_DIR picks the lab directory (default /tmp/loopnote-winlab).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from winlab_wheels import lab_wheels, setup_env

ROOT = Path(__file__).resolve().parents[1]
WINLAB = ROOT.parent / "shared" / "winlab"


@pytest.fixture(scope="session")
def winlab() -> Iterator[dict[str, str]]:
    if not WINLAB.is_dir():
        pytest.skip("../shared/winlab is absent")
    if os.geteuid() != 0:
        pytest.skip("setting up winlab needs root (debootstrap, mount, chroot)")
    lab = os.environ.get("WINLAB_DIR", "/tmp/loopnote-winlab")
    env = dict(os.environ, WINLAB_DIR=lab)
    t0 = time.monotonic()
    wheels, pins = lab_wheels()
    t_wheels = time.monotonic() - t0
    # A lab kept from an earlier run may still hold binds of a checkout that has since been
    # deleted and cloned again at the same path; binding the new one over them fails (ENOENT).
    # Tearing down first releases them (setup brings the lab back in seconds).
    _teardown(env)
    res = subprocess.run(
        [str(WINLAB / "setup.sh")],
        env=setup_env(env, wheels, pins),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert res.returncode == 0, f"winlab setup failed:\n{res.stderr[-3000:]}"
    for line in res.stdout.splitlines():  # export NAME='value' lines
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value.replace('"$PATH"', os.environ.get("PATH", "")))[0]
    env["KMP_AFFINITY"] = "disabled"  # Wine lacks the NUMA call CTranslate2's OpenMP makes
    env["WINLAB_ENV"] = "KMP_AFFINITY"
    print(
        f"winlab ready in {time.monotonic() - t0:.1f} s ({len(pins)} Windows wheels, "
        f"{t_wheels:.1f} s to have them)"
    )
    try:
        yield env
    finally:
        _teardown(env)


def _teardown(env: dict[str, str]) -> None:
    """Stop the lab's servers and unmount its binds (its files stay for the next setup).

    Best effort: a bind left busy is reported, and a setup that cannot work fails on its own.
    """
    res = subprocess.run(
        [str(WINLAB / "teardown.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    if res.returncode != 0:
        print(f"winlab teardown: {res.stdout[-2000:]}{res.stderr[-2000:]}")


def windows_path(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def winpy(
    env: dict[str, str],
    args: Sequence[str],
    *,
    visible: Sequence[Path] = (),
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``python.exe args`` under Wine, with ``src/`` and ``visible`` seen by Windows (and on
    its sys.path), run in the first of ``visible`` (else in ``src/``); stdout and stderr
    as bytes (what Windows wrote, undecoded)."""
    paths = [ROOT / "src", *visible]
    cwd = visible[0] if visible else ROOT / "src"
    full = dict(env, **(extra_env or {}), WINLAB_PATH=":".join(str(p) for p in paths))
    # a raised priority keeps Wine's audio threads from starving on a busy machine
    return subprocess.Popen(
        ["nice", "-n", "-10", "winpy", *args],
        env=full,
        cwd=str(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_hear_ctrl_c,
    )


def _hear_ctrl_c() -> None:
    """In the child, before exec: SIGINT handled by default again. Tests started in the
    background by a shell (``cmd &``) inherit SIGINT ignored, and a shell that starts with a
    signal ignored cannot trap it: winpy would never forward the Ctrl-C to python.exe."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
