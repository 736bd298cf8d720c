from __future__ import annotations

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.judge.checks.shell import Command, Install, commands, installs


def run_commands(run: str) -> list[tuple[str, ...]]:
    ins = parse_dockerfile(f"FROM a\n{run}\n").stages[0].instructions[0]
    return [c.words for c in commands(ins)]


def test_splits_and_lists_pipes_and_continuations() -> None:
    assert run_commands("RUN set -eux; apt-get update \\\n && apt-get install -y gcc | tee log || true") == [
        ("set", "-eux"), ("apt-get", "update"), ("apt-get", "install", "-y", "gcc"), ("tee", "log"), ("true",),
    ]


def test_quotes_keep_separators_inside_words() -> None:
    assert run_commands("RUN sh -c 'a && b' && echo \"x;y\"") == [("sh", "-c", "a && b"), ("echo", "x;y")]


def test_exec_form_and_heredoc_body() -> None:
    assert run_commands('RUN ["npm", "ci", "--omit=dev"]') == [("npm", "ci", "--omit=dev")]
    assert run_commands("RUN <<EOF\napk add gcc\nnpm ci\nEOF") == [("apk", "add", "gcc"), ("npm", "ci")]


def test_env_prefixes_and_wrappers_are_not_the_program() -> None:
    ins = parse_dockerfile("FROM a\nRUN NODE_ENV=production sudo -E npm ci\n").stages[0].instructions[0]
    assert commands(ins) == (Command(words=("npm", "ci"), env=(("NODE_ENV", "production"),)),)


def test_unbalanced_quotes_fall_back_to_plain_words() -> None:
    assert run_commands("RUN echo 'oops && apt-get install git") == [("echo", "'oops"), ("apt-get", "install", "git")]


def test_flags() -> None:
    command = Command(words=("npm", "ci", "--omit=dev", "-yq", "--only", "prod"))
    assert [command.has_flag(name) for name in ("--omit", "-q", "-x")] == [True, True, False]
    assert command.flag_values("--omit") == ("dev",)
    assert command.flag_values("--only") == ("prod",)


def test_installs_skip_option_values_and_strip_pins() -> None:
    apt = Command(words=("apt-get", "install", "-y", "-o", "Dpkg::Options::=--force-confold", "gcc=4:12.2",
                         "git/bookworm-backports", "$EXTRA"))
    assert installs(apt) == Install(manager="apt", packages=("gcc", "git"))
    apk = Command(words=("apk", "add", "--no-cache", "--virtual", ".build-deps", "build-base", "musl-dev=1.2"))
    assert installs(apk) == Install(manager="apk", packages=("build-base", "musl-dev"))
    pip = Command(words=("python3", "-m", "pip", "install", "-r", "requirements.txt", "Flask==3.0", "-e", ".", "."))
    assert installs(pip) == Install(manager="pip", packages=("flask",))
    assert installs(Command(words=("dnf", "install", "-y", "git"))) == Install(manager="yum", packages=("git",))
    assert installs(Command(words=("apt-get", "update"))) is None
    assert installs(Command(words=("npm", "install", "express"))) is None
