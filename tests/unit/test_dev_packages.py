"""devDependencies measured from npm's hidden lockfile (judge/dev_packages.py), through find_causes."""

from __future__ import annotations

import json

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.judge.causes import CauseInputs, find_causes
from ci_optimizer.judge.dev_packages import dev_directories, package_of
from ci_optimizer.measure.stacking import stack_layers
from ci_optimizer.measure.summary import FILE, LINK, WHITEOUT
from tests.unit.test_causes import layer

LOCK = json.dumps({"lockfileVersion": 3, "packages": {
    "": {"name": "app"},
    "node_modules/ms": {"version": "2.1.3"},
    "node_modules/semver": {"version": "7.6.3", "dev": True},
    "node_modules/@types/node": {"version": "20.0.0", "dev": True},
    "node_modules/ms/node_modules/jest": {"version": "1.0.0", "dev": True},
    "node_modules/opt": {"version": "1.0.0", "devOptional": True},
    "node_modules/linked": {"resolved": "packages/linked", "link": True, "dev": True},
}}).encode()
DEV_FILES = (("/app/node_modules/semver/index.js", FILE, 60_000),
             ("/app/node_modules/semver/bin/semver.js", FILE, 9_000),
             ("/app/node_modules/@types/node/index.d.ts", FILE, 20_000),
             ("/app/node_modules/ms/node_modules/jest/x.js", FILE, 5_000))
PROD_FILES = (("/app/node_modules/ms/index.js", FILE, 3_000), ("/app/node_modules/opt/o.js", FILE, 8_000),
              ("/app/node_modules/.bin/semver", LINK, 0), ("/app/package.json", FILE, 200))
DOCKERFILE = """\
FROM node AS production
WORKDIR /app
{install}
CMD ["node", "server.js"]
"""


def _causes(install: str, *, pruned: bool = False) -> list[tuple[str, int | None, int, str | None, str]]:
    return [(c.kind, c.line, c.bytes, c.suggestion, c.fix) for c in find_causes(_inputs(install, pruned=pruned))
            if c.kind == "dev-dependencies"]


def _inputs(install: str, *, pruned: bool = False) -> CauseInputs:
    text = DOCKERFILE.format(install=install)
    lines = 3 + install.count("\n")
    layers = [
        layer(("/usr/local/bin/node", FILE, 90_000_000)),
        layer(*DEV_FILES, *PROD_FILES, ("/app/node_modules/.package-lock.json", FILE, len(LOCK)),
              kept=(("/app/node_modules/.package-lock.json", LOCK),)),
    ]
    line_of = [None, 3]
    if pruned:  # a later RUN deleted the dev packages: nothing visible, and the lockfile rewritten
        layers.append(layer(*((path, WHITEOUT, 0) for path, _k, _s in DEV_FILES)))
        line_of.append(lines + 1)
    return CauseInputs(model=parse_dockerfile(text), layers=layers, lines=line_of, base_layers=1,
                       stacked=stack_layers(layers), text=tuple(text.splitlines()))


def test_the_lockfile_names_the_dev_packages_and_paths_find_their_innermost_package() -> None:
    assert dev_directories(LOCK) == {"node_modules/semver", "node_modules/@types/node",
                                     "node_modules/ms/node_modules/jest"}
    assert dev_directories(b"not json") == dev_directories(b"[]") == dev_directories(b'{"packages": 3}') == set()
    assert package_of("node_modules/semver/bin/semver.js") == "node_modules/semver"
    assert package_of("node_modules/@types/node/index.d.ts") == "node_modules/@types/node"
    assert package_of("node_modules/ms/node_modules/jest/x.js") == "node_modules/ms/node_modules/jest"
    assert package_of("src/node_modules") == package_of("package.json") == ""


def test_dev_packages_visible_in_production_cost_their_bytes_with_the_exact_fix() -> None:
    install = "RUN npm ci && npm cache clean --force"
    assert _causes(install) == [("dev-dependencies", 3, 94_000, "RUN npm ci --omit=dev && npm cache clean --force",
                                 "install the production dependencies only: `npm ci --omit=dev`")]
    (cause,) = [c for c in find_causes(_inputs(install)) if c.kind == "dev-dependencies"]
    assert cause.message == ("devDependencies in production: 3 packages, 94 kB written by line 3: semver (69 kB), "
                             "@types/node (20 kB), jest (5 kB)")
    assert cause.paths == ("/app/node_modules/semver", "/app/node_modules/@types/node",
                           "/app/node_modules/ms/node_modules/jest")


def test_a_later_build_step_makes_the_fix_advice_not_a_suggestion() -> None:
    (cause,) = _causes("RUN npm install\nRUN npm run build")
    assert cause[:4] == ("dev-dependencies", 3, 94_000, None)
    assert cause[4].startswith("a later step builds or tests with them: do that in a builder stage, then "
                               "`npm prune --omit=dev`")


def test_a_copy_from_a_builder_is_told_to_prune_there_and_a_context_copy_is_left_to_context_junk() -> None:
    (cause,) = _causes("COPY --from=deps /app/node_modules ./node_modules")
    assert cause[:4] == ("dev-dependencies", 3, 94_000, None)
    assert cause[4].startswith("prune them where they are installed (`npm prune --omit=dev` in stage 'deps')")
    assert _causes("COPY . .") == []


def test_dev_packages_deleted_later_are_not_counted_here() -> None:
    assert _causes("RUN npm ci", pruned=True) == []
