"""Reading BuildKit's plain progress output (`--progress plain`), as `docker buildx bake` prints it.

Vertex lines look like::

    #10 [production builder 2/5] RUN make          <- bake target, stage, step
    #10 0.350 compiler output                      <- a log line of vertex 10
    #10 CACHED | #10 DONE 0.4s | #10 ERROR: ... | #10 CANCELED
    #15 [builder] exporting to image
    #15 writing image sha256:93882c... done

Pure: the caller feeds lines with the time it read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"^#(\d+) (.*)$")
_HEADER = re.compile(r"^\[(?P<prefix>[^\]]*)\] (?P<name>.*)$")
# bake prefixes steps with its target name; with a single target it prints `[stage 2/5]` as `build` does
_STEP = re.compile(r"^(?:(?P<target>\S+) )?(?P<stage>\S+) (?P<step>\d+)/(?P<steps>\d+)$")
_LOG = re.compile(r"^\d+\.\d+ (.*)$")
_NAMING = re.compile(r"naming to (\S+)")
_LOADING = ("exporting to docker image format", "exporting to oci image format", "importing to docker")


@dataclass
class Vertex:
    number: int
    name: str = ""
    bake_target: str | None = None  # first word of the prefix
    stage: str | None = None  # stage name for Dockerfile steps
    step: str | None = None  # "2/5"
    started: float | None = None
    finished: float | None = None
    cached: bool = False
    error: str | None = None
    canceled: bool = False
    export_of: str | None = None  # bake target named in the export vertex's header ("" when none is)
    named: list[str] = field(default_factory=list)  # references this export vertex tagged
    logs: list[str] = field(default_factory=list)

    @property
    def is_step(self) -> bool:
        return self.stage is not None and self.step is not None


@dataclass
class BuildProgress:
    vertices: dict[int, Vertex] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # top-level `ERROR: ...` lines

    def feed(self, line: str, now: float) -> None:
        line = line.rstrip("\r\n")
        if line.startswith("ERROR: ") or line.startswith("ERROR "):
            self.errors.append(line)
            return
        match = _LINE.match(line)
        if not match:
            return
        vertex = self.vertices.setdefault(int(match.group(1)), Vertex(number=int(match.group(1))))
        body = match.group(2)
        if vertex.started is None:
            vertex.started = now
        header = _HEADER.match(body)
        if header:
            _name(vertex, header.group("prefix"), header.group("name"))
        elif not vertex.name and not _LOG.match(body):
            _name(vertex, "", body)  # a vertex with no prefix, e.g. `#9 exporting to image`
        elif body == "CACHED":
            vertex.cached = True
            vertex.finished = now
        elif body.startswith("DONE"):
            vertex.finished = now
        elif body == "CANCELED":
            vertex.canceled = True
            vertex.finished = now
        elif body.startswith("ERROR"):
            vertex.error = body.partition(":")[2].strip() or body
            vertex.finished = now
        else:
            naming = _NAMING.search(body)
            if naming and vertex.export_of is not None:
                vertex.named.append(normalize_reference(naming.group(1)))
            log = _LOG.match(body)
            vertex.logs.append(log.group(1) if log else body)

    def steps(self) -> list[Vertex]:
        return [v for v in self.vertices.values() if v.is_step]

    def exported(self) -> dict[str, float]:
        """Image reference -> time its export finished, for every image BuildKit tagged in this run.

        One export vertex may write several targets' images (when all of them came from cache),
        and it prints the `writing image` and `naming to` lines of parallel exports in any order,
        so the output says only which references were tagged: the caller asks the engine what
        image each reference now names.
        """
        found = {}
        for v in self.vertices.values():
            if v.export_of is not None and v.finished is not None and not v.error and not v.canceled:
                for reference in v.named:
                    found[reference] = v.finished
        return found

    def load_seconds(self) -> float:
        """Wall time spent moving images out of a builder that does not store them in the engine
        (`docker-container`, `kubernetes`, `remote` drivers with `--load`): the tarball export and
        the engine's import, overlapping intervals counted once. 0 for the `docker` driver."""
        spans = sorted((v.started, v.finished) for v in self.vertices.values()
                       if v.name.startswith(_LOADING) and v.started is not None and v.finished is not None)
        total, reach = 0.0, float("-inf")
        for start, end in spans:
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return round(total, 3)

    def failed(self) -> list[Vertex]:
        return [v for v in self.vertices.values() if v.error]


def _name(vertex: Vertex, prefix: str, name: str) -> None:
    if vertex.name:
        return  # a vertex is named once; repeats after `...` interleaving carry the same header
    vertex.name = name
    words = prefix.split()
    step = _STEP.match(prefix)
    if step:
        vertex.bake_target = step.group("target")
        vertex.stage, vertex.step = step.group("stage"), f"{step.group('step')}/{step.group('steps')}"
        return
    vertex.bake_target = words[0] if words and words[0] != "internal" else None
    if len(words) <= 1 and name.startswith("exporting to "):
        vertex.export_of = words[0] if words else ""


def normalize_reference(reference: str) -> str:
    """`docker.io/library/x:1` and `docker.io/org/x:1` as users write them: `x:1`, `org/x:1`."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference
