from __future__ import annotations

import pytest

from ci_optimizer.dockerfile.parse import expand, parse_dockerfile, read_dockerfile
from ci_optimizer.errors import DockerfileError


def test_named_stages_and_their_sources() -> None:
    model = parse_dockerfile(
        "ARG BASE=python:3.12-slim\n"
        "FROM $BASE AS Builder\n"
        "RUN make\n"
        "FROM builder AS tester\n"
        "RUN make test\n"
        "FROM ${BASE} AS production\n"
        "COPY --from=BUILDER /out /app\n"
    )
    assert [s.name for s in model.stages] == ["builder", "tester", "production"]
    assert [s.base for s in model.stages] == ["python:3.12-slim", "builder", "python:3.12-slim"]
    assert [s.line for s in model.stages] == [2, 4, 6]
    assert model.stages[1].parent == 0
    assert model.stages[2].parent is None
    assert model.stages[2].needs == (0,)
    assert model.global_args == {"BASE": "python:3.12-slim"}


def test_build_arg_overrides_the_global_default_in_from() -> None:
    model = parse_dockerfile("ARG BASE=python:3.12\nFROM ${BASE}-slim\n", build_args={"BASE": "local/py:1"})
    assert model.stages[0].base == "local/py:1-slim"
    assert model.stages[0].base_raw == "${BASE}-slim"


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:+y}", {"A": "1"}, "y"),
        ("${A:+y}", {"A": ""}, ""),
        ("${A+y}", {"A": ""}, "y"),
        ("$A/$B", {"A": "a", "B": "b"}, "a/b"),
        ("\\$A", {"A": "a"}, "$A"),
        ("$UNSET", {}, ""),
    ],
)
def test_expand(text: str, env: dict[str, str], expected: str) -> None:
    assert expand(text, env) == expected


def test_unnamed_stages_copy_from_index_and_external_images() -> None:
    model = parse_dockerfile(
        "FROM alpine\nRUN echo > /a\n"
        "FROM alpine\nCOPY --from=0 /a /a\nCOPY --from=nginx:1 /etc/nginx /etc/nginx\n"
    )
    assert [s.target_name for s in model.stages] == ["stage-0", "stage-1"]
    assert model.stages[1].needs == (0,)
    assert model.stages[1].external_sources == ("nginx:1",)
    assert model.buildable(model.stages[1])
    assert not model.buildable(model.stages[0])


def test_run_mount_from_is_a_dependency() -> None:
    model = parse_dockerfile(
        "FROM alpine AS deps\nRUN echo\n"
        "FROM alpine AS app\nRUN --mount=type=bind,from=deps,source=/x,target=/y cp /y /z\n"
    )
    assert model.stages[1].needs == (0,)
    assert model.dependencies(1) == (0, 1)


def test_dependencies_follow_parents_and_copies_transitively() -> None:
    model = parse_dockerfile(
        "FROM a AS one\nFROM one AS two\nFROM b AS three\nCOPY --from=two /x /x\nFROM c AS four\n"
    )
    assert model.dependencies(2) == (0, 1, 2)
    assert model.dependencies(3) == (3,)
    assert model.root_base(1) == "a"
    assert [s.name for s in model.chain(1)] == ["one", "two"]
    assert [s.name for s in model.chain(3)] == ["four"]


def test_heredocs_and_line_continuations_keep_their_lines() -> None:
    model = parse_dockerfile(
        "# syntax=docker/dockerfile:1.7\n"
        "FROM alpine AS build\n"
        "RUN <<EOF\n"
        "echo one\n"
        "echo two\n"
        "EOF\n"
        "RUN apk add \\\n"
        "      curl \\\n"
        "      git\n"
        "COPY --chmod=0755 --link a /a\n"
    )
    run_heredoc, run_continued, copy = model.stages[0].instructions
    assert (run_heredoc.line, run_heredoc.end_line) == (3, 6)
    assert (run_continued.line, run_continued.end_line) == (7, 9)
    assert copy.flag("chmod") == "0755"
    assert copy.flags == ("--chmod=0755", "--link")
    assert model.syntax == "docker/dockerfile:1.7"


def test_escape_directive_is_honoured() -> None:
    model = parse_dockerfile("# escape=`\nFROM mcr.microsoft.com/windows AS w\nRUN dir `\n  c:\\\n")
    (run,) = model.stages[0].instructions
    assert (run.line, run.end_line) == (3, 4)
    assert model.syntax is None


def test_platform_flag_is_expanded() -> None:
    model = parse_dockerfile("ARG P=linux/arm64\nFROM --platform=$P alpine\n")
    assert model.stages[0].platform == "linux/arm64"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM alpine\nFOO bar\n", "Dockerfile:2: unknown instruction: FOO"),
        ("RUN echo\nFROM alpine\n", "Dockerfile:1: RUN before the first FROM (only ARG may come first)"),
        ("ARG A=1\n", "Dockerfile: no stages: the Dockerfile has no FROM instruction"),
        ("\n# only a comment\n", "Dockerfile: no stages: the Dockerfile has no FROM instruction"),
        ("FROM a AS x\nFROM b AS X\n", "Dockerfile:2: duplicate stage name 'x'"),
        ("FROM $NOPE\n", "Dockerfile:1: FROM $NOPE expands to an empty image name (ARG NOPE is empty or not "
                          "declared above the first FROM)"),
        ("FROM a\nCOPY --from=1 /a /a\nFROM b\n",
         "Dockerfile:2: --from=1 refers to stage 1, which is not defined before this one"),
        ("FROM a\nENV\n", "Dockerfile:2: ENV requires at least one argument"),
        ("FROM a b c d\n", "Dockerfile:1: FROM takes an image and an optional `AS name`"),
        ("FROM a\nRUN <<EOF\necho\n", "Dockerfile:2: syntax error: unterminated heredoc"),
    ],
)
def test_bad_dockerfiles_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile(text)
    assert caught.value.one_line() == message


def test_missing_file_is_named(tmp_path: object) -> None:
    with pytest.raises(DockerfileError) as caught:
        read_dockerfile("/nonexistent/Dockerfile")
    assert caught.value.one_line() == "/nonexistent/Dockerfile: Dockerfile not found"
