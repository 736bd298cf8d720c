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

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/ci-optimizer
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY ci_optimizer/ ci_optimizer/
# The checked-out code, never a release from PyPI: the action runs exactly this commit.
# Behind a TLS-intercepting proxy, pass its CA as the build secret `pip-ca`.
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi; \
    /opt/ci-optimizer/bin/pip install --no-compile .

FROM builder AS tester
# The dev extras are what the unit tests import (pytest, the SARIF schema, ...).
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi; \
    /opt/ci-optimizer/bin/pip install --no-compile ".[dev]"
COPY tests/ tests/
COPY action.yml Dockerfile ./
COPY .github/ .github/
RUN /opt/ci-optimizer/bin/python -m pytest -q -p no:cacheprovider tests/unit

FROM ${PYTHON_IMAGE} AS production
# git: the base-branch comparison builds the merge base from a worktree.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=buildx /buildx /usr/local/lib/docker/cli-plugins/docker-buildx
COPY --from=builder /opt/ci-optimizer /opt/ci-optimizer
COPY entrypoint.py /opt/ci-optimizer/entrypoint.py
ENV PATH=/opt/ci-optimizer/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
LABEL org.opencontainers.image.title="ci-optimizer" \
      org.opencontainers.image.description="Build, test, measure and budget every target of a multi-stage Dockerfile"
# GitHub runs a Docker action as the image's default user and requires that to be root: the
# step must write the mounted workspace and GITHUB_* files and use the host's Docker socket.
# (docs.github.com, "Dockerfile support for GitHub Actions", USER.) .ci-optimizer.yml records
# this exception to the non-root check.
USER root
ENTRYPOINT ["/opt/ci-optimizer/bin/python", "/opt/ci-optimizer/entrypoint.py"]
