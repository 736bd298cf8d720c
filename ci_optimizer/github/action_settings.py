"""The action's inputs and the runner's environment, read once into frozen settings. Pure.

The runner hands a Docker action its inputs as `INPUT_<NAME>` with the name upper-cased and
hyphens kept (`INPUT_GITHUB-TOKEN`); shells cannot read those, Python can. Everything else the
action needs comes from the `GITHUB_*` variables. Nothing here reads `os.environ`: the mapping
is injected (see `wiring.environment`), so tests pass a plain dict.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ci_optimizer.dockerfile.platforms import parse_platform
from ci_optimizer.errors import UsageError
from ci_optimizer.plan.cache_specs import CacheSpec, parse_specs
from ci_optimizer.plan.cache_specs import split_input as split_cache_input
from ci_optimizer.plan.shards import ShardSpec, parse_shard

CommentMode = Literal["always", "on-change", "never"]
COMMENT_MODES: tuple[CommentMode, ...] = ("always", "on-change", "never")

# Every input of action.yml, with the default it declares there (tests/unit/test_action_yml.py
# holds the two together). `github-token` defaults to `${{ github.token }}` in action.yml.
INPUT_DEFAULTS: Mapping[str, str] = {
    "file": "",  # empty: CONTEXT/Dockerfile, or the Dockerfiles the config lists
    "context": "",  # empty: the repository root, or the config's contexts
    "config": "",
    "targets": "",
    "tester": "",
    "production": "",
    "builder-stage": "",
    "platform": "",  # empty: the runner's own (dockerfile/platforms.py)
    "build-args": "",
    "base-ref": "",
    "baseline": "",
    "baseline-image": "",
    "cache-from": "",
    "cache-to": "",
    "github-token": "",
    "comment": "always",
    "comment-key": "",
    "fail-on-budget": "true",
    "review": "true",
    "shard": "",  # K/N: this matrix leg's share of the Dockerfiles; the leg posts no comment
    "builder": "",  # a buildx builder's name, as docker/build-push-action calls it
    "merge-reports": "",  # a glob of the legs' reports: merge them, build nothing, post the one comment
}

_TRUE = ("true", "True", "TRUE")  # YAML 1.2 core schema booleans, as @actions/core getBooleanInput reads them
_FALSE = ("false", "False", "FALSE")
_BUILD_ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._/:+@=-]+")


class Secret:
    """A value that never shows itself in repr, str, f-strings or logging."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, kw_only=True)
class RunnerEnv:
    """What the runner tells every step about the run (`GITHUB_*`)."""

    repository: str  # owner/name of the repository the workflow runs in
    api_url: str  # GITHUB_API_URL: api.github.com, or the GitHub Enterprise Server's /api/v3
    server_url: str
    workspace: str
    event_name: str
    event_path: str | None
    output_path: str | None  # GITHUB_OUTPUT
    summary_path: str | None  # GITHUB_STEP_SUMMARY
    run_id: str | None
    sha: str | None  # GITHUB_SHA: on pull_request the merge commit, not the PR head

    @property
    def run_url(self) -> str | None:
        if not (self.run_id and self.repository):
            return None
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"


@dataclass(frozen=True, kw_only=True)
class ActionSettings:
    file: str | None
    context: str | None
    config: str | None
    targets: tuple[str, ...]
    tester: str | None
    production: str | None
    build_args: tuple[str, ...]  # KEY=VALUE, in the order given
    builder_stage: str | None = None
    platform: str | None = None
    base_ref: str | None  # None: the pull request's base commit, from the event
    baseline: str | None
    baseline_image: str | None  # the base's image in a registry, `{target}` filled per target
    cache_from: tuple[CacheSpec, ...]
    cache_to: tuple[CacheSpec, ...]
    github_token: Secret
    comment: CommentMode
    comment_key: str
    comment_key_given: bool  # the user named this leg, so the comment's title says which it is
    fail_on_budget: bool
    runner: RunnerEnv
    review: bool = True  # the causes as one PR review on the Dockerfile lines the PR changes
    shard: ShardSpec | None = None
    builder: str | None = None
    merge_reports: str | None = None
    # Not an input: runners sharing one Docker engine set CI_OPTIMIZER_TAG_PREFIX to keep their
    # images apart (tests use it too, to remove exactly the images they made).
    tag_prefix: str = "ci-optimizer"


