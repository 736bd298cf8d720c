"""Matrix legs on the real engine: two shards of a 4-Dockerfile repo, merged, equal the unsharded run.

Cost: one base run (4 Dockerfiles of busybox and a few kB), then head runs that BuildKit's
cache makes cheap (unsharded, 2 legs with a baseline, 2 legs without).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.cli.main import main

SERVICES = {"alpha": 40, "beta": 80, "gamma": 120, "delta": 160}  # kB the builder writes
DOCKERFILE = """ARG BASE_IMAGE=local/busybox:1
FROM ${BASE_IMAGE} AS builder
RUN mkdir /out && dd if=/dev/zero of=/out/app bs=1024 count=KB 2>/dev/null
FROM builder AS tester
RUN test -s /out/app
FROM ${BASE_IMAGE} AS production
COPY --from=builder /out/app /app
"""
CONFIG = "dockerfiles:\n" + "".join(f"  - file: {s}/Dockerfile\n    context: {s}\n" for s in SERVICES) + (
    "budgets:\n  production:\n    max_size: 20MB\n")


def git(root: Path, *args: str) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(root), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, tag_prefix: str, busybox: str) -> dict[str, Any]:
    """Base commit measured into base.json; the head grows gamma's production by 100 kB."""
    root = tmp_path_factory.mktemp("monorepo")
    for service, kb in SERVICES.items():
        (root / service).mkdir()
        (root / service / "Dockerfile").write_text(DOCKERFILE.replace("KB", str(kb)))
    (root / ".ci-optimizer.yml").write_text(CONFIG)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    common = ("--tag-prefix", tag_prefix, "--build-arg", f"BASE_IMAGE={busybox}", "--quiet", "--analyze", "none",
              "--no-hadolint")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        code, _out, err = cli("run", *common, "--json", str(root.parent / "base.json"))
        assert code == 0, err
        gamma = root / "gamma" / "Dockerfile"
        gamma.write_text(DOCKERFILE.replace("KB", "220"))
        git(root, "commit", "-q", "-am", "head: gamma grows")
    finally:
        os.chdir(cwd)
    return {"root": root, "common": common, "base": root.parent / "base.json"}


def run_in(repo: dict[str, Any], *argv: str) -> tuple[int, str, str]:
    cwd = Path.cwd()
    os.chdir(repo["root"])
    try:
        return cli("run", *repo["common"], *argv)
    finally:
        os.chdir(cwd)


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """What must agree between the merged and the unsharded report."""
    return {
        "passed": document["passed"],
        "targets": [(t["name"], t["dockerfile"], t["status"], t["image_id"], t["size_bytes"], t["base_status"],
                     t["delta_bytes"], t["base_size_bytes"]) for t in document["targets"]],
        "sections": [(s["dockerfile"], s["tester"]["passed"], s["reduction"]) for s in document["sections"]],
        "budgets": [(b["target"], b["rule"], b["passed"]) for b in document["budgets"]],
        "warnings": document["warnings"],
    }


def test_two_shards_merged_equal_the_unsharded_run(repo: dict[str, Any], tmp_path: Path) -> None:
    base = str(repo["base"])
    code, _out, err = run_in(repo, "--baseline", base, "--json", str(tmp_path / "full.json"))
    assert code == 0, err
    legs = []
    for k in (1, 2):
        leg = tmp_path / f"leg{k}.json"
        code, _out, err = run_in(repo, "--baseline", base, "--shard", f"{k}/2", "--json", str(leg))
        assert code == 0, err
        legs.append(leg)
    code, out, err = cli("merge", *map(str, reversed(legs)), "--json", str(tmp_path / "merged.json"),
                         "--markdown", str(tmp_path / "merged.md"))
    assert (code, err) == (0, "")
    full = json.loads((tmp_path / "full.json").read_text())
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert summary(merged) == summary(full)
    assert len(merged["targets"]) == 12
    delta = {t["name"]: t["delta_bytes"] for t in merged["targets"]}
    assert delta["gamma/Dockerfile:production"] == 100 * 1024
    assert delta["alpha/Dockerfile:production"] == 0
    shards = [json.loads(leg.read_text())["origin"]["shard"] for leg in legs]
    assert sorted(d for s in shards for d in s["dockerfiles"]) == sorted(f"{s}/Dockerfile" for s in SERVICES)
    assert all(s["dockerfiles"] for s in shards)  # 4 Dockerfiles on 2 legs: neither is idle
    commit = full["origin"]["commit"]
    assert merged["origin"]["commit"] == commit
    assert [leg["shard"]["index"] for leg in merged["legs"]] == [2, 1]
    assert all(leg["engine"] and leg["builder"] and leg["commit"] == commit for leg in merged["legs"])
    assert "ci-optimizer" in out


def test_a_budget_broken_in_shard_two_fails_the_merge(repo: dict[str, Any], tmp_path: Path) -> None:
    # Without a baseline the legs weigh by stage count (3 each), dealt in path order: alpha 1, beta 2, delta 1,
    # gamma 2.
    config = tmp_path / "budget.yml"
    config.write_text(CONFIG + "  gamma/Dockerfile:production:\n    max_size: 1KB\n")
    codes, legs = [], []
    for k in (1, 2):
        leg = tmp_path / f"leg{k}.json"
        code, _out, err = run_in(repo, "--config", str(config), "--shard", f"{k}/2", "--json", str(leg))
        codes.append(code)
        legs.append(json.loads(leg.read_text()))
    assert codes == [0, 1]
    assert legs[1]["origin"]["shard"]["dockerfiles"] == ["beta/Dockerfile", "gamma/Dockerfile"]
    assert legs[0]["warnings"] == []  # the gamma budget is shard 2's business, not an unknown target here
    code, out, err = cli("merge", str(tmp_path / "leg1.json"), str(tmp_path / "leg2.json"))
    assert code == 1, err
    assert "gamma/Dockerfile:production" in out


def test_a_missing_or_duplicate_leg_is_one_line_and_exit_2(repo: dict[str, Any], tmp_path: Path) -> None:
    leg = tmp_path / "leg1.json"
    code, _out, err = run_in(repo, "--shard", "1/2", "--json", str(leg))
    assert code == 0, err
    code, out, err = cli("merge", str(leg))
    assert (code, out) == (2, "")
    assert err == ("ci-optimizer: error: merge: shard 2/2 missing (not built: beta/Dockerfile, gamma/Dockerfile); "
                   "every leg's report is needed, or pass --allow-partial\n")
    code, out, err = cli("merge", str(leg), str(leg))
    assert (code, out) == (2, "")
    assert err == f"ci-optimizer: error: merge: {leg} and {leg} are both shard 1/2\n"
    code, out, _err = cli("merge", "--allow-partial", str(leg))
    assert code == 0
    assert "partial merge: shard 2/2 missing" in out


def test_a_bad_shard_is_one_line_and_exit_2(repo: dict[str, Any]) -> None:
    assert run_in(repo, "--shard", "3/2") == (2, "", "ci-optimizer: error: --shard '3/2': K must be between 1 "
                                                     "and N (N at least 1)\n")
