"""The `readingroom` command: a thin adapter over the library. Each subcommand is one function below."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readingroom.archive import Archive
    from readingroom.iiif.images import TileReport
    from readingroom.ingest.registry import ImporterRegistry

from readingroom.records.vocabulary import DEFAULT_STATUS, IMPORT_STATUSES, STATUSES

IMPORT_EPILOG = (
    """\
formats (detected from the file; force one with --format NAME; `readingroom formats` lists them):
{formats}

record fields (JSON Lines; docs/record-schema.md describes every field, the CSV columns and the DA mapping):
  id (required, may contain '/'), title (required), status ("""
    + "|".join(STATUSES)
    + """),
  embargo_until (YYYY-MM-DD), date (EDTF: 1968-10-15, 1984-07, 1968~, 1968-10-15/1968-10-20),
  date_text (as written), summary, document_types, classification, languages (ISO 639-2/B: eng, vie),
  texts [{kind, language, html|body, translator}], text (plain text shortcut), notes, creators, recipients,
  contributors [{name, role}], persons, places, subjects, collections, repository, archival_reference,
  funders, rights {statement, uri}, publisher, relations [{type, target}], media [{url|path, sha256}], extra.

CSV: the same field names as columns; multi-valued cells separate values with ";" ("Secret; Immediate").
A cell beginning with = + - or @ is refused as a spreadsheet formula: prefix literal text with an apostrophe.

XML is read without DTDs, entities or network access: a file with a DOCTYPE is refused.
Each file is imported in one transaction: a file that fails leaves nothing behind. Re-importing a record
updates it; unchanged content changes nothing. Exit status 1 when any file or record had a problem.
"""
)


EXPORT_EPILOG = """\
examples:
  readingroom export --public -o records.jsonl                  every public record, every field
  readingroom export --format csv --public -o records.csv        a spreadsheet that imports again
  readingroom export --format ris --query 'q=telegram&from=1968&to=1969' -o telegrams.ris
  readingroom export --format bagit --public -o bag-2026-01-31   a folder: records, media files, checksums

