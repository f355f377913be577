"""loopnote.store."""
