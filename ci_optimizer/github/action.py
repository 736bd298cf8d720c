"""The GitHub Action: inputs -> `ci-optimizer run` -> annotations, summary, comment, outputs.

The action drives the same `run` command users run locally (so comparison, budgets and the
config file behave identically), reads back the JSON report it wrote, and publishes it. The
summary is written before the comment is attempted: it needs no permission, so a fork PR
still gets the full report even when the comment is refused.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from ci_optimizer.adapters import proc
from ci_optimizer.cli import main as cli
from ci_optimizer.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, CiOptimizerError, CommandError
from ci_optimizer.github import comment as sticky
from ci_optimizer.github.action_settings import ActionSettings, load_settings, read_input
from ci_optimizer.github.annotations import annotations_for
from ci_optimizer.github.event import PullRequest, pull_request, read_event
from ci_optimizer.github.runner import ActionOutputs, Console, append_summary, redact, write_outputs
from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report import markdown_text as md
from ci_optimizer.report.markdown import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    MarkdownOptions,
    render_markdown,
    stable_digest,
)
from ci_optimizer.report.model import GitHubContext, Report
from ci_optimizer.sizes import format_size

REPORT_PATH = ".ci-optimizer/report.json"  # relative to the workspace, so later steps can upload it
FORK_HELP = (
    "A pull request from a fork gets a read-only token, so the comment cannot be written here; "
    "the report is in this job's summary. To comment on fork PRs, upload the report as an artifact "
    "and post it from a workflow_run workflow with `ci-optimizer comment --report report.json` "
    "(see docs/github-action.md, 'Pull requests from forks')."
)

RunCli = Callable[..., int]


def main() -> int:
    """entrypoint.py's target: the wiring module supplies the environment."""
    from ci_optimizer.wiring import environment  # noqa: PLC0415 - the one module that reads os.environ

    return run_action(environment(), stdout=sys.stdout)


@dataclass(frozen=True, kw_only=True)
class Published:
    code: int
    comment_url: str = ""


def run_action(env: Mapping[str, str], *, stdout: TextIO, run_cli: RunCli = cli.main,
               throttle: bool = True) -> int:
    """The whole action; every error ends as one `::error` line, outputs written, exit code 2."""
    console = Console(stdout)
    token = read_input(env, "github-token") or env.get("GITHUB_TOKEN", "")
    if token:
        console.mask(token)  # before anything else is printed
    try:
        settings = load_settings(env)
        pr = pull_request(settings.runner.event_name, read_event(settings.runner.event_path))
        return _run(settings, pr, console, stdout=stdout, run_cli=run_cli, throttle=throttle)
    except CiOptimizerError as exc:
        console.error(exc.one_line(), title="ci-optimizer")
        _write_outputs_safely(console, env.get("GITHUB_OUTPUT"),
                              ActionOutputs(passed=False, report="", comment_url=""))
        return exc.exit_code


def _run(settings: ActionSettings, pr: PullRequest | None, console: Console, *, stdout: TextIO,
         run_cli: RunCli, throttle: bool) -> int:
    trust_workspace(settings.runner.workspace, console)
    report_file = Path(settings.runner.workspace) / REPORT_PATH
    report_file.unlink(missing_ok=True)  # a stale report from an earlier run must never be published
    argv = run_argv(settings, pr, str(report_file), cli_run_options(), console)
    tee = _LastLine(stdout)
    table = io.StringIO()  # the terminal table, printed after the build log's group closes
    with console.group("ci-optimizer: build, test and measure every target"):
        code = run_cli(argv, stdout=table, stderr=tee)
    if table.getvalue().strip():
        console.line(table.getvalue().rstrip("\n"))
    publisher = _Publisher(settings=settings, pr=pr, console=console, throttle=throttle)
    try:
        report = _read_report(report_file, code, tee.last)
    except CiOptimizerError as exc:
        message = exc.one_line()
        console.error(message.removeprefix("ci-optimizer: error: "), title="ci-optimizer")
        published = publisher.error(message)
        _finish(console, settings, passed=False, report="", comment_url=published.comment_url)
        return code if code not in (EXIT_OK, EXIT_FAILED) else EXIT_ERROR
    report = _with_github_block(report, settings, pr)
    report_file.write_text(report_json.dumps(report), encoding="utf-8")
    _log_targets(report, console)
    for note in annotations_for(report, budgets_enforced=settings.fail_on_budget,
                                workspace=settings.runner.workspace):
        emit = console.error if note.level == "error" else console.warning
        emit(note.message, file=note.file, line=note.line, title=note.title)
    published = publisher.report(report)
    result = exit_code(report, fail_on_budget=settings.fail_on_budget)
    if code == EXIT_ERROR:
        result = EXIT_ERROR  # the run wrote a partial report, then stopped on an error
    if published.code == EXIT_ERROR:
        result = EXIT_ERROR
    _finish(console, settings, passed=result == EXIT_OK, report=REPORT_PATH, comment_url=published.comment_url)
    return result


