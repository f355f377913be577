"""Settings from three places, later ones winning: the TOML config file, ``LOOPNOTE_*``
environment variables, then command-line flags.

``Settings``       every user-facing setting, with its default
``load_settings``  build Settings from the config file, the environment and flag overrides
``config_path``    where the config file lives (platformdirs), ``LOOPNOTE_CONFIG`` overrides
``data_dir``       where meetings go by default, ``LOOPNOTE_DATA_DIR`` overrides
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from loopnote.errors import UsageError

APP = "loopnote"

DEFAULT_DISCLOSURE = (
    "Heads-up: I'm taking notes of this meeting with loopnote, which records and "
    "transcribes the call locally on my computer. Tell me if you'd rather I didn't."
)


@dataclass(frozen=True)
class Settings:
    # recognition
    model: str = ""  # faster-whisper name or CTranslate2 folder; "" = bundled
    language: str = "en"
    vocab: tuple[str, ...] = ()  # meeting terms that bias recognition
    # who the user is (name alerts)
    name: str = ""
    aliases: tuple[str, ...] = ()
    sounds_like: tuple[str, ...] = ()  # how the name sounds, in English spelling ("Shivawn")
    # summaries
    llm: str = ""  # OpenAI-compatible base URL; "" = extractive only
    llm_model: str = ""
    llm_api_key: str = ""
    # capture
    headphones: bool = False  # True: no speaker-bleed handling
    # storage
    out: str = ""  # meetings root; "" = platform data dir
    keep_audio: str = "forever"  # "forever" | "no" | "days:N"
    # consent
    disclosure: str = DEFAULT_DISCLOSURE
    notify: bool = True  # desktop notifications for alerts
    speakers: bool = True  # label the other side's speakers live (extra loopnote[speakers])
    settle: bool = True  # the settled transcript: each stretch decoded again, in a child process
    # meeting detection (loopnote watch)
    watch: str = "ask"  # "ask" (a notification) | "auto" (record right away)
    watch_allow: tuple[str, ...] = ()  # only these apps (name, binary or pid) start meetings
    watch_deny: tuple[str, ...] = ()  # these apps never do
    watch_grace: float = 10.0  # seconds after its app let go of the mic that a meeting ends
    extra: dict[str, Any] = field(default_factory=dict)

    def meetings_root(self) -> Path:
        return Path(self.out).expanduser() if self.out else data_dir() / "meetings"


def config_path() -> Path:
    env = os.environ.get("LOOPNOTE_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def data_dir() -> Path:
    env = os.environ.get("LOOPNOTE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP))


_TUPLES = {"vocab", "aliases", "sounds_like", "watch_allow", "watch_deny"}
_BOOLS = {"headphones", "notify", "speakers", "settle"}
_SECONDS = {"watch_grace"}


def _coerce(key: str, value: Any, where: str) -> Any:
    if key in _TUPLES:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise UsageError(f"{where}: '{key}' must be a list of strings")
    if key in _BOOLS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {
            "1",
            "true",
            "yes",
            "on",
            "0",
            "false",
            "no",
            "off",
        }:
            return value.lower() in {"1", "true", "yes", "on"}
        raise UsageError(f"{where}: '{key}' must be true or false")
    if key in _SECONDS:
        try:
            seconds = float(value) if not isinstance(value, bool) else -1.0
        except (TypeError, ValueError):
            seconds = -1.0
        if not 0 <= seconds < float("inf"):
            raise UsageError(f"{where}: '{key}' must be zero or more seconds")
        return seconds
    if not isinstance(value, str):
        raise UsageError(f"{where}: '{key}' must be a string")
    return value


def _known() -> set[str]:
    return {f.name for f in fields(Settings)} - {"extra"}


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"config file {path} is not valid TOML: {e}") from None
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        k = key.replace("-", "_")
        if k in _known():
            out[k] = _coerce(k, value, str(path))
        else:
            extra[key] = value
    if extra:
        out["extra"] = extra
    return out


def read_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ) if env is None else env
    out: dict[str, Any] = {}
    for k in _known():
        v = env.get(f"LOOPNOTE_{k.upper()}")
        if v is not None:
            out[k] = _coerce(k, v, f"LOOPNOTE_{k.upper()}")
    return out


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    path: Path | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Config file < environment < ``overrides`` (flags; ``None`` values are ignored)."""
    merged: dict[str, Any] = {}
    merged.update(read_config_file(path or config_path()))
    merged.update(read_environment(env))
    for k, v in (overrides or {}).items():
        if v is None or (k in _TUPLES and not v):
            continue
        if k not in _known():
            raise UsageError(f"unknown setting '{k}'")
        merged[k] = _coerce(k, list(v) if isinstance(v, tuple) else v, f"--{k.replace('_', '-')}")
    settings = replace(Settings(), **merged)
    check_keep_audio(settings.keep_audio)
    return settings


def check_keep_audio(value: str) -> int | None:
    """Days to keep audio: None = forever, 0 = not at all."""
    if value == "forever":
        return None
    if value == "no":
        return 0
    if value.startswith("days:") and value[5:].isdigit():
        return int(value[5:])
    raise UsageError(f"--keep-audio must be 'no', 'forever' or 'days:N', not {value!r}")
