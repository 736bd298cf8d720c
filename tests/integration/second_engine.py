"""A second dockerd on its own unix socket and data root: a stand-in for a remote engine.

It runs in a network namespace of its own (`unshare --net`): there it makes its own docker0, so
RUN steps work, and it cannot touch the host's. Never start a second dockerd with `--bridge=none`
in the host's namespace: dockerd then deletes the host's docker0 (removeDefaultBridgeInterface),
which breaks every build with a RUN step on the first engine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class SecondEngine:
    host: str
    started_seconds: float  # dockerd up and answering
    loaded_seconds: float  # local/busybox:1 saved from the first engine and loaded into it


def _answers(host: str) -> bool:
    env = {**os.environ, "DOCKER_HOST": host}
    env.pop("DOCKER_CONTEXT", None)
    return subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], env=env,
                          capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def second_engine(busybox: str) -> Iterator[SecondEngine]:
    # unix socket paths are limited to 108 bytes: a short directory under /tmp
    root = Path(tempfile.mkdtemp(prefix="cio-d-", dir="/tmp"))
    host = f"unix://{root}/d.sock"
    started = time.monotonic()
    with (root / "dockerd.log").open("wb") as log:
        daemon = subprocess.Popen(
            ["unshare", "--net", "dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "x"),
             "--pidfile", str(root / "d.pid"), "-H", host, "--iptables=false", "--ip-masq=false",
             "--log-level=warn"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _answers(host):
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the second dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")
            time.sleep(0.1)
        up = time.monotonic() - started
        env = {**os.environ, "DOCKER_HOST": host}
        env.pop("DOCKER_CONTEXT", None)
        loading = time.monotonic()
        save = subprocess.Popen(["docker", "save", busybox], stdout=subprocess.PIPE,
                                env={k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")})
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=env, check=True, capture_output=True)
        assert save.wait() == 0
        yield SecondEngine(host=host, started_seconds=round(up, 2), loaded_seconds=round(time.monotonic() - loading, 2))
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(root, ignore_errors=True)
