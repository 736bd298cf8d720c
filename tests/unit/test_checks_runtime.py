from __future__ import annotations

import pytest

from ci_optimizer.judge.checks.runtime import check_healthcheck, check_non_root, check_oci_labels, is_root
from ci_optimizer.model.image_model import ImageConfig
from tests.unit.checks_support import failed, make_inputs, passed

ROOT_ADVICE = "add `USER <uid>` (for example `USER 65532`) after the steps that need root"
OCI_ADVICE = ("set them from build args (`ARG VERSION` + `LABEL org.opencontainers.image.version=$VERSION`) so a "
              "registry links the image to its source and commit")


@pytest.mark.parametrize(("user", "root"), [
    ("", True), ("0", True), ("root", True), ("0:0", True), ("root:1000", True), (" 0 ", True),
    ("1000", False), ("app", False), ("1000:0", False), ("65532:65532", False), ("nonroot", False),
])
def test_is_root(user: str, root: bool) -> None:
    assert is_root(user) is root


def test_image_config_decides_over_the_dockerfile() -> None:
    # No USER line, but the base (e.g. distroless:nonroot) sets one: the config is the truth.
    inputs = make_inputs("FROM gcr.io/distroless/static-debian12:nonroot\n", config=ImageConfig(user="65532"))
    assert passed(check_non_root(inputs)) == ["runs as user '65532' (image config)"]


def test_root_in_the_config_points_at_the_last_user_line() -> None:
    text = "FROM a\nUSER app\nRUN make\nUSER 0\nCMD [\"x\"]\n"
    assert failed(check_non_root(make_inputs(text, config=ImageConfig(user="0")))) == [
        (4, f"runs as root (user '0', image config; the last USER is line 4); {ROOT_ADVICE}")]


def test_no_user_points_at_the_production_from_line() -> None:
    text = "FROM a AS builder\nFROM b AS production\nCOPY --from=builder /x /x\n"
    assert failed(check_non_root(make_inputs(text, config=ImageConfig(user="")))) == [
        (2, f"runs as root (user '', image config; no USER instruction); {ROOT_ADVICE}")]


def test_unbuilt_production_falls_back_to_the_user_line() -> None:
    assert passed(check_non_root(make_inputs("FROM a\nUSER 1000:1000\n"))) == [
        "runs as user '1000:1000' (Dockerfile; production was not built)"]
    assert failed(check_non_root(make_inputs("FROM a\nUSER root\n"))) == [
        (2, "runs as root (user 'root', Dockerfile; production was not built; the last USER is line 2); "
            f"{ROOT_ADVICE}")]


def test_user_set_in_a_parent_stage_counts() -> None:
    text = "FROM a AS base\nUSER 10001\nFROM base AS production\nCOPY x /x\n"
    assert passed(check_non_root(make_inputs(text))) == ["runs as user '10001' (Dockerfile; production was not built)"]


def test_missing_healthcheck() -> None:
    findings = check_healthcheck(make_inputs("FROM a AS builder\nFROM b AS app\n", config=ImageConfig()))
    assert failed(findings) == [(2, (
        "no HEALTHCHECK (none in the image config): the engine cannot tell a hung container from a working one; add "
        "e.g. `HEALTHCHECK CMD [\"/app/healthcheck\"]`"))]


def test_healthcheck_none_disables_an_inherited_one() -> None:
    inputs = make_inputs("FROM a\nHEALTHCHECK NONE\n", config=ImageConfig(healthcheck=("NONE",)))
    assert failed(check_healthcheck(inputs)) == [(2, (
        "no HEALTHCHECK (disabled by HEALTHCHECK NONE in the image config): the engine cannot tell a hung container "
        "from a working one; add e.g. `HEALTHCHECK CMD [\"/app/healthcheck\"]`"))]
    assert failed(check_healthcheck(make_inputs("FROM a\nHEALTHCHECK NONE\n"))) == [(2, (
        "no HEALTHCHECK (disabled by HEALTHCHECK NONE in the Dockerfile; production was not built): the engine cannot "
        "tell a hung container from a working one; add e.g. `HEALTHCHECK CMD [\"/app/healthcheck\"]`"))]


