"""The gallery (issue 15): each example built, tested and run end to end on the real engine, and the
write-up's published mistakes as a checklist test — all through the `ci-optimizer run` CLI and its JSON report.

Cost (2 cores): 78 s with an empty build cache and the stand-in bases made (+~2 min to make them once), 34 s warm.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gallery_support import (
    BASES_SCRIPT,
    EXAMPLES,
    GALLERY,
    Example,
    Run,
    copy_example,
    docker,
    http_get_json,
    line_of,
    remove_images_with_prefix,
    run_ci_optimizer,
    stand_in_args,
    wait_healthy,
)

pytestmark = pytest.mark.integration

VERSION = "1.4.2"
REVISION = "0123456789abcdef0123456789abcdef01234567"
BY_NAME = {example.name: example for example in GALLERY}

# ci-optimizer reports /usr/lib/ssl/cert.pem (OpenSSL's CA bundle path, a symlink to
# /etc/ssl/certs/ca-certificates.crt that Debian's `openssl` package ships, in python:3.11-slim too)
# as a key file. Tolerated here, by its exact message, until the check excepts it.
KNOWN_FALSE_KEY_FILE = "/usr/lib/ssl/cert.pem"


@pytest.fixture(scope="module")
def gallery_prefix(docker_client: Any) -> Iterator[str]:
    made = subprocess.run(["bash", str(BASES_SCRIPT)], capture_output=True, text=True, check=False, timeout=900)
    if made.returncode != 0:
        pytest.fail(f"scripts/make-gallery-bases.sh failed:\n{made.stderr[-2000:]}")
    prefix = f"cio-gallery-{uuid.uuid4().hex[:8]}"
    yield prefix
    remove_images_with_prefix(prefix)


@pytest.fixture(scope="module")
def built(gallery_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every example's Dockerfile through `ci-optimizer run --smoke`, once for the module."""
    runs: dict[str, Run] = {}
    out = tmp_path_factory.mktemp("gallery-reports")
    for example in GALLERY:
        context = EXAMPLES / example.name
        runs[example.name] = run_ci_optimizer(
            dockerfile=context / "Dockerfile", context=context, tag_prefix=gallery_prefix,
            json_path=out / f"{example.name}.json",
            extra=[*stand_in_args(example), "--build-arg", f"VERSION={VERSION}", "--build-arg", f"REVISION={REVISION}",
                   "--smoke"],
        )
    return runs


def _unexpected_failures(run: Run) -> dict[str, list[str]]:
    failed = run.failed_checks()
    keys = failed.get("no-key-files", [])
    if keys and all(f": {KNOWN_FALSE_KEY_FILE};" in c["message"] for c in keys):  # that file alone
        del failed["no-key-files"]
    return {check_id: [c["message"] for c in found] for check_id, found in failed.items()
            if any(c["severity"] != "info" for c in found)}


@pytest.mark.parametrize("name", [e.name for e in GALLERY])
def test_example_builds_tests_and_passes_the_checklist(built: dict[str, Run], name: str) -> None:
    run = built[name]
    statuses = {t["role"]: t["status"] for t in run.report["targets"]}
    assert statuses == {"builder": "built", "tester": "built", "production": "built"}, run.stdout
    assert run.report["tester"]["passed"] is True
    assert run.report["reduction"]["percent"] > 60, run.report["reduction"]
    assert _unexpected_failures(run) == {}, run.stdout
    known = "no-key-files" in run.failed_checks()
    assert run.code == (1 if known else 0), run.stdout + run.stderr[-2000:]

    production = run.target("production")
    config = production["config"]
    assert config["user"] == "65532:65532"
    assert config["healthcheck"][0] == "CMD", "exec form: no shell needed to check health"
    labels = config["labels"]
    assert labels["org.opencontainers.image.version"] == VERSION
    assert labels["org.opencontainers.image.revision"] == REVISION
    assert labels["org.opencontainers.image.source"].endswith(f"/examples/{name}")
    assert [c["passed"] for c in run.checks("read-only-smoke")] == [True]
    assert [c["passed"] for c in run.checks("no-dev-dependencies")] == [True]
    assert [c["passed"] for c in run.checks("dockerignore")] == [True]
    # the tester's own dependencies never reach production
    assert production["size_bytes"] < run.target("builder")["size_bytes"]


