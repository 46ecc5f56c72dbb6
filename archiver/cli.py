"""The ``archiver`` command. ``main(argv) -> int``; stdout carries data, stderr messages.

Exit codes: 0 ok, 1 finished with problem records (quarantined or failed threads, failed verification),
2 usage, 3 configuration or authentication, 4 source or storage unavailable.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__
from .clock import SystemClock, format_ts, parse_ts
from .errors import AuthError, ConfigError, Problem, SourceError, StorageError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver", description="socialarkiv: archive social-media threads.")
    parser.add_argument("--version", action="version", version=f"socialarkiv {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="json: one JSON object per log line, for log collectors")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="archive every configured account for a time window")
    run.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    run.add_argument("--since", help="start of the data interval (ISO 8601; default: 24 hours before --until)")
    run.add_argument("--until", help="end of the data interval (ISO 8601; default: now)")
    run.add_argument("--account", action="append", help="only this account key (repeatable)")

    verify = commands.add_parser("verify", help="check E-ARK packages and Noark 5 extractions (folder or tar) under "
                                                "PATH offline: every checksum, schema, reference and event")
    verify.add_argument("path", type=Path)
    verify.add_argument("--json", action="store_true", help="print the report as JSON")

    fake = commands.add_parser("fake-api", help="serve the fake Graph API on 127.0.0.1 (demo, tests, benchmarks)")
    fake.add_argument("--port", type=int, default=0)
    fake.add_argument("--threads", type=int, help="serve a synthetic page with this many threads")
    fake.add_argument("--comments", type=int, default=50, help="comments per synthetic thread")
    fake.add_argument("--seed", type=int, default=1)

    detect = commands.add_parser("detect", help="find personal data in JSON Lines of comments (stdin or FILE)")
    detect.add_argument("input", nargs="?", default="-", help='JSON Lines {"id", "text", "lang"?}; "-" is stdin')
    detect.add_argument("--today", help="the date that bounds birth dates (default: today)")

    review = commands.add_parser("review", help="list a thread's personal-data findings, or confirm or reject one")
    review.add_argument("action", choices=("list", "confirm", "reject"))
    review.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    review.add_argument("--account", required=True, help="the account key")
    review.add_argument("--post", required=True, help="the thread's post id")
    review.add_argument("--finding", help="the finding id (from 'list'); for confirm and reject")
    review.add_argument("--by", help="who decides (a name or user id); for confirm and reject")
    review.add_argument("--note", help="why (optional)")

    hooks = commands.add_parser("webhooks", help="receive Meta webhooks, or process the received events")
    hooks.add_argument("action", choices=("serve", "process"),
                       help="serve: run the receiver (loopback by default); process: capture the threads that "
                            "received events name")
    hooks.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    hooks.add_argument("--host", help="address to bind (default from [webhooks], 127.0.0.1)")
    hooks.add_argument("--port", type=int, help="port (default from [webhooks], 8710; 0 picks a free one)")

    export = commands.add_parser("export", help="write a Noark 5 arkivuttrekk (folder and tar) for a period")
    export.add_argument("format", choices=("noark5",))
    export.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    export.add_argument("--month", help="the period as a month, YYYY-MM")
    export.add_argument("--from", dest="start", help="first day of the period, YYYY-MM-DD")
    export.add_argument("--to", dest="end", help="last day of the period, YYYY-MM-DD (inclusive)")
    export.add_argument("--out", type=Path, help="where extractions go (default from [noark5] out)")
    export.add_argument("--schemas", type=Path, help="folder with the official Noark 5 schemas (default from "
                                                     "[noark5] schemas)")

    catalog = commands.add_parser("catalog", help="search the catalog, rebuild it from the store, or (recheck) "
                                                  "after a restore from a backup make each thread's next capture "
                                                  "check the store for versions it does not record")
    catalog.add_argument("action", choices=("search", "rebuild", "recheck"))
    catalog.add_argument("query", nargs="*", help="words to find (Norwegian and Danish stems); for search")
    catalog.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    catalog.add_argument("--platform")
    catalog.add_argument("--account", help="account key")
    catalog.add_argument("--since", help="entries written at or after (ISO 8601)")
    catalog.add_argument("--until", help="entries written before (ISO 8601)")
    catalog.add_argument("--sensitive", choices=("yes", "no"), help="threads with (or without) personal-data findings")
    catalog.add_argument("--classification")
    catalog.add_argument("--retention", choices=("retained", "due", "held", "permanent"))
    catalog.add_argument("--limit", type=int, default=50)
    catalog.add_argument("--show-restricted", action="store_true",
                         help="show the text of restricted entries (recorded in the audit log; needs --by and "
                              "--reason)")
    catalog.add_argument("--by", help="who reads restricted content")
    catalog.add_argument("--reason", help="why (e.g. the access request's case number)")
    catalog.add_argument("--into", help="rebuild: the empty catalog to fill (default: [archive] catalog)")

    hold = commands.add_parser("hold", help="set or release a legal hold on every version of a thread")
    hold.add_argument("action", choices=("set", "release"))
    hold.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    hold.add_argument("--account", required=True, help="the account key")
    hold.add_argument("--post", required=True, help="the thread's post id")
    hold.add_argument("--by", required=True, help="who decides")
    hold.add_argument("--reason", required=True, help="why (the case, the request, the dispute)")

    dispose = commands.add_parser("disposition", help="disposition (kassasjon): propose what is past retention, "
                                                      "approve a proposal, carry out approved ones")
    dispose.add_argument("action", choices=("propose", "list", "approve", "run"))
    dispose.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    dispose.add_argument("--proposal", help="the proposal id (from 'list'); for approve")
    dispose.add_argument("--by", help="who approves")
    dispose.add_argument("--reason", help="why")
    dispose.add_argument("--decision", help="the reference of the disposal decision (case or document number)")

    audit = commands.add_parser("audit", help="check the audit log's hash chain in the configured store")
    audit.add_argument("action", choices=("verify",))
    audit.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")

    web = commands.add_parser("web", help="the records officers' and auditors' web app, or manage its users")
    web.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG, else the demo's "
                                      "var/demo/socialarkiv.toml)")
    web_commands = web.add_subparsers(dest="web_command")
    serve = web_commands.add_parser("serve", help="serve the web app (the default)")
    serve.add_argument("--host", help="address to bind (default [web] host: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default [web] port: 8720)")
    users = web_commands.add_parser("users", help="add, list, change or disable the web app's local users")
    users.add_argument("action", choices=("add", "list", "password", "role", "disable"))
    users.add_argument("name", nargs="?")
    users.add_argument("--role", choices=("operator", "officer", "auditor", "public"))
    users.add_argument("--password-file", type=Path,
                       help="read the password from this file (default: ask on the terminal, or read stdin)")

    init = commands.add_parser("init", help="prepare a deployment: migrate the catalog's schema and create the S3 "
                                            "bucket with Object Lock (safe to repeat; run it after every upgrade)")
    init.add_argument("--config", help="configuration file (default: $SOCIALARKIV_CONFIG)")
    demo = commands.add_parser("demo", help="run the nightly DAG on the bundled demo source (embedded defaults)")
    demo.add_argument("--home", type=Path, default=Path("var/demo"), help="where the archive and Airflow live")
    demo.add_argument("--no-airflow", action="store_true", help="run the pipeline directly instead of the DAG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    handler = logging.StreamHandler(sys.stderr)
    if args.log_format == "json":
        from .operations import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler], force=True)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "fake-api":
            return _fake(args)
        if args.command == "webhooks":
            return _webhooks(args)
        if args.command == "detect":
            return _detect(args)
        if args.command == "review":
            return _review(args)
        if args.command == "export":
            return _export(args)
        if args.command == "catalog":
            return _catalog(args)
        if args.command == "hold":
            return _hold(args)
        if args.command == "disposition":
            return _disposition(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "web":
            return _web(args)
        if args.command == "init":
            return _init(args)
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args.home, use_airflow=not args.no_airflow)
    except (ConfigError, AuthError) as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return 3
    except (SourceError, StorageError) as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return 4
    return 2


def _init(args: argparse.Namespace) -> int:
    from .catalog import Catalog
    from .config import load_settings
    from .storage import store_for

    settings = load_settings(args.config)
    catalog = Catalog(settings.catalog)  # opening it migrates it to the newest schema
    catalog.engine.dispose()
    store = store_for(settings)
    ensure = getattr(store, "ensure_bucket", None)
    done = ensure() if callable(ensure) else f"filesystem store at {settings.store_path}"
    print(f"archiver init: catalog migrated; storage: {done}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .pipeline import run, services_for

    settings = load_settings(args.config)
    until = parse_ts(args.until) if args.until else datetime.now(UTC)
    since = parse_ts(args.since) if args.since else until - timedelta(days=1)
    if since >= until:
        raise ConfigError(f"--since {format_ts(since)} must be before --until {format_ts(until)}")
    with _progress(sys.stderr.isatty()) as progress:
        report = run(services_for(settings), since, until, accounts=args.account, progress=progress)
    print(json.dumps(report.summary(), ensure_ascii=False, indent=2))
    for outcome in report.outcomes:
        if outcome.status in ("quarantined", "failed"):
            print(f"archiver: {outcome.status} {outcome.account_key} {outcome.post_id}: {outcome.message}",
                  file=sys.stderr)
    if any(isinstance(m, str) and ("token" in m or "permission" in m) for m in report.account_errors.values()):
        return 3
    return 1 if report.problems else 0


@contextlib.contextmanager
def _progress(terminal: bool) -> Iterator[Callable[[object | None, int], None] | None]:
    """A progress bar on a terminal (rich): threads done of threads due, growing as accounts are listed."""
    if not terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("archiver run"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False, console=None) as bar:
        task = bar.add_task("threads", total=0)

        def show(outcome: object | None, due: int = 0) -> None:
            if outcome is None:
                bar.update(task, total=(bar.tasks[0].total or 0) + due)
            else:
                bar.advance(task)

        yield show


def _export(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .noark5.export import export_noark5
    from .noark5.extract import period_from

    settings = load_settings(args.config)
    period = period_from(args.month, args.start, args.end)
    out = args.out or settings.noark5.out or settings.store_path.parent / "noark5"
    result = export_noark5(settings, period, out, args.schemas or settings.noark5.schemas,
                           format_ts(datetime.now(UTC)))
    print(json.dumps({"period": period.label, "folder": str(result.folder), "tar": str(result.tar),
                      "journalposts": result.journalposts, "documents": result.documents,
                      "created": result.created}, ensure_ascii=False, indent=2))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .noark5.check import extraction_problems, find_extractions
    from .package.verify import verify_tree

    if not args.path.exists():
        raise ConfigError(f"{args.path} does not exist")
    results = {str(found): extraction_problems(found) for found in find_extractions(args.path)}
    if not results or args.path.is_dir():
        results.update(verify_tree(args.path) if args.path.is_dir() else {})
    if (args.path / "audit").is_dir():   # a store's root: its audit log too
        from .audit import AuditLog, check
        from .storage.filesystem import FileStore

        chain_problems, _ = check(AuditLog(FileStore(args.path), args.path / ".audit-unused").segments())
        results[str(args.path / "audit")] = [Problem("audit", p) for p in chain_problems]
    if args.json:
        print(json.dumps({"packages": len(results),
                          "failed": sorted(p for p, problems in results.items() if problems),
                          "problems": [{"package": p, "where": x.where, "problem": x.message}
                                       for p, problems in results.items() for x in problems]},
                         ensure_ascii=False, indent=2))
    else:
        for package, problems in results.items():
            print(f"{'OK  ' if not problems else 'FAIL'} {package}")
            for problem in problems:
                print(f"     {problem.where}: {problem.message}")
        bad = sum(1 for problems in results.values() if problems)
        print(f"{len(results)} package(s) or extraction(s) checked, {bad} failed")
    if not results:
        print(f"archiver: no packages or Noark 5 extractions found under {args.path}", file=sys.stderr)
        return 1
    return 1 if any(results.values()) else 0


def _detect(args: argparse.Namespace) -> int:
    """One output line per input line, in order, as each is read. A line that is not a JSON object with a
    string ``text`` gets ``"error"`` and no entities; the stream goes on."""
    from .sensitive import Detector

    today = parse_ts(args.today).date() if args.today else datetime.now(UTC).date()
    detector = Detector(today=today)
    if args.input == "-":
        stream = sys.stdin
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")  # bytes that are not UTF-8 must not stop the stream
    else:
        try:
            stream = open(args.input, encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise ConfigError(f"cannot read {args.input}: {exc.strerror}") from exc
    bad = 0
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError("not an object with a string 'text'")
                lang = item.get("lang") if isinstance(item.get("lang"), str) else None
                out = {"id": item.get("id"), "entities": [f.to_entity() for f in detector.detect(item["text"], lang)]}
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                bad += 1
                out = {"id": None, "entities": [], "error": f"line {number}: {str(exc)[:120]}"}
            sys.stdout.write(json.dumps(out) + "\n")  # ASCII: any text, even lone surrogates, is written
            sys.stdout.flush()
    finally:
        if stream is not sys.stdin:
            stream.close()
    if bad:
        print(f"archiver: {bad} input line(s) were not comment objects; see their 'error'", file=sys.stderr)
    return 1 if bad else 0


def _review(args: argparse.Namespace) -> int:
    """``list`` prints the findings with a little context (stdout is for the records officer, never a log);
    ``confirm``/``reject`` store the decision as a new version of the thread."""
    from .config import load_settings
    from .pipeline import audit, head, review, seal_audit, services_for

    services = services_for(load_settings(args.config))
    if args.action == "list":
        account = services.settings.account(args.account)
        latest = head(services, account.platform, account.account_id, args.post)
        if latest is None:
            raise ConfigError(f"no archived thread {args.post} for account {args.account}")
        screening = latest.thread.screening
        texts: dict[tuple[str, str], str] = {}
        entries: list[Any] = [latest.thread.post, *latest.thread.comments]
        for entry in entries:
            texts[(entry.id, "text")] = entry.text
            for n, version in enumerate(entry.history.versions if entry.history else ()):
                texts[(entry.id, f"version:{n}")] = version.text
        rows = []
        for finding in screening.findings if screening else ():
            text = texts.get((finding.entry_id, finding.field), "")
            rows.append({"finding": finding.id, "entry": finding.entry_id, "field": finding.field,
                         "category": finding.category, "subtype": finding.subtype, "confidence": finding.confidence,
                         "decision": None if finding.decision is None else finding.decision.verdict,
                         "context": text[max(0, finding.start - 30):finding.start] + "⟦" +
                         text[finding.start:finding.end] + "⟧" + text[finding.end:finding.end + 30]})
        skjerming = screening.skjerming if screening else None
        if rows:   # the findings in context are restricted content: who read them is recorded
            audit(services, "access", f"{account.platform}/{account.account_id}/{args.post}",
                  actor=os.environ.get("USER", "unknown"), details={"via": "review list", "findings": len(rows)})
            seal_audit(services)
        print(json.dumps({"version": latest.version, "findings": rows, "skjerming": None if skjerming is None else {
            "tilgangsrestriksjon": skjerming.tilgangsrestriksjon, "skjermingshjemmel": skjerming.skjermingshjemmel,
            "categories": list(skjerming.categories)}}, ensure_ascii=False, indent=2))
        return 0
    if not args.finding or not args.by:
        raise ConfigError(f"review {args.action} needs --finding and --by")
    verdict = "confirmed" if args.action == "confirm" else "rejected"
    outcome = review(services, args.account, args.post, args.finding, verdict, args.by, args.note)
    print(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _webhooks(args: argparse.Namespace) -> int:
    from .config import load_settings

    settings = load_settings(args.config)
    if args.action == "process":
        from .pipeline import process_webhook_events, services_for

        report = process_webhook_events(services_for(settings))
        print(json.dumps(report.summary(), ensure_ascii=False, indent=2))
        return 1 if report.problems else 0
    from .clock import SystemClock
    from .config import resolve_secret
    from .webhooks.receiver import WebhookServer
    from .webhooks.spool import Spool

    hooks = settings.webhooks
    server = WebhookServer(Spool(settings.webhook_spool),
                           app_secret=resolve_secret(hooks.app_secret, "[webhooks] app_secret").reveal(),
                           verify_token=resolve_secret(hooks.verify_token, "[webhooks] verify_token").reveal(),
                           host=args.host or hooks.host, port=hooks.port if args.port is None else args.port,
                           path=hooks.path, max_body_bytes=hooks.max_body_bytes, now=SystemClock().now)
    print(json.dumps({"url": server.url, "spool": str(settings.webhook_spool)}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _fake(args: argparse.Namespace) -> int:
    import time

    from .fakes.demo import demo_page, synthetic_page
    from .fakes.graph import FakeGraphServer

    page = synthetic_page(args.threads, args.comments, seed=args.seed) if args.threads else demo_page()
    with FakeGraphServer(page, port=args.port) as server:
        print(json.dumps({"url": server.url, "page_id": page.id, "token": page.token}), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _catalog(args: argparse.Namespace) -> int:
    from .catalog import Catalog
    from .config import load_settings
    from .pipeline import audit, seal_audit, services_for

    settings = load_settings(args.config)
    if args.action == "rebuild":
        from .catalog.rebuild import rebuild
        from .pipeline import audit_log
        from .storage import store_for

        target = Catalog(args.into or settings.catalog)
        if target.dump()["threads"]:
            raise ConfigError(f"the catalog {args.into or settings.catalog} is not empty; rebuild into an empty "
                              "one (--into) and point [archive] catalog at it")
        store = store_for(settings)
        report = rebuild(store, audit_log(settings, store, SystemClock()), target)
        print(json.dumps({"versions": report.versions, "audit_events": report.events,
                          "threads_without_events": report.threads_without_events, "problems": report.problems},
                         ensure_ascii=False, indent=2))
        return 1 if report.problems else 0
    if args.action == "recheck":
        marked = Catalog(settings.catalog).recheck()
        print(json.dumps({"threads_marked": marked}))
        return 0
    if args.show_restricted and (not args.by or not args.reason):
        raise ConfigError("--show-restricted needs --by and --reason: reading restricted content is recorded")
    services = services_for(settings)
    hits = services.catalog.search(" ".join(args.query) or None, platform=args.platform, account=args.account,
                                   since=args.since, until=args.until,
                                   sensitive=None if args.sensitive is None else args.sensitive == "yes",
                                   classification=args.classification, retention=args.retention,
                                   now=format_ts(datetime.now(UTC)), show_restricted=args.show_restricted,
                                   limit=args.limit)
    shown = sorted({f"{h.platform}/{h.account_id}/{h.post_id}" for h in hits if h.restricted})
    if args.show_restricted and shown:
        audit(services, "access", ",".join(shown)[:500], actor=args.by,
              details={"via": "catalog search", "reason": args.reason, "threads": shown})
        seal_audit(services)
    for hit in hits:
        print(json.dumps(dataclasses.asdict(hit), ensure_ascii=False))
    return 0


def _hold(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .disposition import hold, release
    from .pipeline import services_for

    services = services_for(load_settings(args.config))
    action = hold if args.action == "set" else release
    count = action(services, args.account, args.post, args.by, args.reason)
    print(json.dumps({"thread": args.post, "account": args.account, "legal_hold": args.action == "set",
                      "versions": count}, ensure_ascii=False))
    return 0


def _disposition(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .disposition import approve, execute, pending_proposals, propose
    from .pipeline import services_for

    services = services_for(load_settings(args.config))
    if args.action == "propose":
        print(json.dumps({"proposal": propose(services)}))
    elif args.action == "list":
        print(json.dumps(pending_proposals(services), ensure_ascii=False, indent=2))
    elif args.action == "approve":
        if not args.proposal:
            raise ConfigError("disposition approve needs --proposal, --by, --reason and --decision")
        print(json.dumps(approve(services, args.proposal, args.by or "", args.reason or "", args.decision or ""),
                         ensure_ascii=False, indent=2))
    else:
        result = execute(services)
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return 1 if result.kept else 0
    return 0


def _audit(args: argparse.Namespace) -> int:
    from .audit import AuditHead, check
    from .config import load_settings
    from .pipeline import services_for

    services = services_for(load_settings(args.config))
    assert services.audit is not None
    recorded = services.catalog.audit_head()
    problems, head = check(services.audit.segments(), AuditHead(*recorded) if recorded else None)
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"audit log: {head.seq if head else 0} event(s) in {head.segment if head else 0} segment(s), "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _web_settings(args: argparse.Namespace) -> Any:
    from .config import CONFIG_ENV, load_settings

    demo = Path("var/demo/socialarkiv.toml")
    chosen = args.config or os.environ.get(CONFIG_ENV) or (str(demo) if demo.is_file() else None)
    if chosen is None:
        raise ConfigError(f"no configuration: pass --config FILE, set {CONFIG_ENV}, or run 'archiver demo' first")
    return load_settings(chosen)


def _web(args: argparse.Namespace) -> int:
    from .pipeline import services_for

    settings = _web_settings(args)
    services = services_for(settings)
    if args.web_command == "users":
        return _web_users(args, services)
    import uvicorn

    from .web.app import create_app

    host = args.host if getattr(args, "host", None) else settings.web.host
    port = args.port if getattr(args, "port", None) is not None else settings.web.port
    print(f"socialarkiv web app on http://{host}:{port}/ (Ctrl-C stops it)", file=sys.stderr)
    uvicorn.run(create_app(services), host=host, port=port, log_level="warning", access_log=False)
    return 0


def _web_users(args: argparse.Namespace, services: Any) -> int:
    from .web.users import Users

    users = Users(services.catalog.engine)
    if args.action == "list":
        for user, disabled in users.all():
            print(json.dumps({"name": user.name, "role": user.role, "disabled": disabled}))
        return 0
    if not args.name:
        raise ConfigError(f"'archiver web users {args.action}' needs a user name")
    try:
        if args.action == "disable":
            users.disable(args.name)
        elif args.action == "role":
            if not args.role:
                raise ConfigError("give the new role with --role")
            users.set_role(args.name, args.role)
        else:
            password = _password(args)
            if args.action == "add":
                if not args.role:
                    raise ConfigError("give the user's role with --role (operator, officer, auditor or public)")
                users.add(args.name, args.role, password, format_ts(SystemClock().now()))
            else:
                users.set_password(args.name, password)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    print(f"archiver: user {args.name}: {args.action} done", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_file:
        return str(args.password_file.read_text(encoding="utf-8").rstrip("\n"))
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise ConfigError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")
