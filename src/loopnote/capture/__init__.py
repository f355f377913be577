"""loopnote.capture."""