def _read_report(path: Path, code: int, last_line: str) -> Report:
    if not path.is_file():
        # `run` stopped before it knew anything (bad Dockerfile, unknown target, no engine): its
        # one-line error is the last line it printed.
        raise CiOptimizerError(last_line or f"ci-optimizer run exited with {code} without writing a report")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CiOptimizerError(f"cannot read the report: {exc}", location=str(path)) from None
    return report_json.from_dict(document, source=str(path))


def exit_code(report: Report, *, fail_on_budget: bool) -> int:
    """Builds, tests and checklist errors always fail; budgets fail only when `fail-on-budget`."""
    if report.failed_targets or report.tests_failed or report.failed_checks:
        return EXIT_FAILED
    if report.failed_budgets and fail_on_budget:
        return EXIT_FAILED
    return EXIT_OK


def run_argv(settings: ActionSettings, pr: PullRequest | None, report_path: str,
             supported: frozenset[str], console: Console | None = None) -> list[str]:
    """The `ci-optimizer run` command line for these inputs. Pure.

    A CLI without the comparison flags gets a warning instead of a usage error, and the run
    goes on without a comparison.
    """
    argv = ["run", "--json", report_path]
    # Only what the user set: an explicit --file would pick one of the config's Dockerfiles.
    if settings.file:
        argv += ["--file", settings.file]
    if settings.context:
        argv += ["--context", settings.context]
    if settings.config:
        argv += ["--config", settings.config]
    if settings.targets:
        argv += ["--targets", ",".join(settings.targets)]
    if settings.tester:
        argv += ["--tester", settings.tester]
    if settings.production:
        argv += ["--production", settings.production]
    for item in settings.build_args:
        argv += ["--build-arg", item]
    if settings.tag_prefix != "ci-optimizer":
        argv += ["--tag-prefix", settings.tag_prefix]
    wanted: list[tuple[str, str]] = []
    if settings.baseline:
        wanted.append(("--baseline", settings.baseline))
    # With both, `run` reads the baseline and builds the base only when the file is missing or
    # unreadable (an expired artifact, the first PR after adopting): a warning, never a failure.
    base = settings.base_ref or (pr.base_sha if pr is not None else None)
    if base:
        wanted.append(("--base-ref", base))
    for flag, value in wanted:
        if flag in supported:
            argv += [flag, value]
        elif console is not None:
            console.warning(f"this version of ci-optimizer cannot compare ({flag} is not supported): "
                            "the report has no deltas against the base")
    return argv


def cli_run_options() -> frozenset[str]:
    """The option strings `ci-optimizer run` accepts (argparse keeps them on its actions)."""
    parser = cli.build_parser()
    for action in parser._actions:  # argparse has no public way to list subcommands
        if isinstance(action, argparse._SubParsersAction):
            run = action.choices["run"]
            return frozenset(opt for a in run._actions for opt in a.option_strings)
    return frozenset()


def trust_workspace(workspace: str, console: Console) -> None:
    """Let git work in a workspace owned by another user.

    A container action runs as root while /github/workspace belongs to the runner's user, and
    git (since 2.35.2) refuses such a repository as of "dubious ownership". Trust exactly this
    directory, only when its owner differs from us.
    """
    try:
        if os.stat(workspace).st_uid == os.getuid():
            return
        known = proc.run(["git", "config", "--global", "--get-all", "safe.directory"], check=False)
        if workspace in known.stdout.splitlines():
            return
        proc.run(["git", "config", "--global", "--add", "safe.directory", workspace])
    except (OSError, CommandError) as exc:
        message = exc.one_line() if isinstance(exc, CommandError) else str(exc)
        console.warning(f"could not mark {workspace} as a safe git directory: {message}")


def _with_github_block(report: Report, settings: ActionSettings, pr: PullRequest | None) -> Report:
    """Record which PR the report is about, so `ci-optimizer comment` can post it later."""
    context = GitHubContext(
        repository=settings.runner.repository,
        pull_request=pr.number if pr is not None and pr.number > 0 else None,
        head_sha=pr.head_sha if pr is not None and pr.head_sha else None,
        base_sha=pr.base_sha if pr is not None and pr.base_sha else None,
        comment_key=settings.comment_key,
        budgets_enforced=settings.fail_on_budget,
    )
    return replace(report, github=context)


