"""``python -m loopnote``: the same as the ``loopnote`` command."""

import sys

from loopnote.cli.main import main

sys.exit(main())
