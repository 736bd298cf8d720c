from __future__ import annotations

from pathlib import Path

import pytest

from ci_optimizer.config import Config, parse_config
from ci_optimizer.errors import UsageError
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags, runs_for

TEMPLATE = RunOptions(dockerfile=Path("Dockerfile"), context=Path("."), tag_prefix="cio-x", no_cache=True,
                      build_args={"FROM_FLAG": "1"})
MONOREPO = parse_config(
    "dockerfiles:\n"
    "  - file: services/api/Dockerfile\n    context: services/api\n    tester: check\n"
    "    build_args: {PY: '3.12', SHARED: config}\n"
    "  - file: services/web/Dockerfile\n    targets: [runtime]\n",
    source=".ci-optimizer.yml",
)


def test_without_configured_dockerfiles_the_flags_alone_decide() -> None:
    assert runs_for(Config(), Flags(), TEMPLATE) == (TEMPLATE,)


def test_each_configured_dockerfile_is_one_run_with_the_flags_build_args_on_top() -> None:
    flags = Flags(build_args={"SHARED": "flag"})
    assert runs_for(MONOREPO, flags, TEMPLATE) == (
        RunOptions(dockerfile=Path("services/api/Dockerfile"), context=Path("services/api"), tester="check",
                   build_args={"PY": "3.12", "SHARED": "flag"}, tag_prefix="cio-x", no_cache=True),
        RunOptions(dockerfile=Path("services/web/Dockerfile"), context=Path("."), targets=("runtime",),
                   build_args={"SHARED": "flag"}, tag_prefix="cio-x", no_cache=True),
    )


def test_file_picks_one_configured_dockerfile_and_stage_flags_override_it() -> None:
    flags = Flags(file=Path("./services/api/Dockerfile"), tester="unit", targets=("builder",))
    (run,) = runs_for(MONOREPO, flags, TEMPLATE)
    assert (run.dockerfile, run.context, run.tester, run.targets, dict(run.build_args)) == (
        Path("./services/api/Dockerfile"), Path("services/api"), "unit", ("builder",),
        {"PY": "3.12", "SHARED": "config"})


def test_file_not_in_the_config_is_built_on_its_own() -> None:
    (run,) = runs_for(MONOREPO, Flags(file=Path("tools/Dockerfile"), context=Path("tools")), TEMPLATE)
    assert (run.dockerfile, run.context, run.tester, run.targets) == (
        Path("tools/Dockerfile"), Path("tools"), None, ())


def test_a_stage_flag_with_several_dockerfiles_needs_file() -> None:
    with pytest.raises(UsageError) as caught:
        runs_for(MONOREPO, Flags(tester="unit"), TEMPLATE)
    assert caught.value.one_line() == (
        "--tester applies to one Dockerfile and .ci-optimizer.yml lists 2 "
        "(services/api/Dockerfile, services/web/Dockerfile); add --file to say which")


def test_one_configured_dockerfile_takes_the_flags_directly() -> None:
    config = parse_config("dockerfiles:\n  - file: app/Dockerfile\n    context: app\n    production: ship\n")
    (run,) = runs_for(config, Flags(production="final"), TEMPLATE, root=Path("/repo"))
    assert (run.dockerfile, run.context, run.production) == (
        Path("/repo/app/Dockerfile"), Path("/repo/app"), "final")
