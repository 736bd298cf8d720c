"""The checklist on real images: built by the pipeline on the real engine, files read from `docker save`,
hadolint run on the real file, production started read-only without a network."""

from __future__ import annotations

import json
import os
import posixpath
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import pytest

from ci_optimizer.adapters.hadolint_run import NOT_INSTALLED, run_hadolint
from ci_optimizer.adapters.smoke_run import run_smoke
from ci_optimizer.judge.checks import CheckInputs, LayerFiles, run_checks
from ci_optimizer.judge.checks.inputs import SmokeOutcome, stage_chain
from ci_optimizer.model.results import CheckResult, TargetResult
from ci_optimizer.pipeline.check_inputs import gather_inputs
from ci_optimizer.pipeline.head import build_and_measure
from ci_optimizer.plan.prepare import Planned, RunOptions
from ci_optimizer.report.sarif import sarif_log
from ci_optimizer.sizes import format_size
from ci_optimizer.wiring import engine_adapters
from tests.integration.conftest import write_project

pytestmark = pytest.mark.integration

# hadolint's DL3003 (cd in RUN) on line 3. Runs as root, no HEALTHCHECK, a key file added then deleted, an apk
# cache left behind, a CMD that writes to the (read-only) root filesystem.
ROOT_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS builder
RUN cd /tmp && mkdir -p /out && echo built > /out/app
FROM ${BASE_IMAGE} AS production
COPY --from=builder /out/app /app/app
COPY id_rsa /root/.ssh/id_rsa
RUN rm /root/.ssh/id_rsa && mkdir -p /var/cache/apk && echo index > /var/cache/apk/APKINDEX.tar.gz
CMD ["sh", "-c", "echo starting && echo 1 > /app/state && /bin/busybox sleep 30"]
"""
# Non-root, a HEALTHCHECK whose program exists, OCI labels, a CMD that only reads.
GOOD_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS builder
RUN mkdir -p /out && echo built > /out/app
FROM ${BASE_IMAGE} AS production
ARG VERSION=1.0.0
LABEL org.opencontainers.image.source=https://example.com/app org.opencontainers.image.revision=abc123 \\
      org.opencontainers.image.version=$VERSION
COPY --from=builder /out/app /app/app
USER 65534:65534
HEALTHCHECK --interval=5s CMD ["/bin/busybox", "true"]
CMD ["/bin/busybox", "sleep", "30"]
"""
SMOKE_SECONDS = 3.0


@dataclass(frozen=True)
class Built:
    project: Path
    planned: Planned
    production: TargetResult
    inputs: CheckInputs
    results: tuple[CheckResult, ...]


def _build(root: Path, dockerfile: str, files: dict[str, str], *, tag_prefix: str, busybox: str,
           client: Any) -> Built:
    project = write_project(root, dockerfile, files)
    options = RunOptions(dockerfile=project / "Dockerfile", context=project, build_args={"BASE_IMAGE": busybox},
                         tag_prefix=tag_prefix)
    engine = engine_adapters(dict(os.environ))
    builder, images = engine.builder, engine.images
    report, planned = build_and_measure(options, builder=builder, images=images, log=lambda _line: None)
    production = report.target(planned.model.stages[planned.roles.production].target_name)
    assert production is not None
    assert production.status == "built", production.log_tail
    assert production.tag is not None
    final, layers = saved_files(client, production.tag)
    base_layers = len(client.images.get(busybox).attrs["RootFS"]["Layers"])
    chain = stage_chain(planned.model, planned.model.stages[planned.roles.production])
    own_lines = [i.line for s in chain for i in s.instructions if i.keyword in ("RUN", "COPY", "ADD")]
    assert len(layers) == base_layers + len(own_lines)  # every RUN/COPY of these files writes a layer
    layer_files = [
        LayerFiles(paths=paths, from_base=n < base_layers, line=None if n < base_layers else own_lines[n - base_layers])
        for n, paths in enumerate(layers)
    ]
    inputs = gather_inputs(
        model=planned.model, roles=planned.roles, production=production, dockerfile=options.dockerfile,
        context=options.context, build_args=options.build_args, client=client, path_env=os.environ.get("PATH"),
        smoke=True, smoke_seconds=SMOKE_SECONDS, final_files=final, layer_files=layer_files,
    )
    return Built(project=project, planned=planned, production=production, inputs=inputs, results=run_checks(inputs))