@pytest.mark.parametrize("name", [e.name for e in GALLERY])
def test_production_answers_its_health_endpoint_read_only(built: dict[str, Run], name: str) -> None:
    example = BY_NAME[name]
    image = built[name].target("production")["tag"]
    container = f"cio-gallery-{name}-{uuid.uuid4().hex[:6]}"
    started = docker("run", "-d", "--name", container, "--read-only", "--cap-drop", "ALL",
                     "--security-opt", "no-new-privileges", "--health-interval", "1s", "--health-start-period", "1s",
                     "-p", "127.0.0.1::8080", image)
    assert started.returncode == 0, started.stderr
    try:
        port = docker("port", container, "8080/tcp").stdout.split(":")[-1].strip()
        status, body = http_get_json(f"http://127.0.0.1:{port}/healthz", deadline_seconds=30)
        assert (status, body) == (200, {"status": "ok"}), docker("logs", container).stderr
        status, body = http_get_json(f"http://127.0.0.1:{port}/greet?name=gallery", deadline_seconds=5)
        assert (status, body) == (200, {"message": "hello, gallery", "version": VERSION})
        # the image's own HEALTHCHECK (exec form) judges it healthy on a read-only root
        assert wait_healthy(container, deadline_seconds=30) == "healthy", docker("inspect", container).stdout[-2000:]
    finally:
        docker("rm", "-f", container)
    if example.shell_free:
        shell = docker("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true")
        assert shell.returncode != 0
        assert "/bin/sh" in shell.stderr
        assert "no such file" in shell.stderr.lower()


@pytest.mark.parametrize("name", [e.name for e in GALLERY])
def test_a_broken_test_fails_the_run_with_its_output(gallery_prefix: str, tmp_path: Path, name: str) -> None:
    example: Example = BY_NAME[name]
    context = copy_example(example, tmp_path / name)
    test_file = context / example.test_file
    source = test_file.read_text(encoding="utf-8")
    assert source.count(example.break_from) == 1
    test_file.write_text(source.replace(example.break_from, example.break_to), encoding="utf-8")

    run = run_ci_optimizer(dockerfile=context / "Dockerfile", context=context, tag_prefix=gallery_prefix,
                           json_path=tmp_path / "report.json", extra=stand_in_args(example))

    assert run.code == 1
    assert run.report["passed"] is False
    tester = run.report["tester"]
    assert tester["passed"] is False
    log = "\n".join(tester["log_tail"])
    assert example.broken_test in log, log
    assert "hello, Grace" in log or "hello, Ada" in log, log
    assert run.target("production")["status"] == "built", "a failing test must not hide production's figures"


# --- the write-up's Dockerfiles as published (examples/*/Dockerfile.writeup) ------------------------------------


