"""Small GGUF files written by the tests: a header with the metadata loopnote reads, no
tensors. Enough to test header checks and downloads without shipping a model."""

from __future__ import annotations

import struct
from pathlib import Path


def _string(s: str) -> bytes:
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_bytes(*, chat_template: bool = True, vocab: int = 50, padding: int = 0) -> bytes:
    kvs: list[bytes] = [
        _string("general.architecture") + struct.pack("<I", 8) + _string("llama"),
        _string("general.name") + struct.pack("<I", 8) + _string("Test Model"),
        _string("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 2048),
        # an array of strings (like the vocabulary) and one of numbers, to be skipped
        _string("tokenizer.ggml.tokens")
        + struct.pack("<IIQ", 9, 8, vocab)
        + b"".join(_string(f"tok{i}") for i in range(vocab)),
        _string("tokenizer.ggml.scores")
        + struct.pack("<IIQ", 9, 6, vocab)
        + struct.pack(f"<{vocab}f", *range(vocab)),
    ]
    if chat_template:
        kvs.append(
            _string("tokenizer.chat_template")
            + struct.pack("<I", 8)
            + _string("{% for m in messages %}{{ m.content }}{% endfor %}")
        )
    head = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs))
    return head + b"".join(kvs) + bytes(padding)


def write_gguf(path: Path, **kw: int | bool) -> Path:
    path.write_bytes(gguf_bytes(**kw))  # type: ignore[arg-type]
    return path
