"""Command line: `ci-optimizer run ...`. `main` is the one error boundary of the program."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ci_optimizer import __version__
from ci_optimizer.cli import config_commands as config_cli
from ci_optimizer.cli.comment_command import add_comment_parser
from ci_optimizer.compare import baseline
from ci_optimizer.config import load_config
from ci_optimizer.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, CiOptimizerError, UsageError
from ci_optimizer.judge.budgets import apply_budgets
from ci_optimizer.pipeline.examine import ExamineOptions, check_analyze_spec, examine
from ci_optimizer.pipeline.head import Planned, RunOptions, prepare, run_pipeline
from ci_optimizer.plan.runs import Flags, runs_for
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.model import Report
from ci_optimizer.report.sarif import write_sarif
from ci_optimizer.report.sections import combine
from ci_optimizer.report.terminal import render_terminal


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 through the same boundary."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ci-optimizer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ci-optimizer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="build every target, run the tests, measure and report")
    run.add_argument("--file", "-f", type=Path, help="the Dockerfile (default: CONTEXT/Dockerfile)")
    run.add_argument("--context", type=Path, help="build context directory (default: .)")
    run.add_argument("--targets", default="", help="comma-separated targets to build (default: every named stage)")
    run.add_argument("--tester", help="the stage that runs the tests (default: tester/test/tests)")
    run.add_argument("--production", help="the stage that ships (default: the last stage)")
    run.add_argument("--build-arg", action="append", default=[], metavar="KEY=VALUE", help="repeatable")
    run.add_argument("--json", type=Path, metavar="PATH", help="write the JSON report here")
    run.add_argument("--markdown", type=Path, metavar="PATH", help="write the markdown report here")
    run.add_argument("--config", type=Path, metavar="PATH", help="config file (default: .ci-optimizer.yml)")
    run.add_argument("--tag-prefix", default="ci-optimizer", help="repository prefix of the image tags")
    run.add_argument("--tester-timeout", type=float, default=600.0, metavar="SECONDS")
    run.add_argument("--no-cache", action="store_true", help="build without BuildKit's cache")
    run.add_argument("--quiet", "-q", action="store_true", help="do not echo the build log to stderr")
    run.add_argument("--base-ref", metavar="REF", help="compare with the merge base of REF and HEAD, built here")
    run.add_argument("--baseline", type=Path, metavar="PATH",
                     help="compare with a report saved by --write-baseline (with --base-ref: used when readable, "
                          "else REF is built)")
    run.add_argument("--write-baseline", type=Path, metavar="PATH", help="save this report as a later run's baseline")
    run.add_argument("--analyze", default="production", metavar="WHICH",
                     help="deep layer analysis (wasted bytes, gzip size): production (default), all, none, or "
                          "target names separated by commas")
    run.add_argument("--sarif", type=Path, metavar="PATH", help="write the checklist's findings as SARIF 2.1.0")
    run.add_argument("--smoke", action="store_true",
                     help="run production with --read-only --network none for a few seconds (read-only-smoke check)")
    run.add_argument("--no-hadolint", action="store_true", help="do not fold hadolint's findings into the checks")
    run.set_defaults(handler=cmd_run)
    config_cli.add_commands(sub)
    add_comment_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args, out, err)
    except CiOptimizerError as exc:
        print(f"ci-optimizer: error: {exc.one_line()}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ci-optimizer: interrupted", file=err)
        return 130
    except Exception as exc:  # a bug of ours: still one line and a documented exit code
        if os.environ.get("CI_OPTIMIZER_DEBUG"):
            traceback.print_exc(file=err)
        print(f"ci-optimizer: internal error: {type(exc).__name__}: {exc} "
              "(set CI_OPTIMIZER_DEBUG=1 for the traceback, and please report it)", file=err)
        return EXIT_ERROR
    return code


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ci_optimizer.wiring import (  # noqa: PLC0415 - keep `--help` free of docker imports
        engine_adapters,
        environment,
        layer_cache_dir,
    )

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=err, flush=True)

    env = environment()
    config = load_config(args.config, root=Path())
    runs = runs_for(config, run_flags(args), run_options(args))
    planned = [prepare(options) for options in runs]  # Dockerfile and target errors come before any engine I/O
    check_analyze_spec(args.analyze, planned)
    saved, fallback = baseline.read_saved(args.baseline, fallback=args.base_ref) if args.baseline else (None, ())
    base = baseline.locate(args.base_ref, cwd=Path(), log=log) if args.base_ref and saved is None else None
    builder, images = engine_adapters(environment())

    def run_one(options: RunOptions, planned: Planned | None = None) -> Report:
        return run_pipeline(options, builder=builder, images=images, log=log, planned=planned)[0]

    def run_head() -> Report:
        return combine([run_one(options, plan) for options, plan in zip(runs, planned, strict=True)])

    if base is not None:
        base_builder, base_images = engine_adapters(environment())  # its own client: the base builds in a thread

        def run_base(options: RunOptions) -> Report:
            return run_pipeline(options, builder=base_builder, images=base_images,
                                log=lambda line: log(f"base: {line}"))[0]

        report = baseline.alongside_base(run_head, runs, base=base, run=run_base, log=log, cwd=Path(),
                                         warnings=fallback)
    else:
        report = run_head()
    if saved is not None:
        report = baseline.compare_with_saved(report, saved, args.baseline)
    report = examine(report, list(zip(runs, planned, strict=True)), client=images.client,
                     options=examine_options(args, env, layer_cache_dir(env)), settings=config.checks, log=log)
    report = apply_budgets(report, config)
    if args.write_baseline:
        baseline.write_baseline(report, args.write_baseline)
    if args.sarif is not None:
        write_sarif(args.sarif, report.checks, root=Path.cwd())
    write_outputs(report, args, out)
    return EXIT_OK if report.passed else EXIT_FAILED


def examine_options(args: argparse.Namespace, env: Mapping[str, str], cache_dir: Path | None) -> ExamineOptions:
    return ExamineOptions(
        analyze=args.analyze, cache_dir=cache_dir, smoke=args.smoke, hadolint=not args.no_hadolint,
        path_env=env.get("PATH"),
    )


def run_flags(args: argparse.Namespace) -> Flags:
    """What the command line set explicitly, to lay over the config's Dockerfiles."""
    return Flags(file=args.file, context=args.context, targets=run_options(args).targets, tester=args.tester,
                 production=args.production, build_args=parse_build_args(args.build_arg))


def run_options(args: argparse.Namespace) -> RunOptions:
    context: Path = args.context if args.context is not None else Path(".")
    return RunOptions(
        dockerfile=args.file if args.file is not None else context / "Dockerfile",
        context=context,
        targets=tuple(t.strip() for t in args.targets.split(",") if t.strip()),
        tester=args.tester,
        production=args.production,
        build_args=parse_build_args(args.build_arg),
        tag_prefix=args.tag_prefix,
        tester_timeout=args.tester_timeout,
        no_cache=args.no_cache,
    )


def parse_build_args(items: Sequence[str]) -> dict[str, str]:
    parsed = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not key or not eq:
            raise UsageError(f"--build-arg {item!r}: expected KEY=VALUE")
        parsed[key] = value
    return parsed


def write_outputs(report: Report, args: argparse.Namespace, out: TextIO) -> None:
    out.write(render_terminal(report))
    out.flush()
    if args.json is not None:
        _write(args.json, report_json.dumps(report))
    if args.markdown is not None:
        from ci_optimizer.report.markdown import render_markdown  # noqa: PLC0415 - only when asked for

        _write(args.markdown, render_markdown(report))


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None

