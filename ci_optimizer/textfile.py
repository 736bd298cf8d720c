"""Reading a text file the user named, with one-line errors that name it."""

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