def read_input(env: Mapping[str, str], name: str) -> str:
    """An input as the runner passes it; the underscore spelling is accepted for hand-made runs."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        if key in env:
            return env[key].strip()
    return INPUT_DEFAULTS[name]


def runner_env(env: Mapping[str, str]) -> RunnerEnv:
    return RunnerEnv(
        repository=env.get("GITHUB_REPOSITORY", ""),
        api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
        workspace=env.get("GITHUB_WORKSPACE") or ".",
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        event_path=env.get("GITHUB_EVENT_PATH") or None,
        output_path=env.get("GITHUB_OUTPUT") or None,
        summary_path=env.get("GITHUB_STEP_SUMMARY") or None,
        run_id=env.get("GITHUB_RUN_ID") or None,
        sha=env.get("GITHUB_SHA") or None,
    )


def load_settings(env: Mapping[str, str]) -> ActionSettings:
    """Parse and validate every input once; a bad one is a one-line UsageError naming it."""
    values = {name: read_input(env, name) for name in INPUT_DEFAULTS}
    file = values["file"] or None
    context = values["context"] or None
    config = values["config"] or None
    key = values["comment-key"]
    if values["shard"] and values["merge-reports"]:
        raise UsageError("inputs shard and merge-reports: a step is either a matrix leg or the merge, not both")
    return ActionSettings(
        file=file,
        context=context,
        config=config,
        targets=split_list(values["targets"]),
        tester=values["tester"] or None,
        production=values["production"] or None,
        build_args=parse_build_args(values["build-args"]),
        builder_stage=values["builder-stage"] or None,
        platform=str(parse_platform(values["platform"], option="platform")) if values["platform"] else None,
        base_ref=values["base-ref"] or None,
        baseline=values["baseline"] or None,
        baseline_image=values["baseline-image"] or None,
        cache_from=parse_specs(split_cache_input(values["cache-from"]), flag="input cache-from"),
        cache_to=parse_specs(split_cache_input(values["cache-to"]), flag="input cache-to"),
        github_token=Secret(values["github-token"] or env.get("GITHUB_TOKEN", "")),
        comment=parse_comment_mode(values["comment"]),
        comment_key=sanitize_key(key) if key else default_comment_key(file, context, config),
        comment_key_given=bool(key),
        fail_on_budget=parse_bool("fail-on-budget", values["fail-on-budget"]),
        runner=runner_env(env),
        review=parse_bool("review", values["review"]),
        shard=parse_shard(values["shard"], what="input shard") if values["shard"] else None,
        builder=values["builder"] or None,
        merge_reports=values["merge-reports"] or None,
        tag_prefix=env.get("CI_OPTIMIZER_TAG_PREFIX") or "ci-optimizer",
    )


def split_list(text: str) -> tuple[str, ...]:
    """`a,b` or one per line, as docker/build-push-action reads its list inputs."""
    return tuple(item.strip() for line in text.splitlines() for item in line.split(",") if item.strip())


def parse_build_args(text: str) -> tuple[str, ...]:
    """One KEY=VALUE per line (values may hold commas and `=`); blank lines and `#` comments skipped."""
    args = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not _BUILD_ARG.match(line):
            # The line is not echoed: a value pasted without its key may be a secret.
            raise UsageError(f"input build-args, line {number}: expected KEY=VALUE")
        args.append(line)
    return tuple(args)


def parse_bool(name: str, text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"input {name}: expected true or false, got {text!r}")


def parse_comment_mode(text: str) -> CommentMode:
    if text not in COMMENT_MODES:
        raise UsageError(f"input comment: expected one of {', '.join(COMMENT_MODES)}, got {text!r}")
    return text


def default_comment_key(file: str | None, context: str | None, config: str | None) -> str:
    """Matrix legs on different Dockerfiles get their own comment without naming them."""
    if file:
        path = file
    elif config:
        path = config
    else:
        path = posixpath.join(context or ".", "Dockerfile")
    return sanitize_key(posixpath.normpath(path))


def sanitize_key(key: str) -> str:
    """The key sits inside an HTML comment: nothing that could close it (`-->`) or span lines."""
    cleaned = _KEY_UNSAFE.sub("_", key.strip()).replace("--", "-_")
    return cleaned[:100] or "default"
