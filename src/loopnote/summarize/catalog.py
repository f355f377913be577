"""Small instruct models recommended for summaries, and downloading them (``loopnote models
pull NAME``).

``CATALOG``                 name → ``CatalogModel`` (hub repository, file, revision, checksum)
``models_dir()``            where pulled models go (under the data directory)
``pulled_path(name)``       the local file of a pulled model, or None
``pull(model, progress)``   download with resume, progress and SHA-256 check; the file's path

The hub is Hugging Face (``HF_ENDPOINT`` points elsewhere, e.g. a mirror). The SHA-256 is the
one pinned here when known, else the one the hub publishes for the file (its ``X-Linked-Etag``
header); a download that does not match it is deleted. Nothing is kept half-written: bytes
go to ``NAME.gguf.part`` (resumed on the next pull) and are renamed when verified.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loopnote.config import data_dir
from loopnote.errors import ModelNotAvailable
from loopnote.summarize.gguf import read_gguf_info

DEFAULT_HUB = "https://huggingface.co"
_CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CatalogModel:
    name: str
    repo: str
    file: str
    revision: str = "main"
    sha256: str = ""  # "" = the hub's published checksum is used
    size: int = 0  # bytes, when known
    licence: str = ""
    note: str = ""

    def url(self, hub: str = "") -> str:
        base = (hub or os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")
        return f"{base}/{self.repo}/resolve/{self.revision}/{self.file}"


CATALOG: dict[str, CatalogModel] = {
    m.name: m
    for m in (
        CatalogModel(
            "qwen2.5-1.5b",
            "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
            "qwen2.5-1.5b-instruct-q4_k_m.gguf",
            revision="91cad51170dc346986eccefdc2dd33a9da36ead9",
            sha256="6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
            size=1_117_320_736,
            licence="Apache-2.0",
            note="best notes of the three; 32k context",
        ),
        CatalogModel(
            "llama3.2-1b",
            "bartowski/Llama-3.2-1B-Instruct-GGUF",
            "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
            sha256="6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83",
            size=807_694_464,
            licence="Llama 3.2 Community License",
            note="fastest; 128k context",
        ),
        CatalogModel(
            "gemma3-1b",
            "ggml-org/gemma-3-1b-it-GGUF",
            "gemma-3-1b-it-Q4_K_M.gguf",
            licence="Gemma Terms of Use",
            note="32k context",
        ),
    )
}


def models_dir() -> Path:
    return data_dir() / "models"


def pulled_path(name: str) -> Path | None:
    m = CATALOG.get(name)
    if m is None:
        return None
    p = models_dir() / m.file
    return p if p.is_file() else None


def _expected_sha(model: CatalogModel, headers: dict[str, str]) -> str:
    if model.sha256:
        return model.sha256
    for key in ("x-linked-etag", "etag"):
        tag = headers.get(key, "").strip().strip('"').removeprefix("W/").strip('"').lower()
        if _SHA256.match(tag):
            return tag
    return ""


def _hash_file(path: Path) -> hashlib._Hash:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h


def pull(
    model: CatalogModel,
    progress: Callable[[int, int], None] | None = None,
    *,
    dest_dir: Path | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``model`` (resuming a partial download); ``progress(done, total)`` after each
    block (total 0 when unknown). ``ModelNotAvailable`` with one line on any failure."""
    folder = dest_dir or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / model.file
    if final.is_file():
        return final
    part = final.with_name(final.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    url = model.url()
    req = urllib.request.Request(url, headers={"User-Agent": "loopnote"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the part is already whole: verify it below
            resp = None
        else:
            raise ModelNotAvailable(f"could not download {model.name}: HTTP {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ModelNotAvailable(f"could not download {model.name}: {reason}") from None
    headers: dict[str, str] = {}
    if resp is not None:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        if have and resp.status != 206:  # the server ignored the range: start over
            have = 0
    h = _hash_file(part) if have else hashlib.sha256()
    total = have + int(headers.get("content-length", "0") or 0) if resp is not None else have
    done = have
    try:
        if resp is not None:
            with resp, part.open("ab" if have else "wb") as out:
                while block := resp.read(_CHUNK):
                    out.write(block)
                    h.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
                out.flush()
                os.fsync(out.fileno())
    except (OSError, TimeoutError) as e:
        raise ModelNotAvailable(
            f"download of {model.name} broke off at {done} bytes ({e}); pull again to resume"
        ) from None
    expected = _expected_sha(model, headers)
    if expected and h.hexdigest() != expected:
        part.unlink(missing_ok=True)
        raise ModelNotAvailable(
            f"{model.name} failed its checksum (got {h.hexdigest()[:12]}…, "
            f"expected {expected[:12]}…); the download was deleted"
        )
    read_gguf_info(part)  # a GGUF file, whole, or a clear error
    part.replace(final)
    return final
