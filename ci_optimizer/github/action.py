"""The GitHub Action: inputs -> the pipeline -> annotations, summary, comment, outputs.

The action calls the same spine as `ci-optimizer run` (pipeline/spine.py), in-process, with a
Request built from its inputs, so comparison, budgets and the config file behave identically;
then it publishes the report. The summary is written before the comment is attempted: it needs
no permission, so a fork PR still gets the full report even when the comment is refused.
"""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from ci_optimizer.adapters import proc
from ci_optimizer.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, CiOptimizerError, CommandError, describe_error
from ci_optimizer.github import comment as sticky
from ci_optimizer.github.action_settings import ActionSettings, load_settings, read_input
from ci_optimizer.github.annotations import annotations_for
from ci_optimizer.github.event import PullRequest, pull_request, read_event
from ci_optimizer.github.merge_mode import merged_pipeline
from ci_optimizer.github.runner import ActionOutputs, Console, append_summary, redact, write_outputs
from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.model.results import GitHubContext, Report
from ci_optimizer.pipeline.request import Request, Session
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags, parse_build_args
from ci_optimizer.ports import Log
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report import markdown_text as md
from ci_optimizer.report.markdown import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    MarkdownOptions,
    render_markdown,
    stable_digest,
)
from ci_optimizer.report.terminal import render_terminal
from ci_optimizer.sizes import format_size
from ci_optimizer.textfile import write_text

REPORT_PATH = ".ci-optimizer/report.json"  # relative to the workspace, so later steps can upload it
FORK_HELP = (
    "A pull request from a fork gets a read-only token, so the comment cannot be written here; "
    "the report is in this job's summary. To comment on fork PRs, upload the report as an artifact "
    "and post it from a workflow_run workflow with `ci-optimizer comment --report report.json` "
    "(see docs/github-action.md, 'Pull requests from forks')."
)

RunPipeline = Callable[[Request, Session, Log], Report]


def _run_spine(request: Request, session: Session, log: Log) -> Report:
    from ci_optimizer.pipeline import spine  # noqa: PLC0415 - loads docker; a bad input fails before it

    return spine.run(request, session, log=log)


def main() -> int:
    """entrypoint.py's target: the wiring module supplies the environment and the engine."""
    from ci_optimizer.wiring import environment, session  # noqa: PLC0415 - the one module that reads os.environ

    env = environment()
    return run_action(env, stdout=sys.stdout, session=session(env, builder=read_input(env, "builder") or None))


@dataclass(frozen=True, kw_only=True)
class Published:
    code: int
    comment_url: str = ""


def run_action(env: Mapping[str, str], *, stdout: TextIO, session: Session,
               run_pipeline: RunPipeline = _run_spine, throttle: bool = True) -> int:
    """The whole action; every error ends as one `::error` line, outputs written, exit code 2."""
    console = Console(stdout)
    token = read_input(env, "github-token") or env.get("GITHUB_TOKEN", "")
    if token:
        console.mask(token)  # before anything else is printed
    try:
        settings = load_settings(env)
        pr = pull_request(settings.runner.event_name, read_event(settings.runner.event_path))
        if settings.merge_reports:  # the matrix's final job: the legs' reports instead of a build
            run_pipeline = merged_pipeline(settings, settings.merge_reports)
        return _run(settings, pr, console, session=session, run_pipeline=run_pipeline, throttle=throttle)
    except CiOptimizerError as exc:
        console.error(exc.one_line(), title="ci-optimizer")
        _write_outputs_safely(console, env.get("GITHUB_OUTPUT"),
                              ActionOutputs(passed=False, report="", comment_url=""))
        return exc.exit_code


def _run(settings: ActionSettings, pr: PullRequest | None, console: Console, *, session: Session,
         run_pipeline: RunPipeline, throttle: bool) -> int:
    trust_workspace(settings.runner.workspace, console)
    report_file = Path(settings.runner.workspace) / REPORT_PATH
    report_file.unlink(missing_ok=True)  # a stale report from an earlier run must never be published
    publisher = _Publisher(settings=settings, pr=pr, console=console, throttle=throttle)
    try:
        with console.group("ci-optimizer: build, test and measure every target"):
            report = run_pipeline(request_from_settings(settings, pr), session, console.line)
    except Exception as exc:  # the boundary: whatever stopped the run still replaces the old verdict
        if session.debug:
            console.line(traceback.format_exc())
        message, code = describe_error(exc)
        console.error(message, title="ci-optimizer")
        published = publisher.error(f"ci-optimizer: error: {message}")
        _finish(console, settings, passed=False, report="", comment_url=published.comment_url)
        return code
    console.line(render_terminal(report).rstrip("\n"))
    report = _with_github_block(report, settings, pr)
    write_text(report_file, report_json.dumps(report), what="report", error=CiOptimizerError)
    _log_targets(report, console)
    for note in annotations_for(report, budgets_enforced=settings.fail_on_budget,
                                workspace=settings.runner.workspace):
        emit = console.error if note.level == "error" else console.warning
        emit(note.message, file=note.file, line=note.line, title=note.title)
    published = publisher.report(report)
    result = exit_code(report, fail_on_budget=settings.fail_on_budget)
    if published.code == EXIT_ERROR:
        result = EXIT_ERROR
    _finish(console, settings, passed=result == EXIT_OK, report=REPORT_PATH, comment_url=published.comment_url)
    return result


def exit_code(report: Report, *, fail_on_budget: bool) -> int:
    """Builds, tests and checklist errors always fail; budgets fail only when `fail-on-budget`."""
    if report.failed_targets or report.tests_failed or report.failed_checks:
        return EXIT_FAILED
    if report.failed_budgets and fail_on_budget:
        return EXIT_FAILED
    return EXIT_OK


def request_from_settings(settings: ActionSettings, pr: PullRequest | None) -> Request:
    """The pipeline request for these inputs. Pure.

    Only what the user set overrides the config: an explicit `file` picks one of its Dockerfiles.
    With both `baseline` and a base ref, the saved report is read and the base is built only when
    the file is missing or unreadable (an expired artifact, the first PR after adopting). A push
    has no base: nothing to compare.
    """
    file = Path(settings.file) if settings.file else None
    context = Path(settings.context) if settings.context else None
    build_args = parse_build_args(settings.build_args)
    targets = tuple(settings.targets)
    flags = Flags(file=file, context=context, targets=targets, tester=settings.tester or None,
                  production=settings.production or None, build_args=build_args)
    root = context if context is not None else Path()
    template = RunOptions(
        dockerfile=file if file is not None else root / "Dockerfile", context=root, targets=targets,
        tester=settings.tester or None, production=settings.production or None, build_args=build_args,
        tag_prefix=settings.tag_prefix,
    )
    return Request(
        config=Path(settings.config) if settings.config else None, flags=flags, template=template,
        base_ref=settings.base_ref or (pr.base_sha if pr is not None and pr.base_sha else None),
        baseline=Path(settings.baseline) if settings.baseline else None, shard=settings.shard,
    )


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
        if settings.shard is not None:
            console.line(f"ci-optimizer: shard {settings.shard}: no comment; the merge-reports job posts the one")
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
