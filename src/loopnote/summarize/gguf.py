"""What a GGUF model file says about itself, read from its header without loading it.

``GGUFInfo``            architecture, name, context length, whether it has a chat template
``read_gguf_info(path)``   parse the header's key/value metadata; ``ModelNotAvailable`` with
                           one clear line when the file is missing, not GGUF, or cut short

Checking the header first turns "the server failed to start" into a message the user can act
on (wrong file, truncated download, a base model without a chat template).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from loopnote.errors import ModelNotAvailable

MAGIC = b"GGUF"
_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024  # a longer "string" means a corrupt header


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    version: int
    architecture: str
    name: str
    context_length: int  # 0 when the header does not say
    has_chat_template: bool


class _Truncated(Exception):
    pass


def _read(f: BinaryIO, n: int) -> bytes:
    b = f.read(n)
    if len(b) != n:
        raise _Truncated
    return b


def _string(f: BinaryIO) -> str:
    (n,) = struct.unpack("<Q", _read(f, 8))
    if n > _MAX_STRING:
        raise ValueError("implausible string length")
    return _read(f, n).decode("utf-8", "replace")


def _value(f: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _string(f)
    if kind == _ARRAY:
        (item_kind,) = struct.unpack("<I", _read(f, 4))
        (n,) = struct.unpack("<Q", _read(f, 8))
        if item_kind in _SCALARS:  # skip fixed-size items without decoding them
            f.seek(n * struct.calcsize(_SCALARS[item_kind]), 1)
            return None
        for _ in range(n):  # arrays of strings (the vocabulary): read past them
            _value(f, item_kind)
        return None
    raise ValueError(f"unknown metadata type {kind}")


def read_gguf_info(path: str | Path) -> GGUFInfo:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ModelNotAvailable(f"LLM model file {p} does not exist")
    try:
        with p.open("rb") as f:
            if f.read(4) != MAGIC:
                raise ModelNotAvailable(f"{p} is not a GGUF model file")
            version, _tensors, n_kv = struct.unpack("<IQQ", _read(f, 20))
            meta: dict[str, object] = {}
            for _ in range(n_kv):
                key = _string(f)
                (kind,) = struct.unpack("<I", _read(f, 4))
                meta[key] = _value(f, kind)
    except _Truncated:
        raise ModelNotAvailable(f"{p} is cut short (an incomplete download?)") from None
    except (ValueError, struct.error, OSError) as e:
        raise ModelNotAvailable(f"{p} is not a readable GGUF model file ({e})") from None
    arch = str(meta.get("general.architecture") or "")
    ctx = meta.get(f"{arch}.context_length")
    return GGUFInfo(
        path=p,
        version=int(version),
        architecture=arch,
        name=str(meta.get("general.name") or p.stem),
        context_length=int(ctx) if isinstance(ctx, int) else 0,
        has_chat_template=bool(meta.get("tokenizer.chat_template")),
    )
