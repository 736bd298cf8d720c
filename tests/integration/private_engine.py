"""A private Docker engine: a fresh runner for cache tests, on its own data root, socket and bridge.

The shared engine's build cache must never be pruned; this one's may. It gets its own bridge (a
BuildKit RUN needs one) without iptables, and the local base image from the shared engine.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def private_engine(workdir: Path, *, base_image: str) -> Iterator[str]:
    """Yields the engine's DOCKER_HOST; stops it and removes its bridge and data afterwards."""
    tag = uuid.uuid4().hex[:6]
    bridge = f"cio{tag}"
    socket = f"unix:///run/cio-13-{tag}.sock"
    root = workdir / f"engine-{tag}"
    root.mkdir()
    subnet = f"10.{200 + int(tag[:2], 16) % 50}.{int(tag[2:4], 16)}.1/24"
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    process = None
    try:
        subprocess.run(["ip", "addr", "add", subnet, "dev", bridge], check=True)
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
        log = (root / "dockerd.log").open("wb")
        process = subprocess.Popen(
            ["dockerd", "--data-root", str(root / "data"), "--exec-root", f"/run/cio-13-{tag}",
             "--pidfile", str(root / "dockerd.pid"), "-H", socket, f"--bridge={bridge}", "--iptables=false",
             "--ip-masq=false"], stdout=log, stderr=subprocess.STDOUT)
        env = {"DOCKER_HOST": socket}
        for _ in range(150):
            if subprocess.run(["docker", "info"], env=_with(env), capture_output=True, check=False).returncode == 0:
                break
            if process.poll() is not None:
                raise RuntimeError((root / "dockerd.log").read_text()[-2000:])
            time.sleep(0.2)
        saved = subprocess.run(["docker", "save", base_image], capture_output=True, check=True).stdout
        subprocess.run(["docker", "load"], input=saved, env=_with(env), capture_output=True, check=True)
        yield socket
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=60)
        subprocess.run(["ip", "link", "delete", bridge], check=False)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(f"/run/cio-13-{tag}", ignore_errors=True)


def _with(env: dict[str, str]) -> dict[str, str]:
    import os  # noqa: PLC0415

    return {**os.environ, **env}
