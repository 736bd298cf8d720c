from __future__ import annotations

from ci_optimizer.judge.checks.inputs import LayerFiles
from ci_optimizer.judge.checks.tools import (
    check_no_build_tools,
    check_no_package_caches,
    check_no_package_manager,
    check_no_shell,
    needed_programs,
)
from ci_optimizer.model.image_model import ImageConfig
from tests.unit.checks_support import failed, make_inputs, passed

NOT_ANALYSED = " (from the Dockerfile: the image's files were not analysed)"
BUILD_FIX = "compile in the builder stage and COPY --from only the artifacts"
SHELL_FIX = ("nothing in CMD, ENTRYPOINT or HEALTHCHECK needs it; exec-form commands on a distroless or scratch base "
             "run without one")
PM_FIX = "install in the builder stage and copy the result, or use a distroless base"

DEBIAN_FILES = {"/usr/bin/sh": 0, "/usr/bin/dash": 120_000, "/usr/bin/apt-get": 20_000, "/usr/bin/dpkg": 300_000,
                "/usr/local/bin/python3": 15_000, "/usr/local/bin/pip": 200, "/etc/passwd": 900}
BASE_LAYER = LayerFiles(paths=frozenset(DEBIAN_FILES), from_base=True)


def test_tools_added_by_a_user_layer_point_at_its_line() -> None:
    text = "FROM python:3.12-slim\nRUN apt-get install -y gcc git\nCOPY app /app\nCMD [\"python3\", \"/app\"]\n"
    files = {**DEBIAN_FILES, "/usr/bin/gcc-12": 1_000_000, "/usr/bin/git": 3_000_000, "/usr/bin/make": 0}
    layers = [BASE_LAYER, LayerFiles(paths=frozenset({"usr/bin/gcc-12", "usr/bin/git"}), line=2),
              LayerFiles(paths=frozenset({"usr/bin/make"}), from_base=True)]
    inputs = make_inputs(text, config=ImageConfig(cmd=("python3", "/app")), files=files, layers=layers)
    assert failed(check_no_build_tools(inputs)) == [
        (2, f"compiler, build tool or VCS client in production: gcc, git (added at line 2); {BUILD_FIX}"),
        (1, f"compiler, build tool or VCS client in production: make (from the base image python:3.12-slim); "
            f"{BUILD_FIX}"),
    ]


def test_without_layers_an_install_line_still_attributes_a_tool() -> None:
    text = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends git\n"
    files = {**DEBIAN_FILES, "/usr/bin/git": 3_000_000, "/usr/local/bin/make": 10}
    assert failed(check_no_build_tools(make_inputs(text, config=ImageConfig(), files=files))) == [
        (2, f"compiler, build tool or VCS client in production: git (added at line 2); {BUILD_FIX}"),
        (1, "compiler, build tool or VCS client in production: make (not installed by a RUN of production: from the "
            f"base image or a COPY); {BUILD_FIX}"),
    ]


def test_no_build_tools_passes_on_a_clean_image() -> None:
    assert passed(check_no_build_tools(make_inputs("FROM x\n", config=ImageConfig(), files=DEBIAN_FILES))) == [
        "no compiler, build tool or VCS client in the final image"]


def test_build_tools_from_the_dockerfile_only() -> None:
    text = ("FROM python:3.12 AS builder\nRUN apt-get install -y libpq-dev\nFROM python:3.12\n"
            "RUN apk add --virtual .deps build-base && apt-get install -y libpq5\n")
    assert failed(check_no_build_tools(make_inputs(text))) == [
        (4, f"compiler, build tool or VCS client in production: gcc (added at line 4); {BUILD_FIX}{NOT_ANALYSED}"),
        (3, "compiler, build tool or VCS client in production: git, make (from the base image python:3.12); "
            f"{BUILD_FIX}{NOT_ANALYSED}"),
    ]


def test_shell_needed_by_a_shell_form_cmd_passes() -> None:
    config = ImageConfig(cmd=("/bin/sh", "-c", "python3 app.py"))
    assert passed(check_no_shell(make_inputs("FROM x\n", config=config, files=DEBIAN_FILES))) == [
        "sh present and needed by CMD, ENTRYPOINT or HEALTHCHECK"]
    entrypoint = ImageConfig(entrypoint=("/docker-entrypoint.sh",), cmd=("serve",))
    assert passed(check_no_shell(make_inputs("FROM x\n", config=entrypoint, files=DEBIAN_FILES))) == [
        "sh present and needed by CMD, ENTRYPOINT or HEALTHCHECK"]


def test_unneeded_shell_from_the_base_fails_on_the_from_line() -> None:
    inputs = make_inputs("FROM x AS b\nFROM python:3.12-slim\n", config=ImageConfig(cmd=("python3", "app.py")),
                         files=DEBIAN_FILES, layers=[BASE_LAYER])
    assert failed(check_no_shell(inputs)) == [
        (2, f"shell in production: sh (from the base image python:3.12-slim); {SHELL_FIX}")]


