"""What is online: ``python -m macros editions`` lists the published editions, ``python -m macros
preview`` serves the whole published site (every edition) on 127.0.0.1."""

from __future__ import annotations

import argparse
import functools
import http.server
import socketserver
import subprocess
import sys
import tempfile
from typing import Any

from mike import commands as mike

from .. import editions, findability, gitrepo
from ..gitrepo import HERE, archive, git
from .checks import one_line
from .feed import day_of, feed_entries


def run_editions(args: argparse.Namespace) -> int:
    """``python -m macros editions``: each published edition, newest first, from the remote if it has them."""
    if git(HERE, "rev-parse", "--is-inside-work-tree").returncode != 0:
        print("ERROR: not a git repository", file=sys.stderr)
        return 1
    has_remote = git(HERE, "remote", "get-url", args.remote).returncode == 0
    if has_remote and not args.no_fetch:
        fetch_result = git(HERE, "fetch", "--quiet", args.remote)
        if fetch_result.returncode != 0:
            print(f"WARNING: cannot fetch {args.remote}: {one_line(fetch_result.stderr)}; showing what is known",
                  file=sys.stderr)
    remote_ref = f"refs/remotes/{args.remote}/{args.branch}"
    source = remote_ref if git(HERE, "rev-parse", "--verify", "--quiet", remote_ref).returncode == 0 else args.branch
    if git(HERE, "rev-parse", "--verify", "--quiet", source).returncode != 0:
        print(f"No edition is published: there is no {args.branch} branch.")
        return 0
    versions = mike.list_versions(source)
    shown = source.replace("refs/remotes/", "")
    print(f"Editions on {shown}, newest first (published: the report's date; deployed: the day it went online):")
    by_id = {str(info.version): info for info in versions}
    dates = published_dates(source, list(by_id))
    for edition in editions.in_order(by_id, newest_first=True):
        info = by_id[edition]
        deployed = git(HERE, "log", "-1", "--format=%cs", source, "--", f"{edition}/").stdout.strip()
        status = edition_status(info.aliases, info.properties or {})
        print(f"  {edition:<14} {str(info.title):<34} published {dates.get(edition, '?'):<10}  "
              f"deployed {deployed:<10}  {', '.join(status)}".rstrip())
    return 0


def published_dates(branch: str, ids: list[str]) -> dict[str, str]:
    """Each edition's ``published:`` date (``YYYY-MM-DD``): as publish recorded it in the root feed
    on ``branch`` (each edition's entry, withdrawn ones too), else from ``data/report.yml`` at the
    edition's ``edition-<id>`` tag. Three ``git`` calls at most."""
    dates: dict[str, str] = {}
    feed = git(HERE, "show", f"{branch}:{findability.FEED}")
    if feed.returncode == 0:
        dates = {entry.edition: entry.published.isoformat() for entry in feed_entries(feed.stdout)}
    missing = [edition for edition in ids if edition not in dates]
    tagged = set(gitrepo.tagged(HERE, gitrepo.TAG_PREFIX)) if missing else set()
    for edition, value in gitrepo.tagged_field(HERE, "published", [i for i in missing if i in tagged]).items():
        day = day_of(value)
        if day is not None:
            dates[edition] = day.isoformat()
    return dates


def edition_status(aliases: Any, props: Any) -> list[str]:
    """What the listing says of an edition beside its id, title and date."""
    status = []
    if editions.LATEST in aliases:
        status.append("latest")
    if props.get("revisions"):
        status.append(f"revised {len(props['revisions'])}× (last {props['revisions'][-1]['date']})")
    if props.get("retracted"):
        status.append(f"withdrawn {props['retracted'].get('date', '')}")
    return status


def run_preview(args: argparse.Namespace) -> int:
    """``python -m macros preview``: the whole published site, every edition, served on 127.0.0.1."""
    if git(HERE, "rev-parse", "--verify", "--quiet", args.branch).returncode != 0:
        print(f"ERROR: no {args.branch} branch: publish an edition first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="report-preview-") as scratch:
        site = archive(HERE, args.branch)
        subprocess.run(["tar", "-x", "-C", scratch], input=site.stdout, check=True)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=scratch)
        try:
            server = socketserver.ThreadingTCPServer(("127.0.0.1", args.port), handler)
        except OSError as error:
            print(f"ERROR: port {args.port} is not free ({error.strerror}); pass --port", file=sys.stderr)
            return 1
        with server:
            print(f"Serving {args.branch} (every edition) on http://127.0.0.1:{args.port}/ — Ctrl-C stops", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0
