"""apt-get install without --no-install-recommends, on the real engine: the bytes of the packages
pulled in only as recommendations, read from the layer's dpkg status during the analysis stream,
against the saving measured by building the fixed line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.model.results import TargetResult
from tests.integration.conftest import examined_target, write_project

pytestmark = pytest.mark.integration

# curl on bookworm recommends ca-certificates (which needs openssl), and its libraries recommend
# krb5-locales, libldap-common, libsasl2-modules and publicsuffix: about 3.5 MB that curl itself
# does not need. The lists and archives are cleaned in both, so only the recommendations differ.
INSTALL = "RUN apt-get update && apt-get install -y {flag}curl && apt-get clean && rm -rf /var/lib/apt/lists/*"
DOCKERFILE = "FROM local/debian:bookworm AS production\n{run}\n"
RECOMMENDED = {"ca-certificates", "openssl", "krb5-locales", "libldap-common", "libsasl2-modules", "publicsuffix"}


def _examined(tmp_path: Path, tag_prefix: str, client: Any, name: str, flag: str) -> TargetResult:
    project = write_project(tmp_path / name, DOCKERFILE.format(run=INSTALL.format(flag=flag)))
    return examined_target(project, tag_prefix=f"{tag_prefix}/rec-{name}", client=client)


def test_recommended_packages_are_measured_and_the_fix_saves_them(tmp_path: Path, tag_prefix: str,
                                                                  docker_client: Any) -> None:
    head = _examined(tmp_path, tag_prefix, docker_client, "causing", "")
    fixed = _examined(tmp_path, tag_prefix, docker_client, "fixed", "--no-install-recommends ")
    assert head.growth is not None
    assert fixed.growth is not None
    (cause,) = [c for c in head.growth.causes if c.kind == "no-install-recommends"]
    assert cause.line == 2
    assert cause.suggestion == INSTALL.format(flag="--no-install-recommends ").replace(
        "install -y --no-install-recommends", "install --no-install-recommends -y")
    named = set(re.findall(r"([a-z0-9.+-]+) \(\d", cause.message.partition("on top): ")[2]))
    assert f"{len(RECOMMENDED)} packages installed only as recommendations" in cause.message, cause.message
    assert len(named) == 5, cause.message  # the five largest, then "and 1 more"
    assert named <= RECOMMENDED, cause.message  # not curl (asked for), not libssl3 (curl's libraries need it)
    assert cause.message.endswith(" and 1 more"), cause.message
    assert [c for c in fixed.growth.causes if c.kind == "no-install-recommends"] == []
    assert head.size_bytes is not None
    assert fixed.size_bytes is not None
    saved = head.size_bytes - fixed.size_bytes
    # Installed-Size is a floor: maintainer scripts add ca-certificates' bundle and its symlinks,
    # debconf's templates and dpkg's own records (measured: 3,773,440 reported, 4,471,291 saved).
    assert cause.bytes <= saved <= 1.25 * cause.bytes, (saved, cause.bytes)
