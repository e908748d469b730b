"""``python -m macros COMMAND``: the engine's commands (build-all, check, audit, publish)."""

import sys

from report_engine.__main__ import main

sys.exit(main())
