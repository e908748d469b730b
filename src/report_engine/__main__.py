"""``python -m macros COMMAND``: the engine's commands, on the report's base (MkDocs or ProperDocs).

Each command lives in its own module, which provides ``add_parser(subparsers)``
(which may add several subcommands) and registers each entry point with
``parser.set_defaults(run=...)``; an entry point takes the parsed arguments and
returns the exit status. Adding a module is one line in :data:`COMMANDS`. A
command reports an expected failure (a refusal, an author's mistake) as one
``ERROR`` line and a non-zero status, never as a traceback.

Run it from the report's folder, where ``mkdocs.yml`` is: the report's own
``macros/__main__.py`` (two lines, README: *A report of your own*) hands over here, so
``python -m macros`` works there. It is the one way to run the commands: there is no console
script, and ``python -m report_engine`` is how the engine starts its own helpers.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import settings

log = logging.getLogger("mkdocs.plugins.report.cli")

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "publish",          # publish/: `publish`, deploy the public edition with mike
    "commands",         # commands.py: `build-all`, `check` and `audit`
    "review",           # review.py: `review`, participants' review packets and their decisions
    "courtesy",         # courtesy.py: `courtesy`, the courtesy draft for every participant still in
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m macros", description="Report engine commands.")
    top.add_argument("-q", "--quiet", action="store_true", help="only print warnings and errors")
    subparsers = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.{name}").add_parser(subparsers)
    return top


def main(argv: list[str] | None = None) -> int:
    # Material prints a nine-line notice about MkDocs 2 when it is imported, and every command
    # here imports it (in this process or in the mkdocs it starts): the engine's commands stay quiet.
    settings.quiet_mkdocs()
    # The report's base (MkDocs or ProperDocs, by what is installed): commands that build in this
    # process import it as `mkdocs`, so the redirect goes in before any command module is imported.
    settings.base().activate()
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)-7s -  %(message)s")
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("ERROR: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