def test_no_shell_on_distroless() -> None:
    inputs = make_inputs("FROM gcr.io/distroless/static-debian12\n", config=ImageConfig(entrypoint=("/app",)),
                         files={"/app": 5_000_000, "/etc/passwd": 100})
    assert passed(check_no_shell(inputs)) == ["no shell in the final image"]


def test_package_managers_and_needed_npm() -> None:
    files = {"/usr/local/bin/npm": 0, "/usr/local/bin/node": 90_000_000, "/usr/bin/dpkg": 300_000}
    inputs = make_inputs("FROM node:20-slim\n", config=ImageConfig(cmd=("npm", "start")), files=files)
    assert needed_programs(inputs) == frozenset({"npm"})
    assert failed(check_no_package_manager(inputs)) == [
        (1, f"package manager in production: dpkg (not installed by a RUN of production: from the base image or a "
            f"COPY); {PM_FIX}")]


def test_package_manager_from_the_dockerfile_only() -> None:
    assert failed(check_no_package_manager(make_inputs("FROM python:3.12-alpine\nCMD [\"python3\"]\n"))) == [
        (1, f"package manager in production: apk (from the base image python:3.12-alpine); {PM_FIX}{NOT_ANALYSED}")]
    assert passed(check_no_package_manager(make_inputs("FROM gcr.io/distroless/python3\n"))) == [
        f"no package manager in the final image{NOT_ANALYSED}"]


def test_needed_programs_from_the_dockerfile() -> None:
    text = ("FROM x\nENTRYPOINT [\"tini\", \"--\"]\nCMD gunicorn app\n"
            "HEALTHCHECK CMD [\"wget\", \"-q\", \"-O-\", \"x\"]\n")
    assert needed_programs(make_inputs(text)) == frozenset({"tini", "wget", "sh", "gunicorn"})


def test_caches_measured_in_the_final_image() -> None:
    files = {
        "/var/lib/apt/lists/lock": 0,
        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4": 9_000_000,
        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease": 150_000,
        "/root/.cache/pip/http-v2/a/b/c": 2_500_000,
        "/var/cache/apt/archives/partial/x.deb": 7,
    }
    layers = [LayerFiles(paths=frozenset(files), line=3)]
    text = "FROM python:3.12-slim\nWORKDIR /app\nRUN apt-get update && pip install flask\n"
    assert failed(check_no_package_caches(make_inputs(text, config=ImageConfig(), files=files, layers=layers))) == [
        (3, "apt lists: 9.15 MB in 2 files (written at line 3); `rm -rf /var/lib/apt/lists/*` in the RUN that "
            "installs"),
        (3, "pip cache: 2.5 MB in 1 file (written at line 3); `pip install --no-cache-dir`"),
    ]


def test_caches_without_layers_use_the_dockerfile_line() -> None:
    files = {"/root/.npm/_cacache/index-v5/aa": 4_000}
    text = "FROM node:20-slim\nCOPY package.json .\nRUN npm ci --omit=dev\n"
    assert failed(check_no_package_caches(make_inputs(text, config=ImageConfig(), files=files))) == [
        (3, "npm cache: 4 kB in 1 file; `npm cache clean --force` in the same RUN")]


def test_no_caches() -> None:
    files = {"/var/lib/apt/lists/lock": 0, "/var/lib/apt/lists/partial/x": 0, "/usr/bin/x": 5}
    assert passed(check_no_package_caches(make_inputs("FROM x\n", config=ImageConfig(), files=files))) == [
        "no package manager caches in the final image"]


def test_caches_from_the_dockerfile_only() -> None:
    text = (
        "FROM python:3.12-slim AS builder\nRUN apt-get update\n"  # not production's chain
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*\n"
        "RUN --mount=type=cache,target=/root/.cache pip install flask\n"
        "RUN pip install --no-cache-dir gunicorn && apk add curl\n"
        "RUN npm ci && npm cache clean --force\n"
        "RUN pip install uvicorn\n"
    )
    assert failed(check_no_package_caches(make_inputs(text))) == [
        (6, f"apk cache kept by the RUN at line 6; `apk add --no-cache`{NOT_ANALYSED}"),
        (8, f"pip cache kept by the RUN at line 8; `pip install --no-cache-dir`{NOT_ANALYSED}"),
    ]
    assert passed(check_no_package_caches(make_inputs("FROM a\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x\n"))) == [
        f"no RUN step leaves a package cache behind{NOT_ANALYSED}"]


def test_a_tool_in_an_own_layer_without_a_known_line_says_so_instead_of_line_none() -> None:
    # the history did not line up with the layers (e.g. a venv copied in), so the layer has no line
    text = "FROM python:3.12-slim\nCOPY --from=builder /opt/venv /opt/venv\nCMD [\"python3\", \"/app\"]\n"
    files = {**DEBIAN_FILES, "/usr/bin/git": 3_000_000}
    layers = [BASE_LAYER, LayerFiles(paths=frozenset({"usr/bin/git"}), line=None)]
    inputs = make_inputs(text, config=ImageConfig(cmd=("python3", "/app")), files=files, layers=layers)
    assert failed(check_no_build_tools(inputs)) == [
        (None, f"compiler, build tool or VCS client in production: git (added by one of production's own layers); "
               f"{BUILD_FIX}"),
    ]
