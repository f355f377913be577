"""A real, private sound server for tests: PulseAudio and PipeWire, started by tests/lab/.

``sound_server``  session fixture, parametrized over ``LOOPNOTE_TEST_SERVERS`` (default
                  "pulseaudio,pipewire"): starts the lab server once per kind in a private
                  folder, points PULSE_SERVER at it for the whole session, stops it at the end.
                  Skips (with the reason) only when the server's packages cannot be installed.
``lab``           function fixture: the same server, with the lab's sinks, virtual mic and
                  defaults restored before each test (tests may unload sinks or kill the server).
``SoundServer``   pactl, playing files into sinks, killing and restarting the server.
``write_tone``    a sine tone WAV, for tests that need to tell apps apart by frequency.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

LAB = Path(__file__).parent / "lab"
KINDS = tuple(
    k.strip()
    for k in os.environ.get("LOOPNOTE_TEST_SERVERS", "pulseaudio,pipewire").split(",")
    if k.strip()
)
SERVER_PROCESSES = ("pulseaudio", "pipewire", "pipewire-pulse", "wireplumber")


@dataclass
class SoundServer:
    kind: str
    dir: Path
    env: dict[str, str] = field(default_factory=dict)
    players: list[subprocess.Popen[bytes]] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)
    keepers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # ------------------------------------------------------------------ control ---
    def start(self) -> None:
        """Start (or re-check) the lab; raises RuntimeError with the script's reason.

        The script is safe to run again: on a loaded machine a server just (re)started may
        refuse a module for a moment ("Failure: Not supported"), so it gets three tries."""
        for attempt in range(3):
            if attempt:
                time.sleep(2.0)
            r = subprocess.run(
                ["bash", str(LAB / "start-sound-server.sh"), self.kind],
                capture_output=True,
                text=True,
                timeout=600,
                env={**os.environ, "LAB_AUDIO_DIR": str(self.dir)},
            )
            if r.returncode == 0:
                break
        if r.returncode != 0:
            raise RuntimeError(
                r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
            )
        for line in r.stdout.splitlines():
            k, _, v = line.removeprefix("export ").partition("=")
            self.env[k] = v
        os.environ.update(self.env)

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(LAB / "stop-sound-server.sh")],
            capture_output=True,
            env={**os.environ, "LAB_AUDIO_DIR": str(self.dir)},
            timeout=60,
        )

    def kill(self) -> None:
        """SIGKILL the server processes (a crash), leaving the lab's state behind."""
        for line in (self.dir / "pids").read_text().splitlines():
            name, _, pid = line.partition(" ")
            if name in SERVER_PROCESSES:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)

    def restart_after_kill(self) -> None:
        self.modules.clear()  # they died with the server
        self.stop_keepers()
        self.stop()  # clears leftovers (e.g. the D-Bus daemon) and the sockets
        self.start()
        self.keep_running("meeting")
        self.keep_running("mic_feed")

    # ---------------------------------------------------------------- commands ---
    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    def default_sink(self) -> str:
        return self.pactl("get-default-sink")

    def load_null_sink(self, name: str) -> int:
        """A new null sink (unloaded again after the test)."""
        module = int(
            self.pactl(
                "load-module",
                "module-null-sink",
                f"sink_name={name}",
                "rate=48000",
                "format=float32le",
                "channels=2",
                f"sink_properties=device.description={name}",
            )
        )
        self.modules.append(module)
        self.keep_running(name)
        return module

    def unload_test_modules(self) -> None:
        for sink in [k for k in self.keepers if k not in ("meeting", "mic_feed")]:
            p = self.keepers.pop(sink)
            p.terminate()
            p.wait()
        for module in self.modules:
            subprocess.run(["pactl", "unload-module", str(module)], capture_output=True, timeout=10)
        self.modules.clear()

    def set_default_sink(self, name: str) -> None:
        """Make ``name`` the default sink and wait until the server reports it."""
        for _ in range(100):
            self.pactl("set-default-sink", name)
            if self.default_sink() == name:
                return
            time.sleep(0.05)
        raise RuntimeError(f"default sink did not become {name}")

    def keep_running(self, sink: str, timeout: float = 5.0) -> None:
        """Keep ``sink`` rendering in short periods with a recording of its monitor that lasts
        until the server stops. An idle PulseAudio *null* sink renders in 2-second blocks, so
        a new recording's first data would come up to 2 s late (real devices do not do that);
        with this recording running, new recordings start at once, as on a desktop. Returns
        when data flows."""
        old = self.keepers.get(sink)
        if old is not None and old.poll() is None:
            return
        p = subprocess.Popen(
            [
                "parec",
                f"--device={sink}.monitor",
                "--raw",
                "--latency-msec=20",
                "--client-name=lab-keeper",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self.keepers[sink] = p
        assert p.stdout is not None
        ready, _, _ = select.select([p.stdout], [], [], timeout)
        if not ready:
            raise RuntimeError(f"no data from {sink}.monitor within {timeout} s")
        out = p.stdout

        def drain() -> None:  # until the recording ends; then its pipe is closed
            with out:
                while out.read1(65536):
                    pass

        threading.Thread(target=drain, daemon=True).start()

    def stop_keepers(self) -> None:
        for p in self.keepers.values():
            if p.poll() is None:
                p.terminate()
            p.wait()
        self.keepers.clear()

    def play(
        self,
        path: Path,
        device: str | None = "meeting",
        name: str = "TestPlayer",
    ) -> subprocess.Popen[bytes]:
        cmd = ["paplay", "--latency-msec=200", f"--client-name={name}", str(path)]
        if device:
            cmd.insert(1, f"--device={device}")
        p = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.players.append(p)
        return p

    def wait_for_app(self, pid: int, timeout: float = 5.0) -> None:
        """Wait until the server lists a playback stream of process ``pid``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if f'application.process.id = "{pid}"' in self.pactl("list", "sink-inputs"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"no playback stream of pid {pid} appeared")

    def stop_players(self) -> None:
        for p in self.players:
            if p.poll() is None:
                p.terminate()
            p.wait()
        self.players.clear()


def write_tone(
    path: Path, freq: float, seconds: float, level: float = 0.3, rate: int = 48000
) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    x = (level * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return path


@pytest.fixture(scope="session", params=KINDS)
def sound_server(request: pytest.FixtureRequest) -> Iterator[SoundServer]:
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to start the lab sound server")
    folder = Path(tempfile.mkdtemp(prefix=f"loopnote-lab-{request.param}-"))
    saved = {
        k: os.environ.get(k)
        for k in ("PULSE_SERVER", "PIPEWIRE_REMOTE", "LAB_AUDIO_DIR", "LAB_AUDIO_SERVER")
    }
    server = SoundServer(request.param, folder)
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        if "install" in str(e) or "not installed" in str(e):
            pytest.skip(f"{request.param} lab unavailable: {e}")
        raise
    server.keep_running("meeting")
    server.keep_running("mic_feed")
    yield server
    server.stop_players()
    server.stop_keepers()
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def lab(sound_server: SoundServer) -> Iterator[SoundServer]:
    sound_server.start()  # idempotent: recreates what a previous test removed
    sound_server.keep_running("meeting")
    sound_server.keep_running("mic_feed")
    yield sound_server
    sound_server.stop_players()
    sound_server.unload_test_modules()
