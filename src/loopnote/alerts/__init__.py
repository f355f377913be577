"""loopnote.alerts."""
