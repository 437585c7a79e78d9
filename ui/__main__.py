"""``python -m ui [--host HOST] [--port PORT]`` serves the chat, like ``newsrag-serve``."""

import sys

from ui.app import main

sys.exit(main())
