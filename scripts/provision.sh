#!/usr/bin/env bash
# Provision what ci-optimizer's tests and demo need on a fresh Debian machine
# that reaches only the package registries: a Docker engine, the buildx plugin
# and locally made base images (no container registry is reachable).
#
# Idempotent: installs only what is missing, starts dockerd only when no engine
# answers, and accepts one that is already running.
#
#   scripts/provision.sh            engine + buildx + local/busybox:1
#   scripts/provision.sh --debian   also local/debian:bookworm (debootstrap, minutes)
set -euo pipefail

want_debian=0
for arg in "$@"; do
  case "$arg" in
    --debian) want_debian=1 ;;
    *) echo "provision.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'provision: %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
CACHE_DIR="${CI_OPTIMIZER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ci-optimizer}"
mkdir -p "$CACHE_DIR"

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The mirror URI this machine already uses for Debian (never hard-code a host).
debian_mirror() {
  local sources=/etc/apt/sources.list.d/debian.sources
  if [ -f "$sources" ]; then
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$sources"
  elif [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list
  fi
}

install_engine() {
  apt_install busybox-static git ca-certificates
  # An engine that already answers (a GitHub-hosted runner's moby, a developer's Docker Desktop)
  # is accepted as it is: installing Debian's docker.io beside it could conflict.
  if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null 2>&1 || apt_install docker.io iptables
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: /var/log/ci-optimizer-dockerd.log)"
    $SUDO sh -c 'nohup dockerd >/var/log/ci-optimizer-dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
      log "dockerd did not come up; last lines of its log:"
      tail -n 20 /var/log/ci-optimizer-dockerd.log >&2 || true
      exit 1
    fi
  fi
  log "engine: $(docker version --format '{{.Server.Version}}')"
}

# buildx is not packaged for bookworm; trixie's docker-buildx is a static Go
# binary that runs here. Fetch it through a private apt state so the machine's
# own sources and lists are left untouched.
install_buildx() {
  if docker buildx version >/dev/null 2>&1; then
    log "buildx: $(docker buildx version)"
    return 0
  fi
  local mirror work plugin_dir
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { log "cannot find the Debian mirror URI in /etc/apt"; exit 1; }
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$work/trixie.sources"
  local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/srcparts"
              -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
              -o "Dir::Cache::pkgcache=$work/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$work/srcpkgcache.bin"
              -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  mkdir -p "$work/srcparts" && mv "$work/trixie.sources" "$work/srcparts/"
  log "fetching docker-buildx from trixie"
  apt-get "${opts[@]}" update -qq
  (cd "$work" && apt-get "${opts[@]}" download docker-buildx >/dev/null)
  dpkg -x "$work"/docker-buildx_*.deb "$work/root"
  plugin_dir=/usr/local/lib/docker/cli-plugins
  $SUDO mkdir -p "$plugin_dir"
  $SUDO install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin_dir/docker-buildx"
  rm -rf "$work"
  log "buildx: $(docker buildx version)"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

make_busybox() {
  image_exists local/busybox:1 && return 0
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  # Every applet as a link, so Dockerfiles can use the usual tools. `busybox --list` includes
  # busybox itself: linking it would replace the binary with a link to itself.
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - local/busybox:1 >/dev/null
  rm -rf "$root"
  log "image: local/busybox:1"
}

make_debian() {
  image_exists local/debian:bookworm && return 0
  local tarball="$CACHE_DIR/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    apt_install debootstrap
    local root mirror
    root=$(mktemp -d)
    mirror=$(debian_mirror)
    log "debootstrap bookworm minbase (a few minutes; cached in $tarball)"
    $SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    $SUDO rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/dev/*
    $SUDO tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    $SUDO rm -rf "$root"
  fi
  docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" local/debian:bookworm >/dev/null
  log "image: local/debian:bookworm"
}

# A real registry for the --baseline-image and registry-cache tests (started by the test fixtures
# on 127.0.0.1, never here), htpasswd for its Basic auth, iproute2 for a private engine's bridge.
install_registry() {
  apt_install docker-registry apache2-utils iproute2
  # The package's own service (where an init system starts it) is not what the tests use.
  log "registry: $(docker-registry --version)"
}

install_engine
install_buildx
install_registry
make_busybox
[ "$want_debian" -eq 0 ] || make_debian
log "ready"
