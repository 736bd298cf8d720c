"""The repository's own workflows: least permissions, actions pinned by SHA, the fork-safe split."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in raw:
        raw["on"] = raw.pop(True)
    document: dict[str, Any] = raw
    return document


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_there_are_the_ci_and_the_fork_safe_pair() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "image-size.yml", "image-size-comment.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_full_commit_sha(path: Path) -> None:
    for step in steps(load(path)):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert PINNED.match(uses), f"{path.name}: {uses} is not pinned by a 40-character commit SHA"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_declared_and_least(path: Path) -> None:
    document = load(path)
    permissions = document.get("permissions")
    assert isinstance(permissions, dict), f"{path.name}: set top-level permissions explicitly"
    assert permissions.get("contents") == "read"
    writes = {k for k, v in permissions.items() if v == "write"}
    for job in document["jobs"].values():
        writes |= {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
    if path.name == "image-size-comment.yml":
        assert writes == {"pull-requests"}
    elif path.name == "release.yml":  # runs on release tags only, never on a PR's code
        assert document["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
        assert writes == {"packages", "contents"}
        # each job gets only its own write: the image job cannot move tags, the tag job cannot push images
        assert [sorted(k for k, v in job["permissions"].items() if v == "write")
                for job in document["jobs"].values()] == [["packages"], ["contents"]]
    else:
        assert writes == set(), f"{path.name} runs PR code: it must not get a write token"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_runs_pr_code_with_secrets(path: Path) -> None:
    document = load(path)
    assert "pull_request_target" not in document["on"]
    for step in steps(document):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_the_comment_half_runs_trusted_code_after_the_measuring_half() -> None:
    comment = load(next(p for p in WORKFLOWS if p.name == "image-size-comment.yml"))
    measure = load(next(p for p in WORKFLOWS if p.name == "image-size.yml"))
    assert comment["on"]["workflow_run"]["workflows"] == [measure["name"]]
    runs = [s.get("run", "") for s in steps(comment)]
    assert any(r.startswith("ci-optimizer comment --report") for r in runs)
    used = [s.get("uses", "") for s in steps(measure)]
    assert "./" in used
    action_step = next(s for s in steps(measure) if s.get("uses") == "./")
    assert action_step["with"]["comment"] == "never"


def test_the_release_builds_both_platforms_with_provenance_and_pins_the_tag_to_that_image() -> None:
    release = load(next(p for p in WORKFLOWS if p.name == "release.yml"))
    image, action_ref = release["jobs"]["image"], release["jobs"]["action-ref"]
    push = next(s for s in image["steps"] if s.get("id") == "push")
    assert push["uses"].startswith("docker/build-push-action@")
    assert push["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert (push["with"]["push"], push["with"]["provenance"], push["with"]["target"]) == (True, "mode=max",
                                                                                        "production")
    assert push["with"]["tags"] == "${{ steps.name.outputs.image }}"
    name = next(s for s in image["steps"] if s.get("id") == "name")
    assert "ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/ci-optimizer:${GITHUB_REF_NAME}" in name["run"]
    assert action_ref["needs"] == "image"
    [run] = [s["run"] for s in action_ref["steps"] if "run" in s]
    assert run.startswith('scripts/pin-action-image.sh "$IMAGE"\n')
    # the release tag and the major tag (v1, which the docs use) both name the pinned commit
    assert '"refs/tags/${GITHUB_REF_NAME}" "refs/tags/${major}"' in run


def test_the_default_branch_runs_the_checked_out_dockerfile() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}


def test_pin_action_image_rewrites_only_the_image_line(tmp_path: Path) -> None:
    copy = tmp_path / "action.yml"
    copy.write_text((ROOT / "action.yml").read_text(encoding="utf-8"), encoding="utf-8")
    script = str(ROOT / "scripts" / "pin-action-image.sh")
    done = subprocess.run(["bash", script, "ghcr.io/acme/ci-optimizer:v1.2.3", str(copy)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    before = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    after = yaml.safe_load(copy.read_text(encoding="utf-8"))
    assert after["runs"] == {"using": "docker", "image": "docker://ghcr.io/acme/ci-optimizer:v1.2.3"}
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
    # a second run finds nothing to pin; an upper-case owner is refused before anything is written
    again = subprocess.run(["bash", script, "ghcr.io/acme/ci-optimizer:v1.2.3", str(copy)], capture_output=True,
                           text=True, check=False)
    assert (again.returncode, again.stderr) == (
        1, f"pin-action-image: {copy} has 0 lines '  image: Dockerfile' (expected 1)\n")
    upper = subprocess.run(["bash", script, "ghcr.io/Acme/ci-optimizer:v1", str(copy)], capture_output=True,
                           text=True, check=False)
    assert upper.returncode == 2
