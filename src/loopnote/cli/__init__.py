"""loopnote.cli."""
