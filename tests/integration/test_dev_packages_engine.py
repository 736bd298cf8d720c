"""devDependencies in production, on the real engine: the bytes of the dev packages npm installed,
read from its hidden lockfile during the analysis stream, against the saving measured by building
the fixed line (`npm install --omit=dev`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.model.results import TargetResult
from tests.integration.conftest import examined_target, write_project

pytestmark = pytest.mark.integration

# Two small packages without dependencies, from the npm registry: ms ships, semver (about 120 kB)
# is for development only. npm's cache is removed in both, so only the dev package differs.
PACKAGE = {"name": "app", "version": "1.0.0", "private": True, "dependencies": {"ms": "2.1.3"},
           "devDependencies": {"semver": "7.6.3"}}
INSTALL = "RUN npm install{flag} && rm -rf /root/.npm"
DOCKERFILE = """\
FROM local/node:18 AS production
WORKDIR /app
COPY package.json ./
{run}
CMD ["node", "-e", "require('ms')"]
"""


def _examined(tmp_path: Path, tag_prefix: str, client: Any, name: str, flag: str) -> TargetResult:
    project = write_project(tmp_path / name, DOCKERFILE.format(run=INSTALL.format(flag=flag)),
                            {"package.json": json.dumps(PACKAGE)})
    return examined_target(project, tag_prefix=f"{tag_prefix}/dev-{name}", client=client)


def test_dev_packages_are_measured_and_the_fix_saves_them(tmp_path: Path, tag_prefix: str,
                                                          docker_client: Any) -> None:
    head = _examined(tmp_path, tag_prefix, docker_client, "causing", "")
    fixed = _examined(tmp_path, tag_prefix, docker_client, "fixed", " --omit=dev")
    assert head.growth is not None
    assert fixed.growth is not None
    (cause,) = [c for c in head.growth.causes if c.kind == "dev-dependencies"]
    assert cause.line == 4
    assert cause.suggestion == INSTALL.format(flag=" --omit=dev")
    assert cause.paths == ("/app/node_modules/semver",)
    assert cause.message.startswith("devDependencies in production: 1 package, "), cause.message
    assert " written by line 4: semver (" in cause.message, cause.message  # ms ships: not named
    assert [c for c in fixed.growth.causes if c.kind == "dev-dependencies"] == []
    assert head.size_bytes is not None
    assert fixed.size_bytes is not None
    saved = head.size_bytes - fixed.size_bytes
    # On top of semver's files: its lockfile entries (twice, in package-lock.json and the hidden one)
    # and the .bin/semver link, a few hundred bytes.
    assert cause.bytes <= saved <= cause.bytes + 2048, (saved, cause.bytes)
