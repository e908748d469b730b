"""The report's own mkdocs-macros module (``module_name: macros`` in mkdocs.yml).

The engine is the installed ``report-engine`` package; this module attaches it
and is the place for macros of this report's own. A macro added here is called
from pages like the engine's, e.g. ``{{ shout("careful") }}``:

    @env.macro
    def shout(text: str) -> str:
        return text.upper() + "!"

Its output goes through the same redactions, numbering and leak audit as the
rest of the page: a macro cannot reach text its page's audience may not see.
"""

try:
    import report_engine
except ImportError:            # this repository's own checkout, not installed: its src/ folder
    import pathlib
    import sys

    _SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
    if not (_SRC / "report_engine").is_dir():
        raise ImportError("the report engine is not installed: pip install report-engine "
                          "(see requirements.txt)") from None
    sys.path.insert(0, str(_SRC))
    import report_engine


def define_env(env):
    report_engine.define_env(env)      # first: the engine's macros, data and guarantees
    # The report's own macros go here (see the module docstring).
