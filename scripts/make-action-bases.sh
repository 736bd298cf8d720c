#!/usr/bin/env bash
# Local stand-ins for the base images of the action's own Dockerfile, which no container
# registry can supply here. Each takes the place of the image named by the Dockerfile's ARG:
#
#   PYTHON_IMAGE=local/python:3-bookworm   for python:3.12-slim (python3 + venv on local/debian:bookworm)
#   DOCKER_IMAGE=local/docker-cli:host     for docker:27-cli     (/usr/local/bin/docker, this machine's CLI)
#   BUILDX_IMAGE=local/buildx-bin:host     for docker/buildx-bin (/buildx, this machine's buildx plugin)
#
# Needs scripts/provision.sh --debian first (local/debian:bookworm). Idempotent: an image that
# exists is kept. The python image's apt-get reaches the Debian mirror through the engine's bridge
# network, like any `docker build`.
set -euo pipefail

log() { printf 'make-action-bases: %s\n' "$*" >&2; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_exists local/debian:bookworm || {
  log "local/debian:bookworm is missing: run scripts/provision.sh --debian first"
  exit 1
}

if ! image_exists local/python:3-bookworm; then
  log "building local/python:3-bookworm (apt-get python3, python3-venv)"
  docker build -q -t local/python:3-bookworm - >/dev/null <<'EOF'
FROM local/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
EOF
fi

# A one-file image at the path the official image keeps the binary.
import_binary() {
  local tag=$1 source=$2 target=$3 root
  image_exists "$tag" && return 0
  [ -x "$source" ] || { log "$source not found (run scripts/provision.sh)"; exit 1; }
  root=$(mktemp -d)
  mkdir -p "$root/$(dirname "$target")"
  cp "$source" "$root/$target"
  tar -C "$root" -c . | docker import - "$tag" >/dev/null
  rm -rf "$root"
  log "image: $tag"
}

import_binary local/docker-cli:host "$(command -v docker)" usr/local/bin/docker
buildx=""
for candidate in /usr/local/lib/docker/cli-plugins/docker-buildx /usr/libexec/docker/cli-plugins/docker-buildx \
                 "$HOME/.docker/cli-plugins/docker-buildx"; do
  [ -x "$candidate" ] && { buildx=$candidate; break; }
done
import_binary local/buildx-bin:host "${buildx:-/nonexistent}" buildx
log "ready: --build-arg PYTHON_IMAGE=local/python:3-bookworm --build-arg DOCKER_IMAGE=local/docker-cli:host" \
    "--build-arg BUILDX_IMAGE=local/buildx-bin:host"
