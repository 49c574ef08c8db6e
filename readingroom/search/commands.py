"""`readingroom reindex`: the command line over search.indexing (registered by readingroom/cli.py)."""

from __future__ import annotations

import argparse
import sys


def cmd_reindex(args: argparse.Namespace) -> int:
    from readingroom.cli import _require_archive

    _require_archive()
    from . import indexing
    from .backends import BACKENDS, get_backend

    if args.backend and args.backend not in BACKENDS:
        print(f"readingroom: unknown backend {args.backend!r}: use one of {', '.join(BACKENDS)}", file=sys.stderr)
        return 2
    if (args.backend or None) in (None, "tantivy"):
        indexing.discard_outdated()  # an index of an earlier version's schema cannot even be opened: rebuilt here
    backend = get_backend(args.backend)
    n = indexing.reindex(backend, progress=not args.quiet)
    problems = indexing.check_drift(backend)
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    print(f"reindexed {n} public records into {backend.name} ({backend.count()} documents)")
    return 1 if problems else 0


def register(subparsers) -> None:
    p = subparsers.add_parser("reindex", help="rebuild the search index from the store, with progress")
    p.add_argument("--backend", choices=["tantivy", "typesense"],
                   help="the engine to rebuild (default: READINGROOM_SEARCH_BACKEND)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_reindex)
