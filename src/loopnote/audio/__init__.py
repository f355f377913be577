"""loopnote.audio."""
