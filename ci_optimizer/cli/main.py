"""Command line: `ci-optimizer run ...`. `main` is the one error boundary of the program."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ci_optimizer import __version__
from ci_optimizer.cli import config_commands as config_cli
from ci_optimizer.cli.comment_command import add_comment_parser
from ci_optimizer.cli.merge_command import add_merge_parser
from ci_optimizer.cli.plan_command import add_plan_parser
from ci_optimizer.cli.selection import add_selection_args, selection_flags, selection_options
from ci_optimizer.compare.baseline import write_baseline
from ci_optimizer.errors import EXIT_FAILED, EXIT_OK, CiOptimizerError, UsageError, describe_error
from ci_optimizer.model.results import Report
from ci_optimizer.pipeline.request import Request
from ci_optimizer.plan.cache_specs import parse_specs
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags
from ci_optimizer.plan.shards import parse_shard
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.sarif import write_sarif
from ci_optimizer.report.terminal import render_terminal
from ci_optimizer.textfile import write_text

DESCRIPTION = """\
Build every target of a multi-stage Dockerfile, run its tester stage, measure each image
(size, compressed size, layers, what each layer adds), compare with the base branch, check the
production image against a readiness checklist, and fail when a size budget is exceeded.

exit codes: 0 passed, 1 a build, test, budget or error-level check failed, 2 usage, config or
environment error (one line on stderr naming the file, line or key).
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 through the same boundary."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # main() prints "ci-optimizer: error: " once; a subcommand's errors name the subcommand
        command = self.prog.removeprefix("ci-optimizer").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ci-optimizer", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"ci-optimizer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="build every target, run the tests, measure and report")
    add_selection_args(run)
    run.add_argument("--json", type=Path, metavar="PATH", help="write the JSON report here")
    run.add_argument("--markdown", type=Path, metavar="PATH", help="write the markdown report here")
    run.add_argument("--tag-prefix", default="ci-optimizer", help="repository prefix of the image tags")
    run.add_argument("--tester-timeout", type=float, default=600.0, metavar="SECONDS")
    run.add_argument("--no-cache", action="store_true", help="build without BuildKit's cache")
    run.add_argument("--cache-from", action="append", default=[], metavar="SPEC",
                     help="import BuildKit's cache for every target, as buildx takes it (type=registry,ref=REF; "
                          "{target} names a place per target); repeatable")
    run.add_argument("--cache-to", action="append", default=[], metavar="SPEC",
                     help="export the build's cache (type=inline, type=registry,ref=REF,mode=max, type=gha, ...); "
                          "without {target} it is exported from the production target only; repeatable")
    run.add_argument("--quiet", "-q", action="store_true", help="do not echo the build log to stderr")
    run.add_argument("--base-ref", metavar="REF", help="compare with the merge base of REF and HEAD, built here")
    run.add_argument("--baseline", type=Path, metavar="PATH",
                     help="compare with a report saved by --write-baseline (with --base-ref: used when readable, "
                          "else REF is built)")
    run.add_argument("--baseline-image", metavar="REF",
                     help="compare with the base's image in a registry, compressed to compressed, read from its "
                          "manifest (nothing pulled or built); {target} is replaced by each target's name, "
                          "without it production is compared; with --base-ref, REF is built when it cannot be read")
    run.add_argument("--write-baseline", type=Path, metavar="PATH", help="save this report as a later run's baseline")
    run.add_argument("--analyze", default="production", metavar="WHICH",
                     help="deep layer analysis (wasted bytes, gzip size): production (default), all, none, or "
                          "target names separated by commas")
    run.add_argument("--sarif", type=Path, metavar="PATH", help="write the checklist's findings as SARIF 2.1.0")
    run.add_argument("--smoke", action="store_true",
                     help="run production with --read-only --network none for a few seconds (read-only-smoke check)")
    run.add_argument("--no-hadolint", action="store_true", help="do not fold hadolint's findings into the checks")
    run.add_argument("--shard", metavar="K/N",
                     help="build only this leg's share of the config's Dockerfiles (a CI matrix leg; merge the "
                          "legs' --json reports with `ci-optimizer merge`)")
    run.add_argument("--builder", metavar="NAME", help="the buildx builder to build with (default: the current one)")
    run.set_defaults(handler=cmd_run)
    add_plan_parser(sub)
    config_cli.add_commands(sub)
    add_comment_parser(sub)
    add_merge_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args, out, err)
    except (Exception, KeyboardInterrupt) as exc:  # the one boundary: one line and a documented exit code
        message, code = describe_error(exc)
        if not isinstance(exc, CiOptimizerError | KeyboardInterrupt) and os.environ.get("CI_OPTIMIZER_DEBUG"):
            traceback.print_exc(file=err)
        prefix = "" if isinstance(exc, KeyboardInterrupt) or message.startswith("internal error") else "error: "
        print(f"ci-optimizer: {prefix}{message}", file=err)
    return code


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ci_optimizer.pipeline import spine  # noqa: PLC0415 - keep `--help` free of docker imports
    from ci_optimizer.wiring import environment, session  # noqa: PLC0415

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=err, flush=True)

    report = spine.run(request_from_args(args), session(environment(), builder=args.builder), log=log)
    if args.write_baseline:
        write_baseline(report, args.write_baseline)
    if args.sarif is not None:
        write_sarif(args.sarif, report.checks, root=Path.cwd())
    write_outputs(report, args, out)
    return EXIT_OK if report.passed else EXIT_FAILED


def request_from_args(args: argparse.Namespace) -> Request:
    return Request(config=args.config, flags=run_flags(args), template=run_options(args), base_ref=args.base_ref,
                   baseline=args.baseline, baseline_image=args.baseline_image, analyze=args.analyze,
                   smoke=args.smoke, hadolint=not args.no_hadolint,
                   shard=parse_shard(args.shard) if args.shard else None)


def run_flags(args: argparse.Namespace) -> Flags:
    """What the command line set explicitly, to lay over the config's Dockerfiles."""
    return selection_flags(args)


def run_options(args: argparse.Namespace) -> RunOptions:
    options = selection_options(args, tag_prefix=args.tag_prefix, tester_timeout=args.tester_timeout,
                                no_cache=args.no_cache)
    return replace(options, cache_from=parse_specs(args.cache_from, flag="--cache-from"),
                   cache_to=parse_specs(args.cache_to, flag="--cache-to"))


def write_outputs(report: Report, args: argparse.Namespace, out: TextIO) -> None:
    out.write(render_terminal(report))
    out.flush()
    if args.json is not None:
        write_text(args.json, report_json.dumps(report), what="JSON report", error=UsageError)
    if args.markdown is not None:
        from ci_optimizer.report.markdown import render_markdown  # noqa: PLC0415 - only when asked for

        write_text(args.markdown, render_markdown(report), what="markdown report", error=UsageError)
