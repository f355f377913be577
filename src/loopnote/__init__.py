"""loopnote: local, bot-free meeting notes.

Capture what the computer plays (and the microphone), transcribe it live on this machine,
keep a rolling summary, and alert the user when their name is called.
"""

__version__ = "0.1.0"
