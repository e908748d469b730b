"""``python -m macros COMMAND``: the engine's commands, run from the report's folder (README: *A report
of your own*, where these are the two lines every report's ``macros/__main__.py`` holds)."""

from report_engine.__main__ import main

raise SystemExit(main())