def saved_files(client: Any, image: str) -> tuple[dict[str, int], list[frozenset[str]]]:
    """(final files -> size, paths each layer writes), from the `docker save` stream, whiteouts applied."""
    layer_paths: dict[str, list[tuple[str, int]]] = {}
    manifest: list[dict[str, Any]] = []
    with tarfile.open(fileobj=cast(IO[bytes], _ChunkReader(client.api.get_image(image))), mode="r|") as archive:
        for member in archive:
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is None:
                continue
            if member.name.endswith("layer.tar"):
                layer_paths[member.name] = _layer_entries(stream)
            elif member.name == "manifest.json":
                manifest = json.load(stream)
    final: dict[str, int] = {}
    layers: list[frozenset[str]] = []
    for name in manifest[0]["Layers"]:
        written = set()
        for path, size in layer_paths[name]:
            folder, base = posixpath.split(path)
            if base.startswith(".wh."):
                gone = posixpath.join(folder, base[4:])
                final = {p: s for p, s in final.items() if p != gone and not p.startswith(gone + "/")}
                continue
            final[path] = size
            written.add(path)
        layers.append(frozenset(written))
    return final, layers


def _layer_entries(stream: IO[bytes]) -> list[tuple[str, int]]:
    with tarfile.open(fileobj=stream, mode="r|") as layer:
        return [("/" + m.name.removeprefix("./").strip("/"), m.size) for m in layer if not m.isdir()]


