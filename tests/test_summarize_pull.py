"""``loopnote models pull``: the real download code against a local HTTP server that behaves
like the hub (``resolve`` URLs, ``X-Linked-Etag`` with the file's SHA-256, ranges)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gguf_files import gguf_bytes
from loopnote.cli.main import main
from loopnote.config import Settings
from loopnote.errors import ModelNotAvailable
from loopnote.summarize import catalog
from loopnote.summarize.backend import local_model_file
from loopnote.summarize.catalog import CatalogModel, pull

BODY = gguf_bytes(vocab=2000, padding=2_500_000)  # ~2.5 MB: several 1 MiB blocks
SHA = hashlib.sha256(BODY).hexdigest()
MODEL = CatalogModel("test-1b", "org/Test-GGUF", "test-1b-q4.gguf", licence="MIT")


@dataclass
class Hub:
    url: str
    body: bytes = BODY
    etag: str = SHA
    status: int = 200
    honour_ranges: bool = True
    ranges: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Hub]:
    state = Hub("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            if state.status != 200:
                self.send_error(state.status)
                return
            body, code = state.body, 200
            rng = self.headers.get("Range")
            if rng and state.honour_ranges:
                state.ranges.append(rng)
                m = re.match(r"bytes=(\d+)-", rng)
                start = int(m.group(1)) if m else 0
                if start >= len(body):
                    self.send_error(416)
                    return
                body, code = body[start:], 206
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Linked-Etag", f'"{state.etag}"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{srv.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", state.url)
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    try:
        yield state
    finally:
        srv.shutdown()
        srv.server_close()


def test_pull_downloads_verifies_and_reports_progress(hub: Hub, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = pull(MODEL, lambda d, t: seen.append((d, t)))
    assert path == catalog.models_dir() / "test-1b-q4.gguf"
    assert path.read_bytes() == BODY
    assert hub.paths == ["/org/Test-GGUF/resolve/main/test-1b-q4.gguf"]
    assert len(seen) >= 2 and seen[-1] == (len(BODY), len(BODY))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(path.parent.glob("*.part"))
    assert pull(MODEL) == path and len(hub.paths) == 1  # already there: no second download


def test_pull_resumes_a_partial_download(hub: Hub) -> None:
    folder = catalog.models_dir()
    folder.mkdir(parents=True)
    (folder / "test-1b-q4.gguf.part").write_bytes(BODY[:1_100_000])
    path = pull(MODEL)
    assert hub.ranges == ["bytes=1100000-"]
    assert path.read_bytes() == BODY


def test_pull_starts_over_when_the_server_ignores_the_range(hub: Hub) -> None:
    hub.honour_ranges = False
    folder = catalog.models_dir()
    folder.mkdir(parents=True)
    (folder / "test-1b-q4.gguf.part").write_bytes(b"stale bytes from another file")
    assert pull(MODEL).read_bytes() == BODY


def test_a_download_that_fails_its_checksum_is_deleted(hub: Hub) -> None:
    hub.body = BODY[:-1] + b"\x01"  # one byte changed in transit
    with pytest.raises(ModelNotAvailable, match="checksum"):
        pull(MODEL)
    assert not list(catalog.models_dir().iterdir())


def test_a_pinned_checksum_wins_over_the_hub(hub: Hub) -> None:
    pinned = CatalogModel(MODEL.name, MODEL.repo, MODEL.file, sha256="0" * 64)
    with pytest.raises(ModelNotAvailable, match="checksum"):
        pull(pinned)


def test_http_errors_and_a_dead_hub_are_one_line(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.status = 404
    with pytest.raises(ModelNotAvailable, match="HTTP 404"):
        pull(MODEL)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(ModelNotAvailable, match="could not download"):
        pull(MODEL)


def test_cli_pull_then_use_by_name(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(catalog.CATALOG, MODEL.name, MODEL)
    assert main(["models", "pull", "test-1b"]) == 0
    out, err = capsys.readouterr()
    path = Path(out.strip())
    assert path.read_bytes() == BODY
    assert "100%" in err and "--llm-model test-1b" in err
    assert local_model_file(Settings(llm_model="test-1b")) == path
    assert main(["models", "pull"]) == 0
    listing = capsys.readouterr().out
    assert "qwen2.5-1.5b" in listing and re.search(r"test-1b .* pulled", listing)


def test_cli_pull_of_an_unknown_name_is_one_line(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "pull", "gpt-9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "qwen2.5-1.5b" in err


def test_catalog_entries_point_at_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    for m in catalog.CATALOG.values():
        assert m.url().startswith("https://huggingface.co/") and m.url().endswith(".gguf")
        assert not m.sha256 or re.fullmatch(r"[0-9a-f]{64}", m.sha256)
