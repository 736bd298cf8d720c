# ci-optimizer's own image, the one action.yml runs (`runs.using: docker`). It follows the
# pattern the tool checks for: builder -> tester (runs the unit tests) -> production.
#
# Base images come from ARGs with their real-world defaults; CI builds this file with local
# stand-ins (scripts/make-action-bases.sh) because no container registry is reachable there.
# No `# syntax=` line: the engine's built-in frontend reads it, nothing is pulled for it.
ARG PYTHON_IMAGE=python:3.12-slim
ARG DOCKER_IMAGE=docker:27-cli
ARG BUILDX_IMAGE=docker/buildx-bin:0.19

FROM ${DOCKER_IMAGE} AS docker-cli
FROM ${BUILDX_IMAGE} AS buildx

# The dependencies first, from pyproject.toml alone: a change to the code rebuilds none of them.
# Wheels are made by a pip that stays in the build stages (no pip, setuptools or build tools in
# the shipped venv); setuptools is there too, so the package's own wheel needs no network.
# Bytecode is compiled in the build, once, rather than at every start of the action's container
# (which runs with PYTHONDONTWRITEBYTECODE, so nothing would be kept): docs/github-action.md.
# Behind a TLS-intercepting proxy, pass its CA as the build secret `pip-ca`.
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml ./
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi; \
    python3 -c 'import tomllib; d = tomllib.load(open("pyproject.toml", "rb")); p = d["project"]; \
print("\n".join(p["dependencies"]), file=open("requirements.txt", "w")); \
print("\n".join(p["optional-dependencies"]["dev"]), file=open("requirements-dev.txt", "w")); \
print("\n".join(d["build-system"]["requires"]), file=open("requirements-build.txt", "w"))' \
 && python3 -m venv /opt/pip \
 && /opt/pip/bin/pip install --quiet -r requirements-build.txt \
 && /opt/pip/bin/pip wheel --quiet --wheel-dir /wheels -r requirements.txt \
 && python3 -m venv --without-pip /opt/ci-optimizer \
 && /opt/pip/bin/pip --python /opt/ci-optimizer/bin/python install --quiet --no-index --find-links /wheels \
      --no-compile -r requirements.txt \
 && /opt/ci-optimizer/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/ci-optimizer

# The tester's extras, downloaded beside the build (no code in this stage: cached until they change).
FROM deps AS dev-wheels
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi; \
    /opt/pip/bin/pip wheel --quiet --wheel-dir /wheels-dev -r requirements-dev.txt

FROM deps AS builder
COPY README.md LICENSE ./
COPY ci_optimizer/ ci_optimizer/
COPY entrypoint.py ./
# The checked-out code, never a release from PyPI: the action runs exactly this commit.
RUN /opt/pip/bin/pip wheel --quiet --no-deps --no-build-isolation --wheel-dir /wheels . \
 && /opt/pip/bin/pip --python /opt/ci-optimizer/bin/python install --quiet --no-index --no-deps --no-compile \
      /wheels/ci_optimizer-*.whl \
 && cp entrypoint.py /opt/ci-optimizer/entrypoint.py \
 && /opt/ci-optimizer/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/ci-optimizer

FROM builder AS tester
# The dev extras are what the unit tests import (pytest, the SARIF schema, ...), installed into
# the very venv production ships, from the wheels downloaded above.
COPY --from=dev-wheels /wheels-dev /wheels-dev
RUN /opt/pip/bin/pip --python /opt/ci-optimizer/bin/python install --quiet --no-index --no-compile \
      --find-links /wheels --find-links /wheels-dev -r requirements-dev.txt
COPY tests/ tests/
COPY action.yml Dockerfile ./
COPY .github/ .github/
COPY scripts/ scripts/
# docs/: the unit tests check that every action input and CLI option is documented
COPY docs/ docs/
RUN /opt/ci-optimizer/bin/python -m pytest -q -p no:cacheprovider tests/unit

FROM ${PYTHON_IMAGE} AS production
# git: the base-branch comparison builds the merge base from a worktree.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=buildx /buildx /usr/local/lib/docker/cli-plugins/docker-buildx
COPY --from=builder /opt/ci-optimizer /opt/ci-optimizer
ENV PATH=/opt/ci-optimizer/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
LABEL org.opencontainers.image.title="ci-optimizer" \
      org.opencontainers.image.description="Build, test, measure and budget every target of a multi-stage Dockerfile"
# GitHub runs a Docker action as the image's default user and requires that to be root: the
# step must write the mounted workspace and GITHUB_* files and use the host's Docker socket.
# (docs.github.com, "Dockerfile support for GitHub Actions", USER.) .ci-optimizer.yml records
# this exception to the non-root check.
USER root
ENTRYPOINT ["/opt/ci-optimizer/bin/python", "/opt/ci-optimizer/entrypoint.py"]
