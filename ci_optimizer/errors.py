"""One exception hierarchy; `cli.main` is the single boundary that maps it to exit codes.

Exit codes (documented in README.md):
  0  every target built, the tests passed and no error-severity budget failed
  1  a target failed to build, the tests failed or a budget was exceeded (a result, not an exception)
  2  usage, config, Dockerfile or environment error
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2


class CiOptimizerError(Exception):
    """Base of every error the tool reports as one line and exit code 2."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def one_line(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return " ".join(text.split())


class UsageError(CiOptimizerError):
    """Bad command-line arguments, unknown target names."""


class ConfigError(CiOptimizerError):
    """The config file is unreadable or invalid; `location` is `file: key.path`."""


class DockerfileError(CiOptimizerError):
    """The Dockerfile is missing, unreadable or does not parse; `location` is `file:line`."""


class EngineError(CiOptimizerError):
    """The Docker engine or buildx cannot be reached or refused an operation."""


class GitError(CiOptimizerError):
    """A git command failed (unknown ref, no merge base, not a repository)."""


class GitHubError(CiOptimizerError):
    """The GitHub API refused or failed a request after retries; `location` names the endpoint."""


class RegistryError(CiOptimizerError):
    """A registry image could not be read: unreachable, unknown tag, refused, no such platform, malformed."""


class CommandError(CiOptimizerError):
    """A subprocess failed; carries the command, exit code and output tail."""

    def __init__(self, message: str, *, argv: tuple[str, ...], returncode: int, output: str) -> None:
        super().__init__(message)
        self.argv = argv
        self.returncode = returncode
        self.output = output


def dockerfile_location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def describe_error(exc: BaseException) -> tuple[str, int]:
    """One line and an exit code for anything that ends a run: ours, an interrupt, or a bug of ours."""
    if isinstance(exc, CiOptimizerError):
        return exc.one_line(), exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", 130
    return (f"internal error: {type(exc).__name__}: {exc} "
            "(set CI_OPTIMIZER_DEBUG=1 for the traceback, and please report it)", EXIT_ERROR)
