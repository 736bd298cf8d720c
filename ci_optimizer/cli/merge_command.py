"""`ci-optimizer merge REPORT...`: the matrix legs' reports as one report and one verdict.

Each leg of a `--shard K/N` matrix uploads its JSON report; a final job downloads them all and
merges them (docs/github-action.md, "Monorepos: one verdict from a matrix"). Nothing is built.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.compare.baseline import merge_saved
from ci_optimizer.errors import EXIT_FAILED, EXIT_OK, UsageError
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.terminal import render_terminal
from ci_optimizer.textfile import write_text


def add_merge_parser(sub: Any) -> None:
    parser = sub.add_parser("merge", help="merge the JSON reports of matrix legs (--shard K/N) into one verdict")
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="the legs' JSON reports")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the merged JSON report here")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write the merged markdown report here")
    parser.add_argument("--allow-partial", action="store_true",
                        help="merge even when a shard's report is missing (the report says which)")
    parser.set_defaults(handler=cmd_merge)


def cmd_merge(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    report = merge_saved(args.reports, allow_partial=args.allow_partial)
    out.write(render_terminal(report))
    if args.json is not None:
        write_text(args.json, report_json.dumps(report), what="JSON report", error=UsageError)
    if args.markdown is not None:
        from ci_optimizer.report.markdown import render_markdown  # noqa: PLC0415 - only when asked for

        write_text(args.markdown, render_markdown(report), what="markdown report", error=UsageError)
    return EXIT_OK if report.passed else EXIT_FAILED
