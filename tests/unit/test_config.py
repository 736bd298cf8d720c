from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ci_optimizer.config import (
    Config,
    DockerfileEntry,
    config_schema,
    find_config,
    load_config,
    parse_config,
    schema_text,
)
from ci_optimizer.errors import EXIT_ERROR, ConfigError
from ci_optimizer.judge.budgets import Budget
from ci_optimizer.judge.checks import CHECKS_CONFIG_SCHEMA, CheckSetting, CheckSettings

FULL = """\
dockerfiles:
  - file: services/api/Dockerfile
    context: services/api
    tester: tester
    production: runtime
    targets: [builder, runtime]
    build_args: {PYTHON_VERSION: "3.12", WORKERS: 4}
  - file: ./web/Dockerfile
budgets:
  "*":
    max_layers: 30
    severity: warning
  production:
    max_size: 100MB
    max_compressed_size: 40MiB
    max_growth: 10%
    min_reduction: 80%
  runtime:
    max_size: 1500000
    max_growth: 5MB
    max_wasted_bytes: 1.5kB
    max_wasted_percent: 5%
    min_efficiency: 95.5%
checks:
  healthcheck: warning
  minimal-base: {severity: off, reason: the platform team mandates the base}
"""


def test_a_full_file_reads_into_frozen_data() -> None:
    config = parse_config(FULL, source="repo/.ci-optimizer.yml")
    assert config == Config(
        source="repo/.ci-optimizer.yml",
        dockerfiles=(
            DockerfileEntry(
                file="services/api/Dockerfile", context="services/api", tester="tester", production="runtime",
                targets=("builder", "runtime"), build_args={"PYTHON_VERSION": "3.12", "WORKERS": "4"},
            ),
            DockerfileEntry(file="web/Dockerfile", context="."),
        ),
        budgets=(
            Budget(target="*", severity="warning", max_layers=30),
            Budget(target="production", max_size=100_000_000, max_compressed_size=40 * 1024**2,
                   max_growth_percent=10.0, min_reduction=80.0),
            Budget(target="runtime", max_size=1_500_000, max_growth_bytes=5_000_000, max_wasted_bytes=1500,
                   max_wasted_percent=5.0, min_efficiency=95.5),
        ),
        checks=CheckSettings(overrides={
            "healthcheck": CheckSetting(severity="warning"),
            "minimal-base": CheckSetting(severity="off", reason="the platform team mandates the base"),
        }),
    )