class _ChunkReader:
    """A file-like view of the SDK's chunk iterator, for tarfile's stream mode."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = (self._buffer, b"") if size < 0 else (self._buffer[:size], self._buffer[size:])
        return data


@pytest.fixture(scope="module")
def root_image(tmp_path_factory: pytest.TempPathFactory, tag_prefix: str, busybox: str, docker_client: Any) -> Built:
    return _build(tmp_path_factory.mktemp("root") / "svc", ROOT_DOCKERFILE, {"id_rsa": "not a real key\n"},
                  tag_prefix=tag_prefix, busybox=busybox, client=docker_client)


@pytest.fixture(scope="module")
def good_image(tmp_path_factory: pytest.TempPathFactory, tag_prefix: str, busybox: str, docker_client: Any) -> Built:
    return _build(tmp_path_factory.mktemp("good") / "svc", GOOD_DOCKERFILE, {".dockerignore": ".git\n**/.venv\n"},
                  tag_prefix=tag_prefix, busybox=busybox, client=docker_client)


def by_id(built: Built) -> dict[str, list[CheckResult]]:
    found: dict[str, list[CheckResult]] = {}
    for result in built.results:
        found.setdefault(result.id, []).append(result)
    return found


def test_root_image_fails_the_runtime_checks_on_the_measured_config(root_image: Built) -> None:
    checks = by_id(root_image)
    dockerfile = str(root_image.project / "Dockerfile")
    assert checks["non-root-user"] == [CheckResult(
        id="non-root-user", target="production", severity="warning", passed=False, file=dockerfile, line=4,
        message="runs as root (user '', image config; no USER instruction); add `USER <uid>` (for example "
                "`USER 65532`) after the steps that need root")]
    assert [(r.passed, r.line, r.message) for r in checks["healthcheck"]] == [(False, 4, (
        "no HEALTHCHECK (none in the image config): the engine cannot tell a hung container from a working one; add "
        "e.g. `HEALTHCHECK CMD [\"/app/healthcheck\"]`"))]
    assert [(r.passed, r.line) for r in checks["oci-labels"]] == [(False, 4)]


def test_root_image_file_evidence(root_image: Built) -> None:
    checks = by_id(root_image)
    assert [(r.passed, r.severity, r.line, r.message) for r in checks["no-key-files"]] == [(False, "error", 6, (
        "key or credentials files in the image's layers (line 6): /root/.ssh/id_rsa (deleted later, still in the "
        "layer); keep them out of the build context (.dockerignore) and pass secrets with `RUN --mount=type=secret`"))]
    assert [(r.passed, r.line, r.message) for r in checks["no-package-caches"]] == [(False, 7, (
        "apk cache: 6 B in 1 file (written at line 7); `apk add --no-cache`"))]
    # The CMD is shell form: the shell is needed, so it is not a finding.
    assert [(r.passed, r.message) for r in checks["no-shell"]] == [
        (True, "sh present and needed by CMD, ENTRYPOINT or HEALTHCHECK")]
    assert [(r.passed, r.message) for r in checks["minimal-base"]] == [
        (True, f"local/busybox:1 is a minimal musl/busybox base ({_size(root_image)} measured)")]
    assert [(r.passed, r.line) for r in checks["dockerignore"]] == [(False, 6)]


def test_read_only_smoke_catches_a_write_to_the_root_filesystem(root_image: Built) -> None:
    smoke = root_image.inputs.smoke
    assert smoke is not None
    assert (smoke.running, smoke.error) == (False, None)
    assert smoke.exit_code not in (None, 0)
    # stdout and stderr interleave by arrival time, so only the set of lines is certain.
    assert sorted(smoke.log_tail) == ["sh: can't create /app/state: Read-only file system", "starting"]
    [result] = by_id(root_image)["read-only-smoke"]
    assert (result.passed, result.severity, result.line) == (False, "warning", 8)
    assert result.message.startswith(f"exited {smoke.exit_code} after ")
    assert f"under `docker run --read-only --network none --tmpfs /tmp`; last output: {smoke.log_tail[-1]}; " in (
        result.message)


def test_good_image_passes_what_it_fixed(good_image: Built) -> None:
    checks = by_id(good_image)
    passing = ("multi-stage", "non-root-user", "minimal-base", "no-build-tools",
               "no-package-caches", "healthcheck", "oci-labels", "dockerignore", "no-dev-dependencies", "no-secrets",
               "no-key-files", "read-only-smoke")
    assert {check_id: [r.passed for r in checks[check_id]] for check_id in passing} == {
        check_id: [True] for check_id in passing}
    assert checks["non-root-user"][0].message == "runs as user '65534:65534' (image config)"
    assert checks["healthcheck"][0].message == "HEALTHCHECK defined"
    assert checks["read-only-smoke"][0].message == (
        f"stayed up for {SMOKE_SECONDS:.0f} s under `docker run --read-only --network none --tmpfs /tmp`")
    # busybox's /bin/sh comes with the base and nothing runs it: an info-level finding on the FROM line.
    assert [(r.passed, r.severity, r.line, r.message) for r in checks["no-shell"]] == [(False, "info", 4, (
        "shell in production: sh (from the base image local/busybox:1); nothing in CMD, ENTRYPOINT or HEALTHCHECK "
        "needs it; exec-form commands on a distroless or scratch base run without one"))]
    # The base's busybox links its dpkg and rpm applets (when provisioning made them): found and blamed on the base.
    files = good_image.inputs.final_files or {}
    applets = [name for name in ("dpkg", "rpm") if f"/bin/{name}" in files]
    expected = [(False, "info", 4, f"package manager in production: {', '.join(applets)} (from the base image "
                                   "local/busybox:1); install in the builder stage and copy the result, or use a "
                                   "distroless base")] if applets else [(True, "info", None,
                                                                         "no package manager in the final image")]
    assert [(r.passed, r.severity, r.line, r.message) for r in checks["no-package-manager"]] == expected
    assert [r for r in good_image.results if not r.passed and r.severity == "error"] == []


def test_hadolint_runs_on_the_real_file(root_image: Built) -> None:
    run = root_image.inputs.hadolint
    assert run is not None
    assert run.error is None, run.error
    assert run.version is not None
    codes = sorted((f.code, f.line) for f in run.findings)
    assert ("DL3003", 3) in codes  # `RUN cd /tmp && ...`: use WORKDIR
    folded = [r for r in root_image.results if r.id.startswith("hadolint/")]
    assert sorted((r.id.removeprefix("hadolint/"), r.line) for r in folded) == codes
    dl3003 = next(r for r in folded if r.id == "hadolint/DL3003")
    assert (dl3003.target, dl3003.severity, dl3003.passed) == ("builder", "warning", False)


def test_hadolint_missing_is_a_note(root_image: Built) -> None:
    assert run_hadolint(root_image.project / "Dockerfile", binary=None).error == NOT_INSTALLED


def test_sarif_of_real_findings_points_at_dockerfile_lines(root_image: Built) -> None:
    log = sarif_log(root_image.results, root=root_image.project)
    results = log["runs"][0]["results"]
    non_root = next(r for r in results if r["ruleId"] == "non-root-user")
    assert non_root["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 4}}


def test_smoke_on_a_missing_image_is_reported_not_raised(docker_client: Any) -> None:
    outcome = run_smoke(docker_client, "cio-test-missing/none:absent", seconds=1)
    assert isinstance(outcome, SmokeOutcome)
    assert (outcome.running, outcome.exit_code) == (False, None)
    assert outcome.error is not None
    assert "cio-test-missing/none" in outcome.error


def _size(built: Built) -> str:
    return format_size(built.production.base_image_bytes)