@pytest.fixture(scope="module")
def writeups(gallery_prefix: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Each Dockerfile.writeup in a copy of its example without .dockerignore, as the write-up ships it."""
    runs: dict[str, Run] = {}
    for example in GALLERY:
        context = copy_example(example, tmp_path_factory.mktemp("writeup") / example.name, dockerignore=False)
        runs[example.name] = run_ci_optimizer(
            dockerfile=context / "Dockerfile.writeup", context=context, tag_prefix=gallery_prefix,
            json_path=context.parent / "report.json", extra=stand_in_args(example))
    return runs


def _writeup(name: str) -> Path:
    return EXAMPLES / name / "Dockerfile.writeup"


def _production_from_line(name: str) -> int:
    lines = _writeup(name).read_text(encoding="utf-8").splitlines()
    return max(n for n, line in enumerate(lines, start=1) if line.startswith("FROM "))


@pytest.mark.parametrize("name", [e.name for e in GALLERY])
def test_writeup_runs_as_root_without_healthcheck_or_labels(writeups: dict[str, Run], name: str) -> None:
    run = writeups[name]
    from_line = _production_from_line(name)
    for check_id in ("non-root-user", "healthcheck", "oci-labels"):
        [finding] = run.checks(check_id)
        assert (finding["passed"], finding["line"]) == (False, from_line), finding
    assert "runs as root" in run.checks("non-root-user")[0]["message"]


@pytest.mark.parametrize("name", [e.name for e in GALLERY])
def test_writeup_copies_the_whole_context_without_dockerignore(writeups: dict[str, Run], name: str) -> None:
    [finding] = writeups[name].checks("dockerignore")
    assert finding["passed"] is False
    assert finding["severity"] == "warning"
    assert finding["message"].startswith("no ")
    assert ".dockerignore" in finding["message"]
    # the finding points at the (first) `COPY . .` that sends everything, not at an earlier manifest copy
    lines = _writeup(name).read_text(encoding="utf-8").splitlines()
    assert finding["line"] == min(n for n, line in enumerate(lines, start=1) if line.strip() == "COPY . .")


def test_writeup_distroless_copy_from_a_path_the_builder_never_made_fails_the_build(writeups: dict[str, Run]) -> None:
    run = writeups["node-distroless"]
    assert run.code == 1
    production = run.target("production")
    assert production["status"] == "failed"
    assert run.target("builder")["status"] == "built", "the builder itself is fine: it just never made /app"
    # the error names the failing instruction, which is exactly one line of the file
    assert '"/app" not found' in production["error"]
    instruction = "COPY --from=builder /app /app"
    assert instruction in production["error"]
    assert line_of(_writeup("node-distroless"), instruction) == 13
    # the report places the failure on the failing instruction's line, not the stage's FROM
    assert production["stage_line"] == _production_from_line("node-distroless")
    assert production["error_line"] == 13
    # production did not build: the checks fall back to the Dockerfile and say so
    assert "production was not built" in run.checks("non-root-user")[0]["message"]


def test_writeup_npm_only_production_still_omits_dev_dependencies(writeups: dict[str, Run]) -> None:
    """`npm ci --only=production` is deprecated but still honoured by npm 9: no dev dependency is installed."""
    run = writeups["node-distroless"]
    [finding] = run.checks("no-dev-dependencies")
    assert finding["passed"] is True
    builder = run.target("builder")["tag"]
    listed = docker("run", "--rm", "--entrypoint", "ls", builder, "/node_modules")
    assert listed.returncode == 0, listed.stderr
    modules = set(listed.stdout.split())
    assert {"express", "helmet"} <= modules
    assert "supertest" not in modules


def test_writeup_deprecated_npm_flag_is_reported_on_its_line(writeups: dict[str, Run]) -> None:
    line = line_of(_writeup("node-distroless"), "npm ci --only=production")
    [finding] = writeups["node-distroless"].checks("deprecated-flags")
    assert (finding["passed"], finding["severity"], finding["line"]) == (False, "warning", line)
    assert finding["message"] == f"`--only=production` at line {line} is deprecated: use `--omit=dev`"


def test_writeup_python_user_install_works_only_as_root(writeups: dict[str, Run]) -> None:
    """`pip install --user` + `COPY --from=builder /root/.local`: builds, tests pass, and production must stay root."""
    run = writeups["python-slim"]
    assert run.report["tester"]["passed"] is True
    assert {t["role"]: t["status"] for t in run.report["targets"]}["production"] == "built"
    assert run.target("production")["config"]["user"] in ("", "0", "root")
    image = run.target("production")["tag"]
    as_root = docker("run", "--rm", image, "python", "-c", "import flask, waitress")
    assert as_root.returncode == 0, as_root.stderr
    # the fix the checklist asks for (USER 65532) breaks this layout: /root/.local is unreadable
    as_nonroot = docker("run", "--rm", "--user", "65532:65532", image, "python", "-c", "import flask")
    assert as_nonroot.returncode != 0
    assert "ModuleNotFoundError" in as_nonroot.stderr


def test_writeup_go_scratch_builds_but_ships_root_and_no_healthcheck(writeups: dict[str, Run]) -> None:
    run = writeups["go-scratch"]
    assert run.code == 0, "only warnings and infos: the write-up's Go file passes a default run"
    production = run.target("production")
    assert production["status"] == "built"
    assert production["config"]["healthcheck"] in (None, [])
    assert {c["id"] for c in run.report["checks"] if not c["passed"]} >= {"non-root-user", "healthcheck",
                                                                          "oci-labels", "dockerignore"}
