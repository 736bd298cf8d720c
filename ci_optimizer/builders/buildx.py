"""Build every target in one BuildKit graph with `docker buildx bake`.

One bake run solves all targets together, so stages they share are built once and independent
stages run in parallel. BuildKit cancels the whole run when one target fails, so the targets
that were cancelled (not failed) are baked again in a further round; the cache makes that cheap.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ci_optimizer.adapters import proc
from ci_optimizer.builders.progress import BuildProgress, Vertex, normalize_reference
from ci_optimizer.errors import CommandError, EngineError
from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan, BuildTarget, FailedStep
from ci_optimizer.plan.cache_specs import exports_for, imports_for

LOG_TAIL = 50
Log = Callable[[str], None]


def bake_definition(plan: BuildPlan, targets: tuple[BuildTarget, ...]) -> dict[str, Any]:
    """The bake file (JSON form) for `targets`. Pure."""
    definition: dict[str, Any] = {"group": {"default": {"targets": [t.bake_id for t in targets]}}, "target": {}}
    # One exporter per cache place (plan/cache_specs.py): production, else the last target of the plan.
    exporter = next((t.name for t in plan.targets if t.role == "production"), plan.targets[-1].name)
    for target in targets:
        entry: dict[str, Any] = {
            "context": str(plan.context),
            "dockerfile": str(plan.dockerfile),
            "tags": [target.tag],
            "args": dict(plan.build_args),
        }
        if target.stage is not None:
            entry["target"] = target.stage
        if plan.no_cache:
            entry["no-cache"] = True
        if plan.cache_from:
            entry["cache-from"] = list(imports_for(plan.cache_from, target=target.name))
        exports = exports_for(plan.cache_to, target=target.name, production=target.name == exporter)
        if exports:
            entry["cache-to"] = list(exports)
        if plan.platform:
            entry["platforms"] = [plan.platform]
        definition["target"][target.bake_id] = entry
    return definition


def bake_argv(definition_file: Path, builder: str | None = None) -> list[str]:
    pin = ["--builder", builder] if builder else []
    return ["docker", "buildx", *pin, "bake", "--file", str(definition_file), "--progress", "plain", "--load"]


# Where the docker CLI looks for plugins (docker/cli's defaultSystemPluginDirs and ~/.docker).
PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)


def buildx_available(env: Mapping[str, str]) -> bool:
    """Is `docker buildx` there? File checks first (free); the CLI is asked only when they find nothing,
    for set-ups that configure plugin directories of their own."""
    if shutil.which("docker", path=env.get("PATH")) is None:
        return False
    config = env.get("DOCKER_CONFIG") or str(Path(env.get("HOME") or Path.home()) / ".docker")
    for directory in (f"{config}/cli-plugins", *PLUGIN_DIRS):
        if os.access(Path(directory) / "docker-buildx", os.X_OK):
            return True
    return buildx_version(env) is not None


def buildx_version(env: Mapping[str, str] | None = None) -> str | None:
    """`docker buildx version`, or None when the CLI plugin is not installed."""
    try:
        return proc.run(["docker", "buildx", "version"], env=env, timeout=30).stdout.strip()
    except CommandError:
        return None


def driver_of(inspect_output: str) -> str | None:
    """The `Driver:` line of `docker buildx inspect`. Pure."""
    for line in inspect_output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Driver":
            return value.strip() or None
    return None


class BuildxBuilder:
    backend = "buildx"

    def __init__(self, *, env: Mapping[str, str] | None = None, builder: str | None = None,
                 engine_env: Mapping[str, str] | None = None, driver: str | None = None) -> None:
        self._env = env
        self._builder = builder  # pinned, so every bake round uses the builder the report names
        self._engine_env = engine_env if engine_env is not None else env  # where the images end up
        self.load_seconds = 0.0  # loading images from a non-docker builder into the engine, all rounds
        self._driver: str | None = driver

    def driver(self) -> str:
        """The builder's driver (docker, docker-container, kubernetes, remote); asked once if not given."""
        if self._driver is None:
            pin = ["--builder", self._builder] if self._builder else []
            try:
                found = driver_of(proc.run(["docker", "buildx", "inspect", *pin], env=self._env, timeout=60).stdout)
            except CommandError as exc:
                raise EngineError(f"cannot ask docker buildx which builder it uses: {exc.message}") from None
            self._driver = found or "docker"
        return self._driver

    def build(self, plan: BuildPlan, log: Log) -> tuple[BuildOutcome, ...]:
        outcomes: dict[str, BuildOutcome] = {}
        pending = plan.targets
        for _round in range(len(plan.targets)):
            if not pending:
                break
            if _round:
                log(f"ci-optimizer: building {', '.join(t.name for t in pending)} again (cancelled by a failure)")
            progress, returncode = self._bake(plan, pending, log)
            image_ids = self._image_ids(tuple(progress.exported()))
            resolved = resolve_round(pending, progress, image_ids, returncode=returncode, started=0.0)
            outcomes.update({o.name: o for o in resolved})
            still = tuple(t for t in pending if t.name not in outcomes)
            if len(still) == len(pending):
                message = _last_error(progress) or f"docker buildx bake exited with {returncode}"
                outcomes.update({t.name: BuildOutcome(name=t.name, ok=False, error=message) for t in still})
                still = ()
            pending = still
        return tuple(outcomes[t.name] for t in plan.targets)

    def _image_ids(self, references: tuple[str, ...]) -> dict[str, str]:
        """What each freshly tagged reference names now, asked of the engine in one call."""
        if not references:
            return {}
        try:
            result = proc.run(["docker", "image", "inspect", "--format", "{{.Id}}", *references],
                              env=self._engine_env, timeout=120)
        except CommandError as exc:
            raise EngineError(f"cannot inspect the images BuildKit just tagged: {exc.message}") from None
        return dict(zip(references, result.stdout.split(), strict=True))

    def _bake(self, plan: BuildPlan, targets: tuple[BuildTarget, ...], log: Log) -> tuple[BuildProgress, int]:
        progress = BuildProgress()
        with tempfile.TemporaryDirectory(prefix="ci-optimizer-bake-") as tmp:
            definition = Path(tmp) / "docker-bake.json"
            definition.write_text(json.dumps(bake_definition(plan, targets)), encoding="utf-8")
            started = time.monotonic()

            def on_line(line: str, now: float) -> None:
                progress.feed(line, now - started)
                log(line)

            try:
                returncode = proc.stream(bake_argv(definition, self._builder), on_line, env=self._env)
            except CommandError as exc:
                raise EngineError(f"cannot run docker buildx: {exc.message}") from None
        self.load_seconds += progress.load_seconds()
        return progress, returncode


