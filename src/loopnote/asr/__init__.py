"""loopnote.asr."""
