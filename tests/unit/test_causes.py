"""The cause detectors on layers written to trigger them (judge/causes.py, judge/recommends.py)."""

from __future__ import annotations

from array import array

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.judge.causes import CauseInputs, find_causes
from ci_optimizer.judge.recommends import installs_recommends, recommended_only
from ci_optimizer.measure.compress import Compressed
from ci_optimizer.measure.stacking import stack_layers
from ci_optimizer.measure.summary import FILE, WHITEOUT, LayerSummary


def layer(*entries: tuple[str, int, int], kept: tuple[tuple[str, bytes], ...] = ()) -> LayerSummary:
    return LayerSummary(
        diff_id="", tar_bytes=0, compressed=Compressed(bytes=0, exact=True),
        paths=tuple(e[0] for e in entries), kinds=bytes(e[1] for e in entries),
        sizes=array("q", [e[2] for e in entries]), mtimes=array("q", [0] * len(entries)),
        metas=array("q", [0] * len(entries)), kept=kept,
    )


def stanza(name: str, kib: int, depends: str = "", extra: str = "") -> str:
    deps = f"Depends: {depends}\n" if depends else ""
    return f"Package: {name}\nStatus: install ok installed\nInstalled-Size: {kib}\n{deps}{extra}\n"


BASE_STATUS = stanza("libc6", 12000)
CURL_STATUS = BASE_STATUS + stanza("curl", 500, "libcurl4 (>= 7.88), libc6") + stanza(
    "libcurl4", 1000, "libc6 (>= 2.34)") + stanza("ca-certificates", 400, "openssl (>= 1.1.1), debconf | debconf-2.0",
                                                   "Recommends: publicsuffix\n") + stanza("openssl", 2000, "libc6")
AUTO = b"".join(f"Package: {n}\nArchitecture: amd64\nAuto-Installed: 1\n\n".encode()
                for n in ("libcurl4", "ca-certificates", "openssl"))
DOCKERFILE = """\
FROM base AS production
RUN apt-get update && apt-get install -y curl
COPY . /app
RUN pip install -r /app/req.txt
RUN rm -rf /app/.git
"""


def _inputs(dockerfile: str = DOCKERFILE) -> CauseInputs:
    layers = [
        layer(("/bin/sh", FILE, 1000), kept=(("/var/lib/dpkg/status", BASE_STATUS.encode()),)),
        layer(("/var/lib/apt/lists/deb_Packages", FILE, 50_000), ("/usr/bin/curl", FILE, 200_000),
              kept=(("/var/lib/apt/extended_states", AUTO), ("/var/lib/dpkg/status", CURL_STATUS.encode()))),
        layer(("/app/.git/objects/p", FILE, 300_000), ("/app/main.py", FILE, 5_000)),
        layer(("/root/.cache/pip/http/x", FILE, 30_000), ("/usr/include/python3.11/Python.h", FILE, 10_000)),
        layer(("/app/.git", WHITEOUT, 0)),
    ]
    return CauseInputs(model=parse_dockerfile(dockerfile), layers=layers, lines=(None, 2, 3, 4, 5), base_layers=1,
                       stacked=stack_layers(layers), text=tuple(dockerfile.splitlines()))


def test_each_detector_measures_its_bytes_on_its_line_with_the_exact_fix() -> None:
    causes = find_causes(_inputs())
    assert [(c.kind, c.line, c.other_line, c.bytes, c.suggestion) for c in causes] == [
        ("no-install-recommends", 2, None, 2_457_600,
         "RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*"),
        ("context-junk", 3, None, 300_000, None),
        ("shadowed", 3, 5, 300_000, None),
        ("package-cache", 2, None, 50_000,
         "RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*"),
        ("package-cache", 4, None, 30_000, "RUN pip install --no-cache-dir -r /app/req.txt"),
        ("dev-toolchain", 4, None, 10_000, None),
    ]
    recommends = causes[0]
    assert recommends.message == (
        "apt-get install without --no-install-recommends: 2 packages installed only as recommendations, 2.46 MB by "
        "dpkg's Installed-Size (what their maintainer scripts write comes on top): openssl (2.05 MB), "
        "ca-certificates (410 kB)")
    assert causes[1].fix == "add `.git` to .dockerignore"
    assert causes[4].paths == ("/root/.cache/pip/http/x",)


def test_no_recommends_cause_when_the_run_turns_them_off() -> None:
    fixed = DOCKERFILE.replace("install -y curl", "install -y --no-install-recommends curl")
    kinds = [(c.kind, c.suggestion) for c in find_causes(_inputs(fixed)) if c.line == 2]
    assert kinds == [("package-cache", "RUN apt-get update && apt-get install -y --no-install-recommends curl "
                                        "&& rm -rf /var/lib/apt/lists/*")]


def _run(text: str) -> Instruction:
    return parse_dockerfile(f"FROM x\n{text}\n").stages[0].instructions[-1]


def test_which_runs_install_recommends() -> None:
    assert installs_recommends(_run("RUN apt-get update && apt-get install -y curl"))
    assert installs_recommends(_run("RUN apt-get -q install curl"))
    assert installs_recommends(_run("RUN apt install curl"))
    assert installs_recommends(_run("RUN apt-get install --no-install-recommends a && apt-get install b"))
    assert not installs_recommends(_run("RUN apt-get install -y --no-install-recommends curl"))
    assert not installs_recommends(_run("RUN apt-get -o APT::Install-Recommends=false install curl"))
    assert not installs_recommends(_run("RUN apt-get update"))
    assert not installs_recommends(_run("COPY apt-get-install.sh /"))


def test_recommended_only_follows_depends_provides_and_alternatives() -> None:
    before = stanza("libc6", 100).encode()
    after = (stanza("libc6", 100) + stanza("app", 10, "libfoo | libbar, mail-transport-agent")
             + stanza("libfoo", 20, "", "Pre-Depends: libpre\n") + stanza("libpre", 30)
             + stanza("exim", 40, "", "Provides: mail-transport-agent\n")
             + stanza("docs", 50, "libdocs") + stanza("libdocs", 60)
             + "Package: gone\nStatus: deinstall ok config-files\nInstalled-Size: 999\n\n").encode()
    auto = b"".join(f"Package: {n}\nAuto-Installed: 1\n\n".encode() for n in ("libfoo", "libpre", "exim", "docs",
                                                                                  "libdocs"))
    found = recommended_only(before, after, auto)
    assert found is not None
    assert found.packages == (("libdocs", 61_440), ("docs", 51_200))
    assert found.bytes == 112_640


def test_recommended_only_says_nothing_when_it_cannot_tell() -> None:
    after = (stanza("libc6", 100) + stanza("curl", 10)).encode()
    assert recommended_only(None, after, None) is None  # no extended_states: asked and pulled look alike
    assert recommended_only(None, after, b"Package: curl\nAuto-Installed: 1\n\nPackage: libc6\nAuto-Installed: 1\n") \
        is None  # nothing asked for: an upgrade, or a metapackage removed
    assert recommended_only(after, after, b"") is None  # nothing new