Without --public every record is written, drafts and embargoed ones too (a backup). docs/exports.md has more.
"""


def _setup(home: str | None) -> None:
    """Settings come from the environment: --home sets READINGROOM_HOME before Django reads it."""
    if home:
        os.environ["READINGROOM_HOME"] = str(Path(home).expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as e:  # a setting's message says what to write instead
        raise SystemExit(f"readingroom: {e}") from None


def _require_archive(archive: Archive) -> None:
    problem = archive.not_ready_reason()
    if problem:
        raise SystemExit(f"readingroom: {problem}")


def cmd_init(archive: Archive, args: argparse.Namespace) -> int:
    path = archive.init(verbose=True)
    print(f"archive ready in {path}")
    return 0


def cmd_import(archive: Archive, args: argparse.Namespace) -> int:
    from readingroom.ingest.run import WAITING

    archive.init()

    def show(report) -> None:
        # Problems first: when every record of a file failed, they say why the file did.
        for p in report.problems:
            print(f"{report.path}: problem: {p}", file=sys.stderr)
        if report.problem_count > len(report.problems):
            print(
                f"{report.path}: ... and {report.problem_count - len(report.problems):,} more problems, not shown",
                file=sys.stderr,
            )
        for n in report.notices:
            print(f"{report.path}: note: {n}", file=sys.stderr)
        if report.notice_count > len(report.notices):
            print(
                f"{report.path}: ... and {report.notice_count - len(report.notices):,} more notes, not shown",
                file=sys.stderr,
            )
        if report.error:
            print(f"{report.path}: error: {report.error}", file=sys.stderr)
            return
        verb = "would import" if args.dry_run else "imported"
        print(
            f"{report.path}: {verb} {report.records} records ({report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged), {report.authorities} authorities [{report.importer}]"
        )

    result = archive.import_paths(
        args.files,
        status=args.status,
        dry_run=args.dry_run,
        importer_name=args.format,
        show_progress=not args.quiet,
        on_file=show,
    )
    if not args.dry_run:
        _make_tiles(archive, quiet=args.quiet)
    if result.index_waiting:
        print(
            f"readingroom import: note: the records are stored, but the search engine did not take the last of "
            f"them ({result.index_waiting}); they {WAITING}",
            file=sys.stderr,
        )
    failed = [f for f in result.files if f.error]
    print(
        f"{'dry run: ' if args.dry_run else ''}{len(result.files) - len(failed)} of {len(result.files)} files "
        f"imported, {result.total('created')} new, {result.total('updated')} updated, "
        f"{result.total('unchanged')} unchanged records; {len(failed)} files failed, "
        f"{sum(f.problem_count for f in result.files)} record problems",
        file=sys.stderr,
    )
    return 0 if result.ok else 1


def cmd_export(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    from readingroom.exports import formats
    from readingroom.exports.selection import Selection
    from readingroom.progress import Progress

    if args.authorities:
        return _export_authorities(args)
    try:
        fmt = formats.get(args.format)
    except formats.UnknownFormat as e:
        raise SystemExit(f"readingroom export: {e}") from None
    if fmt.folder and not args.output:
        raise SystemExit(f"readingroom export: {fmt.name} writes a folder: name a new one with -o DIR")
    if args.query is not None:
        from urllib.parse import parse_qs

        from readingroom.search.params import MAX_RESULTS, request_from_params

        request = request_from_params(parse_qs(args.query.lstrip("?")))
        for note in request.notes:
            print(f"readingroom export: note: {note}", file=sys.stderr)
        archive.indexer.process_outbox(wait=False)  # a command, not a reader: bring the index up to date
        selection = Selection.of_search(archive.search, request, limit=MAX_RESULTS)
        if selection.truncated:
            print(
                f"readingroom export: the search found {selection.found:,} records; only the first "
                f"{MAX_RESULTS:,} (in its order) are exported: narrow the search, or export everything "
                "without --query",
                file=sys.stderr,
            )
    else:
        selection = Selection.everything(public=args.public)
    context = formats.ExportContext(
        site_name=archive.settings.site_name,
        base_url=archive.settings.base_url,
        media_root=archive.settings.media_path,
    )
    progress = Progress("exported", selection.count(), unit="records", enabled=not args.quiet)

    def counted():
        for record in selection.records():
            yield record
            progress.advance()

    if fmt.folder:
        try:
            said = fmt.write_folder(Path(args.output), selection, counted(), context)
        except formats.bags.BagError as e:
            raise SystemExit(f"readingroom export: {e}") from None
        progress.finish()
        print(said, file=sys.stderr)
        return 0
    pieces = fmt.stream(selection, counted(), context)
    if args.output:
        tmp = Path(args.output + ".part")
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            out.writelines(pieces)
        tmp.replace(args.output)  # never leave a half-written export under the real name
    else:
        sys.stdout.writelines(pieces)
        sys.stdout.flush()
    progress.finish()  # "exported N records in S s, R/s"
    if args.quiet:
        print(f"exported {progress.count} records", file=sys.stderr)
    return 0


def _export_authorities(args: argparse.Namespace) -> int:
    from readingroom.exports import jsonl
    from readingroom.progress import Progress
    from readingroom.records.models import Authority

    if args.format != "jsonl" or args.query is not None:
        raise SystemExit(
            "readingroom export: --authorities writes JSON Lines of every authority (no --query)"
        )
    progress = Progress("exported", Authority.objects.count(), unit="authorities", enabled=not args.quiet)

    def write(out) -> None:
        for line in jsonl.authority_lines():
            out.write(line)
            progress.advance()

    if args.output:
        tmp = Path(args.output + ".part")
        with open(tmp, "w", encoding="utf-8") as out:
            write(out)
        tmp.replace(args.output)
    else:
        write(sys.stdout)
    progress.finish()
    if args.quiet:
        print(f"exported {progress.count} authorities", file=sys.stderr)
    return 0


def _make_tiles(archive: Archive, *, quiet: bool, again: bool = False) -> TileReport:
    """IIIF tiles for every scan that has none, or older ones than its file (readingroom/iiif/images.py)."""
    from readingroom.iiif.images import TileReport, TileStore
    from readingroom.progress import Progress

    tiles = TileStore.of(archive.settings)
    paths = tiles.all_scans()
    todo = paths if again else tiles.stale(paths)
    if not todo:
        return TileReport(fresh=len(paths))
    progress = Progress("iiif:", len(todo), unit="images", enabled=not quiet)
    report = tiles.update(todo, again=True, on_image=progress.advance)
    report.fresh = len(paths) - len(todo)
    progress.finish()
    for problem in report.failed:
        print(f"iiif: problem: {problem}", file=sys.stderr)
    print(report.line(), file=sys.stderr)
    return report


def cmd_iiif(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    from readingroom.iiif.images import TileStore

    report = _make_tiles(archive, quiet=args.quiet, again=args.again)
    if not (report.made or report.failed):
        print(report.line(), file=sys.stderr)
    if args.prune:
        removed = TileStore.of(archive.settings).prune()
        print(f"iiif: removed the tiles of {removed} images no record lists", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_check(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    report = archive.check()
    for line in report.lines:
        print(line)
    return 0 if report.ok else 1


def cmd_publish_due(archive: Archive, args: argparse.Namespace) -> int:
    from readingroom.ingest.run import WAITING

    _require_archive(archive)
    published = archive.store.publish_due()
    waiting = archive.indexer.catch_up()  # now, waiting for another indexer if need be
    if waiting:
        print(
            f"readingroom publish-due: note: the search engine did not take them yet ({waiting}); they {WAITING}",
            file=sys.stderr,
        )
    for record_id in published:
        print(f"published {record_id} (its embargo has ended)")
    print(f"{len(published)} records published whose embargo had ended")
    return 0


def _worker_for_serve(archive: Archive):
    """The background worker `serve` keeps (None when the deployment runs its own worker)."""
    if not archive.settings.serve_worker:
        print(
            "readingroom serve: READINGROOM_SERVE_WORKER=0: not starting the background worker; run "
            "`readingroom worker` beside the server, or the index will fall behind",
            file=sys.stderr,
        )
        return None
    from readingroom.server import WorkerSettings

    return WorkerSettings(archive.home, archive.settings.worker_stall_seconds)


def cmd_serve(archive: Archive, args: argparse.Namespace) -> int:
    archive.init()
    return _serve(archive, args)


def _serve(archive: Archive, args: argparse.Namespace) -> int:
    """The server (gunicorn) and, beside it, the background worker, for serve and demo alike."""
    from readingroom import server

    _collect_static(archive)
    _warm()
    _before_fork(archive)
    server.serve(
        args.host,
        args.port,
        workers=args.workers,
        metrics=server.metrics_dir(archive.home),
        worker=_worker_for_serve(archive),
    )
    return 0


def _warm() -> None:
    """What every worker would otherwise read on its first map (the gazetteer, the basemap's shapes), read once
    here and shared by the workers gunicorn forks."""
    from readingroom.web import maps

    maps.warm()


def _before_fork(archive: Archive) -> None:
    """Close what this process opened before gunicorn forks its workers: each opens its own. A database
    connection left open here would be shared by every worker (one socket, several processes writing to it:
    rows read out of step, and after a worker is killed mid-query, a connection no one can use)."""
    from django.db import connections

    archive.close()  # the search backend
    connections.close_all()


def _collect_static(archive: Archive) -> None:
    """Hashed, compressed static files for the server (a year's cache lifetime). Without them the pages still
    work, naming the files plainly: a full or read-only disk is said, not fatal."""
    from readingroom.storage import storage_problem

    try:
        archive.collect_static()
    except OSError as e:
        problem = storage_problem(e, archive.home) or str(e)
        print(
            f"readingroom: static files not collected ({problem}): serving them as they are", file=sys.stderr
        )


def cmd_demo(archive: Archive, args: argparse.Namespace) -> int:
    from readingroom import demo

    archive.init()
    demo.load(archive, verbose=True)
    if args.no_serve:
        return 0
    return _serve(archive, args)


def cmd_worker(archive: Archive, args: argparse.Namespace) -> int:
    import signal
    import threading

    from readingroom.worker import Worker

    _require_archive(archive)
    worker = Worker(archive)
    if args.once:
        with worker.lock(threading.Event(), standby=False, parent=None) as got:
            if not got:
                return 1
            done = worker.run_once()
        print(done.line() or "nothing to do: the index is up to date and no embargo has ended")
        return 0
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return worker.run(stop, standby=args.standby, parent=args.parent)


def cmd_merge(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    from readingroom.records.errors import NotFound
    from readingroom.records.schema import RecordError

    try:
        archive.store.merge(args.old_id, args.new_id)
    except (NotFound, RecordError) as e:
        print(f"readingroom merge: {e}", file=sys.stderr)
        return 1
    print(f"merged {args.old_id} into {args.new_id}; /records/{args.old_id}/ now redirects")
    return 0


def cmd_formats(archive: Archive, args: argparse.Namespace) -> int:
    print(archive.importers.describe())
    return 0


def cmd_reindex(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    if args.backend:
        from dataclasses import replace

        archive = Archive(replace(archive.settings, search_backend=args.backend), importers=archive.importers)
    archive.upgrade_index(
        progress=False
    )  # an index of an earlier schema cannot even be opened: discarded here
    n = archive.indexer.reindex(progress=not args.quiet)
    problems = archive.indexer.check_drift()
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    print(f"reindexed {n} public records into {archive.search.name} ({archive.search.count()} documents)")
    return 1 if problems else 0


def cmd_createuser(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    from readingroom.accounts.roles import RoleError, create_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        if not sys.stdin.isatty():
            print(
                "readingroom createuser: no terminal to ask the password on: pipe it in with --password-stdin",
                file=sys.stderr,
            )
            return 2
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            print("readingroom createuser: the two passwords differ; nothing was created", file=sys.stderr)
            return 1
    try:
        user = create_user(args.username, password, args.role, email=args.email or "")
    except RoleError as e:
        print(f"readingroom createuser: {e}", file=sys.stderr)
        return 1
    print(f"created {args.role} {user.get_username()!r}: log in at /accounts/login/ or /admin/")
    return 0


# -- backup and restore (readingroom/backup.py, docs/operations.md) -------------------------------------------
BACKUP_EPILOG = """\
examples:
  readingroom backup /srv/backups/archive-2026-12-01      while the server runs
  readingroom --home /srv/new-archive restore /srv/backups/archive-2026-12-01

A backup is a new folder: the database (SQLite's online backup, or pg_dump), the media and the IIIF tiles, and
manifest.json with every file's SHA-256. The search index is not in it: restore rebuilds it. Restore goes only
into an empty archive, and refuses a backup any of whose files fails its checksum. docs/operations.md has more.
"""


def cmd_backup(archive: Archive, args: argparse.Namespace) -> int:
    _require_archive(archive)
    from readingroom.backup import BackupError, backup

    try:
        report = backup(archive, Path(args.dest), progress=not args.quiet)
    except BackupError as e:
        print(f"readingroom backup: {e}", file=sys.stderr)
        return 1
    print(report.line())
    return 0


def cmd_restore(archive: Archive, args: argparse.Namespace) -> int:
    from readingroom.backup import BackupError, restore

    try:
        report = restore(archive, Path(args.src), progress=not args.quiet)
    except BackupError as e:
        print(f"readingroom restore: {e}", file=sys.stderr)
        return 1
    print(report.line())
    return 0


def _add_backup_commands(sub) -> None:
    p = sub.add_parser(
        "backup",
        help="copy the archive (database, media, IIIF tiles) into a new folder, with checksums; safe while serving",
        epilog=BACKUP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dest", metavar="DEST", help="a new (or empty) folder for the backup")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore",
        help="restore a backup into a new, empty archive (--home), checking every file, then rebuild the index",
        epilog=BACKUP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("src", metavar="SRC", help="a folder written by `readingroom backup`")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_restore)


def build_parser(importers: ImporterRegistry | None = None) -> argparse.ArgumentParser:
    """The command line; `importers` (default: the built-in and installed ones) fills `import --help`."""
    from readingroom.ingest.registry import ImporterRegistry
    from readingroom.search.backends import BACKENDS

    importers = importers or ImporterRegistry.default()
    parser = argparse.ArgumentParser(
        prog="readingroom", description="A digital archive for historical primary sources."
    )
    parser.add_argument(
        "--home", metavar="DIR", help="the archive's data folder (default: $READINGROOM_HOME, else ./archive)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create the archive folder and database (safe to run again)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import",
        help="import files or folders of documents",
        epilog=IMPORT_EPILOG.replace("{formats}", importers.describe()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument(
        "--status",
        choices=IMPORT_STATUSES,
        help=f"publication status for the imported records (default: the record's own, else {DEFAULT_STATUS})",
    )
    p.add_argument(
        "--format",
        choices=[i.name for i in importers.importers()],
        metavar="NAME",
        help="read every file with this importer instead of detecting it (`readingroom formats`)",
    )
    p.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_import)

    from readingroom.exports.formats import FORMATS
    from readingroom.search.params import MAX_RESULTS

    p = sub.add_parser(
        "export",
        help="write records out (JSON Lines, CSV, RIS, BibTeX, a BagIt bag)",
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--format",
        choices=list(FORMATS),
        default="jsonl",
        help="output format (default jsonl; bagit writes a folder: -o DIR)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE|DIR",
        help="write to FILE (a new DIR for bagit) instead of standard output",
    )
    p.add_argument("--public", action="store_true", help="only records the public may see")
    p.add_argument(
        "--query",
        metavar="PARAMS",
        help="only the records a search finds, given as the search page's parameters "
        f"('q=telegram&subject=Vietnam+War&from=1968'); public records only, at most the first {MAX_RESULTS:,}",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--authorities",
        action="store_true",
        help="write the authorities (persons, places, subjects...) instead of the records",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "iiif",
        help="make the IIIF tiles of the scans that have none (import does it too)",
        description="Static IIIF Image API (level 0) tiles and sizes of every image a record lists in the media "
        "folder, in READINGROOM_HOME/iiif/ (docs/iiif.md). Tiles already made for the same file are kept.",
    )
    p.add_argument("--again", action="store_true", help="make every image's tiles again")
    p.add_argument("--prune", action="store_true", help="also remove the tiles of files no record lists")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_iiif)

    p = sub.add_parser("check", help="check the archive's integrity and print counts")
    p.set_defaults(func=cmd_check)

    for name, helptext, func in (
        ("serve", "serve the archive over HTTP (gunicorn)", cmd_serve),
        ("demo", "import the demo corpus and serve it", cmd_demo),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        p.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
        if name == "demo":
            p.add_argument("--no-serve", action="store_true", help="import the demo corpus, then stop")
        p.set_defaults(func=func)

    p = sub.add_parser("merge", help="merge a duplicate record into another; the old id redirects for good")
    p.add_argument("old_id", help="the duplicate's id")
    p.add_argument("new_id", help="the id of the record that stays")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "publish-due",
        help="publish the records whose embargo date has come (run daily, e.g. from cron)",
        description="Makes public the published records whose embargo date has come: each gets a revision "
        "'published-due', the search index takes them, and the audit log notes the run. Safe to run any "
        "number of times; the background worker (`readingroom worker`, which `serve` starts) runs it every "
        "five minutes. docs/revisions.md has a crontab line.",
    )
    p.set_defaults(func=cmd_publish_due)

    p = sub.add_parser(
        "worker",
        help="the background worker: index catch-up, ended embargoes, publish-due (serve starts one)",
        description="Applies the search index updates a writer left behind, indexes the records whose embargo "
        "has ended, and runs publish-due, in a loop, so that readers never write. `serve` starts one and "
        "restarts it (unless READINGROOM_SERVE_WORKER=0). One per archive: a second one says so and exits "
        "(or, with --standby, waits to take over). SIGTERM stops it after the chore at hand. "
        "docs/operations.md has more.",
    )
    p.add_argument("--once", action="store_true", help="do every chore once, then exit (cron, scripts)")
    p.add_argument(
        "--standby",
        action="store_true",
        help="when another worker runs, wait to take over instead of exiting",
    )
    p.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # serve's process id: end when it is gone
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("formats", help="list the import formats")
    p.set_defaults(func=cmd_formats)

    p = sub.add_parser("reindex", help="rebuild the search index from the store, with progress")
    p.add_argument(
        "--backend", choices=BACKENDS, help="the engine to rebuild (default: READINGROOM_SEARCH_BACKEND)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_reindex)

    from readingroom.accounts.roles import ROLES

    p = sub.add_parser(
        "createuser",
        help="create a staff account with a role (contributor, editor, administrator)",
        description="Roles: "
        + "; ".join(f"{r.name}: {r.help}" for r in ROLES.values())
        + ". The password is asked twice, or read from the first line of standard input with --password-stdin. "
        "docs/security.md has more.",
    )
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=list(ROLES), help="what the account may do")
    p.add_argument("--email", help="the user's e-mail address")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (scripts)"
    )
    p.set_defaults(func=cmd_createuser)
    _add_backup_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Django first: the parser's help lists formats and roles read from modules that define models.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--home")
    _setup(early.parse_known_args(argv)[0].home)
    parser = build_parser()
    args = parser.parse_args(argv)
    from django.db import DatabaseError

    from readingroom.archive import Archive
    from readingroom.config import SettingError
    from readingroom.search.backends import SearchUnavailable
    from readingroom.storage import advice, storage_problem

    try:
        archive = Archive.from_environment()
    except SettingError as e:
        raise SystemExit(f"readingroom: {e}") from None
    with archive:
        try:
            return args.func(archive, args)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except SearchUnavailable as e:  # the search server is away: no traceback, what to do
            print(f"readingroom: {e}", file=sys.stderr)
            return 1
        except (DatabaseError, OSError) as e:  # the archive's disk, not the command, is at fault: say so
            problem = storage_problem(e, archive.home)
            if problem is None:
                raise
            print(
                f"readingroom: {problem} ({str(e).strip() or type(e).__name__}): {advice(problem)}",
                file=sys.stderr,
            )
            return 1


if __name__ == "__main__":
    sys.exit(main())
