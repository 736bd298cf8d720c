#!/usr/bin/env bash
# Local stand-ins for the official base images the gallery (examples/*/) is written for; no
# container registry is reachable here. Each example's Dockerfile keeps the real name as its ARG
# default (so it works unchanged on GitHub) and `make gallery` / the tests pass these instead:
#
#   local/node:18               for node:18                            Debian's nodejs 18 + npm (+ git, build tools)
#   local/distroless-nodejs:18  for gcr.io/distroless/nodejs18-debian12  node, the shared libraries it needs,
#                                                                       CA certificates, a nonroot user; no shell,
#                                                                       no package manager; ENTRYPOINT /nodejs/bin/node
#   local/golang:1.19           for golang:1.19                        Debian's golang-go (+ gcc, git)
#   local/python:3.11           for python:3.11                        Debian's python3.11 + venv, pip, build tools
#   local/python:3.11-slim      for python:3.11-slim                   a minbase with python3 only
#
# Made from Debian packages through the engine's bridge network (the way scripts/make-action-bases.sh
# makes the action's bases). Needs `scripts/provision.sh --debian` first (local/debian:bookworm).
# Idempotent: an image that exists is kept (that is the cache: a warm run costs a few
# `docker image inspect`s); `--rebuild` makes them again.
set -euo pipefail

rebuild=0
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=1 ;;
    *) echo "make-gallery-bases.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'make-gallery-bases: %s\n' "$*" >&2; }
image_exists() { [ "$rebuild" -eq 0 ] && docker image inspect "$1" >/dev/null 2>&1; }

docker image inspect local/debian:bookworm >/dev/null 2>&1 || {
  log "local/debian:bookworm is missing: run scripts/provision.sh --debian first"
  exit 1
}

# The toolchain stand-ins trust what this machine trusts: behind a TLS-intercepting proxy, npm
# and pip inside a build need its CA, which the real images (on a normal network) do not. The
# bundle is added with update-ca-certificates, so the Debian bundle stays and a later
# `apt-get install ca-certificates` keeps it. The examples' Dockerfiles are not touched.
CA_BUNDLE=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
if [ -s "$CA_BUNDLE" ]; then cp "$CA_BUNDLE" "$context/host-ca-bundle.crt"; else : >"$context/host-ca-bundle.crt"; fi

# build TAG: the Dockerfile comes on stdin; the context holds only the CA bundle.
build() {
  local tag=$1 started=$SECONDS
  if image_exists "$tag"; then
    cat >/dev/null
    return 0
  fi
  log "building $tag"
  cat >"$context/Dockerfile"
  docker build -q -t "$tag" "$context" >/dev/null
  log "image: $tag ($((SECONDS - started)) s)"
}

# The apt lines every stand-in shares: no recommends, lists removed in the same layer.
APT='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
CLEAN='&& apt-get clean && rm -rf /var/lib/apt/lists/*'
TRUST='COPY host-ca-bundle.crt /usr/local/share/ca-certificates/host-ca-bundle.crt
RUN update-ca-certificates >/dev/null 2>&1
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt'

# node:18 is buildpack-deps + node: a toolchain image (git, make, g++, python3 for node-gyp).
build local/node:18 <<EOF
FROM local/debian:bookworm
RUN $APT nodejs npm ca-certificates git make g++ python3 $CLEAN
$TRUST
CMD ["node"]
EOF

# distroless/nodejs: the node binary and exactly the shared objects it loads (ldd), CA
# certificates, /etc/passwd with root, nobody and nonroot (65532), /tmp; nothing else. It keeps
# distroless' layout (/nodejs/bin/node as ENTRYPOINT) and, like the real image's default tag,
# runs as root unless the Dockerfile says USER.
build local/distroless-nodejs:18 <<'EOF'
FROM local/node:18 AS collect
# Each object ldd names is copied once, at its real path, and linked from the name the loader
# asks for; /lib and /lib64 point into /usr as on a merged-/usr Debian. Debian's node also loads
# a few builtins (undici, acorn, cjs-module-lexer) from /usr/share/nodejs at start: the paths are
# read out of libnode itself. chroot proves the result runs.
RUN set -e; mkdir -p /rootfs/usr/lib /rootfs/usr/lib64 /rootfs/nodejs/bin /rootfs/etc/ssl/certs /rootfs/tmp \
      /rootfs/home/nonroot /rootfs/root; \
    ln -s usr/lib /rootfs/lib; ln -s usr/lib64 /rootfs/lib64; \
    node=$(readlink -f /usr/bin/node); cp "$node" /rootfs/nodejs/bin/node; \
    for lib in $(ldd "$node" | awk '/=>/ { print $3 } /^[[:space:]]*\/lib/ { print $1 }'); do \
      real=$(readlink -f "$lib"); mkdir -p "/rootfs$(dirname "$real")" "/rootfs$(dirname "$lib")"; \
      cp "$real" "/rootfs$real"; [ -e "/rootfs$lib" ] || ln -s "$real" "/rootfs$lib"; \
    done; \
    for js in $(grep -aoh '/usr/share/nodejs/[A-Za-z0-9_./@-]*[.]js' /usr/lib/x86_64-linux-gnu/libnode.so.* | sort -u); do \
      mkdir -p "/rootfs$(dirname "$js")"; cp -L "$js" "/rootfs$js"; \
    done; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    chown 65532:65532 /rootfs/home/nonroot; chmod 1777 /rootfs/tmp; chmod 700 /rootfs/root; \
    chroot /rootfs /nodejs/bin/node -e 'process.exit(0)'
FROM scratch
COPY --from=collect /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/nodejs/bin/node"]
EOF

build local/golang:1.19 <<EOF
FROM local/debian:bookworm
RUN $APT golang-go gcc libc6-dev git ca-certificates $CLEAN
$TRUST
ENV GOPATH=/go PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
EOF

# python:3.11 is buildpack-deps + CPython: compilers, headers, git, pip, venv.
build local/python:3.11 <<EOF
FROM local/debian:bookworm
# No EXTERNALLY-MANAGED marker: the official image's pip installs anywhere ("pip install --user"
# included), and the write-up relies on that.
RUN $APT python3.11 python3 python3-venv python3-pip python3-dev build-essential git ca-certificates $CLEAN \
 && ln -s /usr/bin/python3 /usr/local/bin/python && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
$TRUST
CMD ["python3"]
EOF

# python:3.11-slim: the interpreter and its standard library on a minbase, nothing to build with.
build local/python:3.11-slim <<EOF
FROM local/debian:bookworm
RUN $APT python3 ca-certificates $CLEAN \
 && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
EOF

log "ready: NODE_IMAGE=local/node:18 DISTROLESS_IMAGE=local/distroless-nodejs:18 GO_IMAGE=local/golang:1.19" \
    "PYTHON_IMAGE=local/python:3.11 SLIM_IMAGE=local/python:3.11-slim"
