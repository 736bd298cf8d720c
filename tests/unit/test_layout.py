"""The package layout's rules (CONTRIBUTING.md, "How it fits together"), enforced.

The core (Dockerfile model, planning, measurement maths, comparison, judging, rendering) is pure:
it imports no adapter, and loading it loads no docker, HTTP or subprocess code. Only the spine
(pipeline/), the wiring and the edges (cli/, github/) put the two together.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ci_optimizer"

CORE = ("errors", "sizes", "textfile", "config", "model", "ports", "dockerfile", "plan", "measure", "compare",
        "judge", "report", "builders.progress")
ADAPTERS = ("adapters", "builders.buildx", "builders.classic")
SPINE = ("pipeline", "wiring")
EDGES = ("cli", "github", "__main__")
# What each layer may import from ci_optimizer (by the same prefixes).
ALLOWED = {
    "core": CORE,
    "adapters": (*CORE, *ADAPTERS),
    "spine": (*CORE, *ADAPTERS, *SPINE),
    "edges": (*CORE, *SPINE, *EDGES, "adapters"),
}
IMPURE = ("docker", "requests", "urllib3", "github", "subprocess", "http.client")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer_of(name: str) -> str:
    if name == "builders":
        return "core"  # the package's __init__: a docstring, no imports
    for layer, prefixes in (("core", CORE), ("adapters", ADAPTERS), ("spine", SPINE), ("edges", EDGES)):
        if within(name, prefixes):
            return layer
    raise AssertionError(f"ci_optimizer.{name} belongs to no layer: add it to tests/unit/test_layout.py")


MODULES = sorted(module_name(p) for p in PACKAGE.rglob("*.py") if module_name(p) != "__init__")


def imports_of(name: str) -> list[str]:
    """ci_optimizer modules `name` imports, at any depth of its code (lazy imports count too)."""
    path = PACKAGE / (name.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE / name.replace(".", "/") / "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ci_optimizer"):
            base = node.module.removeprefix("ci_optimizer").lstrip(".")
            found += [f"{base}.{a.name}".lstrip(".") if not base or (PACKAGE / base.replace(".", "/")).is_dir()
                      else base for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name.removeprefix("ci_optimizer.") for a in node.names if a.name.startswith("ci_optimizer.")]
    return [f for f in found if f != "__version__"]


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_only_what_its_layer_may(name: str) -> None:
    layer = layer_of(name)
    wrong = [i for i in imports_of(name) if not within(i, ALLOWED[layer])]
    assert wrong == [], f"ci_optimizer.{name} ({layer}) imports {wrong}"


def test_no_two_modules_share_a_name_and_none_shadows_the_stdlib() -> None:
    stems = [p.stem for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__")]
    assert sorted({s for s in stems if stems.count(s) > 1}) == []
    assert sorted(set(stems) & sys.stdlib_module_names) == []


def test_no_module_is_over_300_lines() -> None:
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}


def test_the_core_reads_no_environment() -> None:
    readers = [module_name(p) for p in PACKAGE.rglob("*.py")
               if within(module_name(p), CORE) and ("os.environ" in p.read_text() or "getenv" in p.read_text())]
    assert readers == []


def loaded_after(code: str) -> set[str]:
    """Top-level modules loaded by `code` in a fresh interpreter."""
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(done.stdout.splitlines()[-1]))


CORE_MODULES = [m for m in MODULES if layer_of(m) == "core"]


def test_importing_the_whole_core_loads_no_docker_http_or_subprocess() -> None:
    code = "\n".join(f"import ci_optimizer.{m}" for m in CORE_MODULES)
    impure = sorted(loaded_after(code) & {i.split(".")[0] for i in IMPURE})
    assert impure == []


@pytest.mark.parametrize("name", ["model.results", "dockerfile.parse", "plan.prepare", "measure.stacking",
                                  "compare.deltas", "judge.budgets", "judge.checks.registry", "report.markdown",
                                  "report.sarif", "config", "ports"])
def test_each_step_alone_loads_no_docker_http_or_subprocess(name: str) -> None:
    assert sorted(loaded_after(f"import ci_optimizer.{name}") & {i.split(".")[0] for i in IMPURE}) == []


def test_help_loads_no_docker() -> None:
    code = ("from ci_optimizer.cli.main import main\n"
            "import io, contextlib\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "    try:\n        main(['run', '--help'])\n    except SystemExit:\n        pass\n"
            "    try:\n        main(['plan', '--help'])\n    except SystemExit:\n        pass")
    loaded = loaded_after(code)
    assert "ci_optimizer" in loaded
    assert sorted(loaded & {"docker", "requests", "urllib3", "github"}) == []


def test_plan_loads_no_docker(tmp_path: Path) -> None:
    """`ci-optimizer plan` needs no engine: planning a real file loads no docker, HTTP or subprocess code."""
    (tmp_path / "Dockerfile").write_text("FROM a AS builder\nRUN make\nFROM b\nCOPY --from=builder / /\n")
    code = ("from ci_optimizer.cli.main import main\nimport io\n"
            f"assert main(['plan', '--context', {str(tmp_path)!r}], stdout=io.StringIO()) == 0")
    loaded = loaded_after(code)
    assert "ci_optimizer" in loaded
    assert sorted(loaded & {i.split(".")[0] for i in IMPURE}) == []


# The pipeline from the bottom up; a module may import its own rank or below (CONTRIBUTING.md).
RANKS = (("errors", "sizes"), ("model", "textfile"), ("dockerfile",), ("measure",), ("judge",),
         ("config", "report"), ("plan",), ("compare", "ports"), ("adapters", "builders"), ("pipeline",),
         ("wiring",), ("github",), ("cli", "__main__"))


def rank_of(name: str) -> int:
    return next(n for n, packages in enumerate(RANKS) if within(name, packages))


@pytest.mark.parametrize("name", MODULES)
def test_no_module_imports_a_package_above_its_own(name: str) -> None:
    above = [i for i in imports_of(name) if rank_of(i) > rank_of(name)]
    assert above == [], f"ci_optimizer.{name} imports {above}, above it in the pipeline"