def test_healthcheck_defined_or_inherited() -> None:
    text = "FROM a\nHEALTHCHECK --interval=5s CMD [\"/app/health\"]\n"
    assert passed(check_healthcheck(make_inputs(text))) == ["HEALTHCHECK defined"]
    config = ImageConfig(healthcheck=("CMD-SHELL", "pg_isready"))
    assert passed(check_healthcheck(make_inputs("FROM postgres:16\n", config=config))) == [
        "HEALTHCHECK defined (inherited from the base image)"]


def test_healthcheck_program_missing_from_the_image() -> None:
    text = "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n"
    config = ImageConfig(healthcheck=("CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"))
    files = {"usr/bin/sh": 0, "usr/local/bin/python3": 10}
    assert failed(check_healthcheck(make_inputs(text, config=config, files=files))) == [(2, (
        "HEALTHCHECK runs `curl`, which is not in the image: the container will always be unhealthy; use a program "
        "the image has, or a small health binary"))]
    with_curl = {**files, "./usr/bin/curl": 5}
    assert passed(check_healthcheck(make_inputs(text, config=config, files=with_curl))) == ["HEALTHCHECK defined"]


def test_shell_form_healthcheck_needs_a_shell() -> None:
    config = ImageConfig(healthcheck=("CMD-SHELL", "/app/health"))
    inputs = make_inputs("FROM scratch\nHEALTHCHECK CMD /app/health\n", config=config, files={"/app/health": 10})
    assert failed(check_healthcheck(inputs)) == [(2, (
        "HEALTHCHECK runs /bin/sh (a shell-form HEALTHCHECK), which is not in the image: the container will always "
        "be unhealthy; use a program the image has, or a small health binary"))]
    exec_form = ImageConfig(healthcheck=("CMD", "/app/health"))
    inputs = make_inputs("FROM scratch\nHEALTHCHECK CMD [\"/app/health\"]\n", config=exec_form,
                         files={"/app/health": 10})
    assert passed(check_healthcheck(inputs)) == ["HEALTHCHECK defined"]


def test_oci_labels_from_the_config() -> None:
    labels = (("org.opencontainers.image.source", "https://github.com/o/r"),
              ("org.opencontainers.image.revision", ""))
    inputs = make_inputs("FROM a\nLABEL org.opencontainers.image.source=https://github.com/o/r\n",
                         config=ImageConfig(labels=labels))
    assert failed(check_oci_labels(inputs)) == [
        (2, f"OCI labels (image config): missing version; empty revision (build arg not passed?); {OCI_ADVICE}")]


def test_oci_labels_all_set() -> None:
    labels = tuple((f"org.opencontainers.image.{k}", "x") for k in ("source", "revision", "version"))
    assert passed(check_oci_labels(make_inputs("FROM a\n", config=ImageConfig(labels=labels)))) == [
        "OCI labels source, revision and version set (image config)"]


def test_oci_labels_from_the_dockerfile() -> None:
    text = ("FROM a AS base\nARG VERSION\nLABEL org.opencontainers.image.version=$VERSION "
            "\"org.opencontainers.image.source\"=\"https://x\"\nFROM base\n")
    assert failed(check_oci_labels(make_inputs(text))) == [
        (3, f"OCI labels (Dockerfile): missing revision; {OCI_ADVICE}")]
    assert failed(check_oci_labels(make_inputs("FROM a\n"))) == [
        (1, f"OCI labels (Dockerfile): missing source, revision, version; {OCI_ADVICE}")]


def test_merged_usr_images_keep_bin_under_usr() -> None:
    config = ImageConfig(healthcheck=("CMD", "/bin/busybox", "true"))
    files = {"/usr/bin/busybox": 2_000_000, "/usr/bin/sh": 0}  # /bin is a symlink to usr/bin
    inputs = make_inputs("FROM debian\nHEALTHCHECK CMD [\"/bin/busybox\", \"true\"]\n", config=config, files=files)
    assert passed(check_healthcheck(inputs)) == ["HEALTHCHECK defined"]
    missing = make_inputs("FROM debian\n", config=ImageConfig(healthcheck=("CMD", "/bin/wget")), files=files)
    assert [message for _, message in failed(check_healthcheck(missing))] == [
        "HEALTHCHECK runs `/bin/wget`, which is not in the image: the container will always be unhealthy; use a "
        "program the image has, or a small health binary"]
