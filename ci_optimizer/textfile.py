"""Reading and writing a text file the user named, with one-line errors that name it."""

from __future__ import annotations

from pathlib import Path

from ci_optimizer.errors import CiOptimizerError


def read_text(path: str | Path, *, what: str, error: type[CiOptimizerError]) -> str:
    """The file's UTF-8 text; `error("<what> not found")` or `error("cannot read the <what>: ...")`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} not found", location=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read the {what}: {exc}", location=str(path)) from None


def write_text(path: Path, text: str, *, what: str, error: type[CiOptimizerError]) -> None:
    """Write UTF-8 text, making the parent directories; `error("cannot write the <what>: ...")`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot write the {what}: {exc.strerror or exc}", location=str(path)) from None