def _log_targets(report: Report, console: Console) -> None:
    for t in report.targets:
        size = format_size(t.size_bytes) if t.status == "built" else t.status
        with console.group(f"ci-optimizer: {t.name} ({t.role}) — {size}, {t.layers or 0} layers"):
            for layer in sorted(t.layer_details, key=lambda item: -item.size_bytes)[:10]:
                where = f"line {layer.line}" if layer.line else ("base image" if layer.from_base else "")
                made_by = clean_created_by(layer.created_by)[:150]  # without build-arg values
                console.line(f"{format_size(layer.size_bytes):>10}  {where:<12} {made_by}")
            if t.error:
                console.line(f"error: {t.error}")
            for line in t.log_tail:
                console.line(line)


def comment_title(settings: ActionSettings) -> str:
    return f"ci-optimizer · {settings.comment_key}" if settings.comment_key_given else "ci-optimizer"


@dataclass(frozen=True, kw_only=True)
class _Publisher:
    """Writes the job summary and the sticky comment for one run."""

    settings: ActionSettings
    pr: PullRequest | None
    console: Console
    throttle: bool = True

    def report(self, report: Report) -> Published:
        options = MarkdownOptions(
            title=comment_title(self.settings),
            budgets_enforced=self.settings.fail_on_budget,
            head_sha=self.pr.head_sha if self.pr is not None else self.settings.runner.sha,
            run_url=self.settings.runner.run_url,
        )
        self._summary(render_markdown(report, replace(options, max_chars=SUMMARY_LIMIT)))
        room = COMMENT_LIMIT - len(sticky.marker(self.settings.comment_key, "0" * 16)) - 1
        body = render_markdown(report, replace(options, max_chars=room))
        return self._comment(body, stable_digest(report, budgets_enforced=self.settings.fail_on_budget))

    def error(self, message: str) -> Published:
        """A run that produced no report still replaces the old verdict: a stale ✅ would lie."""
        body = (f"### ❌ {md.text(comment_title(self.settings))}: could not run\n\n"
                f"{md.code(message, limit=1000)}\n\nSee the workflow run's log.\n")
        self._summary(body)
        return self._comment(body, _text_digest(message))

    def _summary(self, markdown: str) -> None:
        append_summary(self.settings.runner.summary_path, self._redact(markdown))

    def _redact(self, text: str) -> str:
        return redact(text, (self.settings.github_token.reveal(),))

    def _comment(self, body: str, digest: str) -> Published:
        settings, pr, console = self.settings, self.pr, self.console
        if settings.comment == "never":
            return Published(code=EXIT_OK)
        if pr is None or pr.number <= 0:
            console.line(f"ci-optimizer: not a pull request event ({settings.runner.event_name or 'none'}): "
                         "no comment, the report is in the job summary")
            return Published(code=EXIT_OK)
        if not settings.github_token:
            console.warning("no github-token: the comment was not posted; the report is in the job summary")
            return Published(code=EXIT_OK)
        try:
            api = sticky.PyGithubComments(
                sticky.make_github(settings.github_token, settings.runner.api_url, throttle=self.throttle),
                pr.base_repo or settings.runner.repository, pr.number,
            )
            result = sticky.upsert(api, key=settings.comment_key, digest=digest, markdown=self._redact(body),
                                   mode=settings.comment)
        except CiOptimizerError as exc:
            console.error(f"the PR comment failed: {exc.one_line()}", title="ci-optimizer")
            return Published(code=EXIT_ERROR)
        if result.action == "forbidden":
            console.warning(f"{FORK_HELP} ({result.detail})", title="ci-optimizer: comment not posted")
            return Published(code=EXIT_OK)
        extra = f", removed {result.removed_duplicates} duplicate(s)" if result.removed_duplicates else ""
        console.line(f"ci-optimizer: comment {result.action}{extra}: {result.url}")
        return Published(code=EXIT_OK, comment_url=result.url or "")


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _finish(console: Console, settings: ActionSettings, *, passed: bool, report: str, comment_url: str) -> None:
    _write_outputs_safely(console, settings.runner.output_path,
                          ActionOutputs(passed=passed, report=report, comment_url=comment_url))


def _write_outputs_safely(console: Console, path: str | None, outputs: ActionOutputs) -> None:
    try:
        write_outputs(path, outputs)
    except CiOptimizerError as exc:
        console.error(exc.one_line(), title="ci-optimizer")


class _LastLine(io.StringIO):
    """Passes the build log through to the step's log and remembers its last line (the error)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.last = ""

    def write(self, text: str) -> int:
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            self.last = lines[-1]
        self.stream.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()