def resolve_round(
    targets: tuple[BuildTarget, ...],
    progress: BuildProgress,
    image_ids: Mapping[str, str],
    *,
    returncode: int,
    started: float,
) -> list[BuildOutcome]:
    """Outcomes that one bake round settled: exported targets and targets a failed step belongs to.

    `image_ids` maps each reference tagged in this round to the image it names.

    Targets that were merely cancelled are left out, to be built again. Pure.
    """
    exported = progress.exported()
    failed = progress.failed()
    outcomes = []
    for target in targets:
        cached, total = _step_counts(target, progress)
        reference = normalize_reference(target.tag)
        finished = exported.get(reference)
        image_id = image_ids.get(reference)
        if finished is not None and image_id is not None:
            outcomes.append(
                BuildOutcome(
                    name=target.name, ok=True, image_id=image_id, seconds=round(finished - started, 3),
                    cached_steps=cached, total_steps=total,
                )
            )
            continue
        culprit = next((v for v in failed if _belongs(v, target)), None)
        if culprit is not None:
            outcomes.append(
                BuildOutcome(
                    name=target.name, ok=False, error=_describe(culprit), log_tail=_tail(culprit),
                    failed_step=FailedStep(stage=culprit.stage, step=culprit.step, name=culprit.name)
                    if culprit.step is not None else None,
                    seconds=round(culprit.finished - started, 3) if culprit.finished is not None else None,
                    cached_steps=cached, total_steps=total,
                )
            )
        elif returncode == 0:
            outcomes.append(BuildOutcome(name=target.name, ok=False, error="BuildKit reported no image for it"))
    return outcomes


def _belongs(vertex: Vertex, target: BuildTarget) -> bool:
    if vertex.stage is not None:
        return vertex.stage in target.stages
    return vertex.bake_target == target.bake_id


def _describe(vertex: Vertex) -> str:
    where = f"[{vertex.stage} {vertex.step}] " if vertex.is_step else ""
    return f"{where}{vertex.name}: {vertex.error}"


def _tail(vertex: Vertex) -> tuple[str, ...]:
    return tuple(vertex.logs[-LOG_TAIL:])


def _step_counts(target: BuildTarget, progress: BuildProgress) -> tuple[int, int]:
    """(cached, total) Dockerfile steps of the target's stages; a step shared by several bake
    targets shows up once per target, so steps are counted by (stage, step)."""
    steps: dict[tuple[str | None, str | None], bool] = {}
    for v in progress.steps():
        if v.stage in target.stages and not v.name.startswith("FROM "):
            key = (v.stage, v.step)
            steps[key] = steps.get(key, True) and v.cached
    return sum(steps.values()), len(steps)


def _last_error(progress: BuildProgress) -> str | None:
    return progress.errors[-1].removeprefix("ERROR: ") if progress.errors else None