def test_an_empty_file_means_every_default() -> None:
    assert parse_config("", source="c.yml") == Config(source="c.yml", dockerfiles=(DockerfileEntry(),))
    assert parse_config("# nothing yet\n", source="c.yml").dockerfiles == (
        DockerfileEntry(file="Dockerfile", context="."),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budgets:\n  production:\n    max_size: banana\n",
         "budgets.production.max_size: 'banana' is not a size"),
        ("budgets:\n  production:\n    max_size: -5MB\n",
         "budgets.production.max_size: '-5MB' is not a size: it cannot be negative"),
        ("budgets:\n  production:\n    max_size: -5\n",
         "budgets.production.max_size: -5 is not a size: it cannot be negative"),
        ("budgets:\n  production:\n    max_size: 5XB\n",
         "budgets.production.max_size: '5XB' is not a size (units: B, kB, MB, GB, KiB, MiB, GiB)"),
        ("budgets:\n  production:\n    max_size: 1.5\n",
         "budgets.production.max_size: 1.5 is not a size (a size is a whole number of bytes or a number with a unit)"),
        ("budgets:\n  production:\n    max_growth: lots\n",
         "budgets.production.max_growth: 'lots' is not a size or a percentage"),
        ("budgets:\n  production:\n    max_growth: -3%\n",
         "budgets.production.max_growth: '-3%' is not a size or a percentage: it cannot be negative"),
        ("budgets:\n  production:\n    min_reduction: 120%\n",
         "budgets.production.min_reduction: '120%' is over 100%"),
        ("budgets:\n  production:\n    min_reduction: 80\n",
         "budgets.production.min_reduction: 80 is not a percentage: write it with a % sign, such as '80%'"),
        ("budgets:\n  production:\n    min_reduction: -5%\n",
         "budgets.production.min_reduction: '-5%' is not a percentage: it cannot be negative"),
        ("budgets:\n  production:\n    max_layers: many\n",
         "budgets.production.max_layers: 'many' is not an integer"),
        ("budgets:\n  production:\n    max_layers: -1\n",
         "budgets.production.max_layers: -1 is negative; it must be 0 or more"),
        ("budgets:\n  production:\n    max_sise: 1MB\n",
         "budgets.production.max_sise: unknown key; did you mean 'max_size'? known keys: max_compressed_size, "
         "max_growth, max_layers, max_size, max_wasted_bytes, max_wasted_percent, min_efficiency, min_reduction, "
         "severity"),
        ("budgets:\n  production:\n    severity: fatal\n",
         "budgets.production.severity: 'fatal' is not one of 'error', 'warning'"),
        ("budgets:\n  production:\n", "budgets.production: an empty value is not a mapping"),
        ("budgets: [production]\n", "budgets: ['production'] is not a mapping"),
        ("dockerfile: Dockerfile\n",
         "dockerfile: unknown key; did you mean 'dockerfiles'? known keys: budgets, checks, dockerfiles, review"),
        ("dockerfiles: Dockerfile\n", "dockerfiles: 'Dockerfile' is not a list"),
        ("dockerfiles: []\n", "dockerfiles: must not be empty"),
        ("dockerfiles:\n  - context: .\n", "dockerfiles[0]: 'file' is required"),
        ("dockerfiles:\n  - file: a\n    build_args: {V: 3.10}\n",
         "dockerfiles[0].build_args.V: 3.1 is not a string or an integer "
         "(quote it: YAML reads 3.10 as the number 3.1)"),
        ("dockerfiles:\n  - file: a\n    build_args: {1V: x}\n",
         "dockerfiles[0].build_args: '1V' is not a valid build argument name"),
        ("dockerfiles:\n  - file: a\n    targets: [x, x]\n", "dockerfiles[0].targets: lists the same name twice"),
        ("dockerfiles:\n  - file: a\n    tester: ''\n", "dockerfiles[0].tester: must not be empty"),
        ("dockerfiles:\n  - file: a\n    platform: x\n",
         "dockerfiles[0].platform: unknown key; known keys: baseline_image, build_args, builder_stage, context, file, "
         "production, "
         "targets, tester"),
        ("dockerfiles:\n  - file: /srv/Dockerfile\n",
         "dockerfiles[0].file: '/srv/Dockerfile' is outside the repository; paths are relative to its root"),
        ("dockerfiles:\n  - file: Dockerfile\n    context: ../other\n",
         "dockerfiles[0].context: '../other' is outside the repository; paths are relative to its root"),
        ("dockerfiles:\n  - file: a/Dockerfile\n  - file: ./a/Dockerfile\n",
         "dockerfiles[1].file: a/Dockerfile is already listed as dockerfiles[0]; list each Dockerfile once"),
        ("checks: [x]\n", "checks: expected a mapping of check id to severity, got list"),
        ("checks:\n  helthcheck: error\n", "checks.helthcheck: unknown check (did you mean healthcheck?)"),
        ("- Dockerfile\n", "(top level): ['Dockerfile'] is not a mapping"),
    ],
)
def test_each_bad_input_is_one_line_naming_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source=".ci-optimizer.yml")
    assert caught.value.one_line() == f".ci-optimizer.yml: {message}"
    assert caught.value.exit_code == EXIT_ERROR


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budgets:\n  production: {}\n  production: {}\n", "c.yml:3: invalid YAML: duplicate key 'production'"),
        ("budgets:\n  production: {max_size: [\n",
         "c.yml:3: invalid YAML: expected the node content, but found '<stream end>'"),
        ("budgets:\n\tproduction: {}\n", "c.yml:2: invalid YAML: found character '\\t' that cannot start any token"),
    ],
)
def test_broken_yaml_names_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="c.yml")
    assert caught.value.one_line() == message


def test_the_first_error_in_key_order_is_reported() -> None:
    text = "budgets:\n  z:\n    max_size: x\n  a:\n    max_layers: y\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="c.yml")
    assert caught.value.one_line() == "c.yml: budgets.a.max_layers: 'y' is not an integer"


def test_load_finds_the_file_at_the_root_or_falls_back_to_defaults(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    assert load_config(None, root=tmp_path) == Config()
    (tmp_path / ".ci-optimizer.yaml").write_text("budgets:\n  '*': {max_layers: 3}\n")
    found = load_config(None, root=tmp_path)
    assert found.source == str(tmp_path / ".ci-optimizer.yaml")
    assert found.budgets == (Budget(target="*", max_layers=3),)
    (tmp_path / ".ci-optimizer.yml").write_text("budgets: {}\n")
    assert find_config(tmp_path) == tmp_path / ".ci-optimizer.yml"


def test_an_explicit_path_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing, root=tmp_path)
    assert caught.value.one_line() == f"{missing}: config file not found"


def test_the_shipped_schema_is_a_valid_json_schema_and_prints_as_json() -> None:
    jsonschema.Draft202012Validator.check_schema(config_schema())
    assert json.loads(schema_text()) == config_schema()
    assert config_schema()["additionalProperties"] is False
    assert config_schema()["properties"]["checks"] == CHECKS_CONFIG_SCHEMA  # the checklist's own fragment


def test_review_can_be_switched_off_in_the_config() -> None:
    assert parse_config("review: false\n").review is False
    assert parse_config("budgets: {}\n").review is True
