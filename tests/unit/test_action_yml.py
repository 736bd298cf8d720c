"""action.yml is a contract with the runner: every input is consumed, every output written."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_optimizer.github.action_settings import INPUT_DEFAULTS, ActionSettings, load_settings
from ci_optimizer.github.runner import ActionOutputs, parse_output_file, write_outputs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return document


def test_is_a_docker_action_built_from_the_repository_dockerfile(action: dict[str, Any]) -> None:
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert (ROOT / "Dockerfile").is_file()


def test_inputs_are_exactly_those_settings_read(action: dict[str, Any]) -> None:
    assert set(action["inputs"]) == set(INPUT_DEFAULTS)


def test_input_names_are_kebab_case_and_described(action: dict[str, Any]) -> None:
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), name
        assert spec.get("description"), name
        assert spec.get("required") is False, name


def test_declared_defaults_are_the_defaults_settings_assume(action: dict[str, Any]) -> None:
    declared = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    assert declared.pop("github-token") == "${{ github.token }}"
    assert declared == {k: v for k, v in INPUT_DEFAULTS.items() if k != "github-token"}
    # The runner passes every default as INPUT_*: reading them gives the same settings as reading none.
    env = {f"INPUT_{name.upper()}": value for name, value in declared.items()}
    assert load_settings(env) == load_settings({})


# A value for each input that differs from its default, and how it shows in the settings.
CHANGED: dict[str, tuple[str, Callable[[ActionSettings], bool]]] = {
    "file": ("docker/Dockerfile.prod", lambda s: s.file == "docker/Dockerfile.prod"),
    "context": ("docker", lambda s: s.context == "docker"),
    "config": ("ci/size.yml", lambda s: s.config == "ci/size.yml"),
    "targets": ("a,b", lambda s: s.targets == ("a", "b")),
    "tester": ("unit", lambda s: s.tester == "unit"),
    "production": ("runtime", lambda s: s.production == "runtime"),
    "build-args": ("A=1\nB=2", lambda s: s.build_args == ("A=1", "B=2")),
    "builder-stage": ("compile", lambda s: s.builder_stage == "compile"),
    "platform": ("linux/arm64", lambda s: s.platform == "linux/arm64"),
    "base-ref": ("main", lambda s: s.base_ref == "main"),
    "baseline": ("base/report.json", lambda s: s.baseline == "base/report.json"),
    "baseline-image": ("ghcr.io/acme/app:main-{target}",
                       lambda s: s.baseline_image == "ghcr.io/acme/app:main-{target}"),
    "cache-from": ('type=registry,ref=ghcr.io/acme/app:cache\n"type=local,""src=/tmp/a,b"""',
                   lambda s: [c.text for c in s.cache_from] == ["type=registry,ref=ghcr.io/acme/app:cache",
                                                                 'type=local,"src=/tmp/a,b"']),
    "cache-to": ("type=inline", lambda s: [c.type for c in s.cache_to] == ["inline"]),
    "github-token": ("ghs_x", lambda s: s.github_token.reveal() == "ghs_x"),
    "comment": ("on-change", lambda s: s.comment == "on-change"),
    "comment-key": ("py3.12", lambda s: s.comment_key == "py3.12" and s.comment_key_given),
    "fail-on-budget": ("false", lambda s: s.fail_on_budget is False),
    "review": ("false", lambda s: s.review is False),
    "shard": ("2/3", lambda s: str(s.shard) == "2/3"),
    "builder": ("remote", lambda s: s.builder == "remote"),
    "merge-reports": ("legs/*/report.json", lambda s: s.merge_reports == "legs/*/report.json"),
}


def test_every_input_is_consumed(action: dict[str, Any]) -> None:
    assert set(CHANGED) == set(action["inputs"])
    for name, (value, shows) in CHANGED.items():
        settings = load_settings({f"INPUT_{name.upper()}": value})  # hyphens kept, as the runner does
        assert shows(settings), name
        assert settings != load_settings({}), name


def test_every_output_is_written(action: dict[str, Any], tmp_path: Path) -> None:
    fields = {f.name.replace("_", "-") for f in dataclasses.fields(ActionOutputs)}
    assert set(action["outputs"]) == fields
    path = tmp_path / "output"
    write_outputs(str(path), ActionOutputs(passed=True, report="r.json", comment_url="https://x/1"))
    assert parse_output_file(path.read_text()) == {"passed": "true", "report": "r.json", "comment-url": "https://x/1"}
    for spec in action["outputs"].values():
        assert spec.get("description")


def test_every_input_and_output_is_documented(action: dict[str, Any]) -> None:
    docs = (ROOT / "docs" / "github-action.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", docs, flags=re.MULTILINE))
    assert set(action["inputs"]) - documented == set()
    assert set(action["outputs"]) - documented == set()
