"""loopnote.summarize."""
