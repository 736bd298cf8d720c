"""Benchmark: what the path diff and the cause detectors add to the layer analysis (issue 14).

The issue's target: they add at most 10 % to the analysis time of the `large` fixture with a warm
base cache. Two images are built: the base is bench/fixtures/large's production, the head the
same Dockerfile with one more 24 MB layer and a changed config file (the PR). Per round, timed:
  analysis   the layer analysis as examine runs it (`read_image`, the head's tag);
  why        what `pipeline/why.py` adds after it (`explain`: history alignment, the causes on the
             real Dockerfile model, the base's summaries (shared layers from memory), the base
             stacked, the path diff, the path summary).
Two cases:
  warm base  the layer cache holds the base's layers only (the PR's case: the head's new layers are
             exported and read, each round from a cache without them);
  all cached every layer cached (a re-run): the head is not exported, the worst case for the ratio.

    .venv/bin/python bench/bench_why.py [--rounds 5] [--skip-build]

Measured (2 CPUs, Docker 20.10, --rounds 3): warm base 13.696 s + 0.304 s (2.2 %);
all cached 0.285 s + 0.390 s (137 %, most of it stacking the base).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import docker
from prerequisites import FIXTURES, require_images

from ci_optimizer.adapters.image_export import ImageLayers, base_layer_count, read_image
from ci_optimizer.adapters.images import measure
from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.measure.alignment import align_history, layer_lines
from ci_optimizer.measure.history import chain_instructions
from ci_optimizer.model.results import TargetResult
from ci_optimizer.model.step_results import BuildResult, Comparison
from ci_optimizer.pipeline.why import explain

BASE_TAG = "cio-bench-why/large:base"
HEAD_TAG = "cio-bench-why/large:head"
DISTRO = "local/debian:bookworm"
CONFIG_LINE = "RUN printf 'listen = 0.0.0.0:8080\\ndata = /srv/data\\n' > /etc/app.conf"
HEAD_LINES = ("RUN dd if=/dev/urandom of=/opt/app/plugins/p11.so bs=1M count=24 2>/dev/null\n"
              "RUN printf 'listen = 0.0.0.0:9090\\ndata = /srv/data\\n' > /etc/app.conf")


def build(scratch: Path) -> Path:
    """Both images; returns the head's Dockerfile (the base's lines up to the change are the same)."""
    large = FIXTURES / "large"
    head = scratch / "head"
    shutil.copytree(large, head)
    text = (large / "Dockerfile").read_text(encoding="utf-8")
    if CONFIG_LINE not in text:
        raise SystemExit(f"bench_why: {large / 'Dockerfile'} no longer has the line the head changes")
    (head / "Dockerfile").write_text(text.replace(CONFIG_LINE, HEAD_LINES), encoding="utf-8")
    for tag, context in ((BASE_TAG, large), (HEAD_TAG, head)):
        print(f"building {tag} ...", flush=True)
        subprocess.run(["docker", "buildx", "build", "--load", "--quiet", "--target", "production", "-t", tag,
                        str(context)], check=True, stdout=subprocess.DEVNULL)
    return head / "Dockerfile"


def target(client: Any, tag: str, model: DockerfileModel, base: TargetResult | None) -> TargetResult:
    stage = next(s for s in model.stages if s.name == "production")
    stats = measure(client, tag, instructions=chain_instructions(model, stage.index), base_image=DISTRO)
    comparison = None if base is None or base.image is None else Comparison(
        base_status="built", base_size_bytes=base.image.size_bytes,
        delta_bytes=stats.size_bytes - base.image.size_bytes, base_tag=base.tag,
        base_layer_details=base.layer_details)
    return TargetResult(name="production", dockerfile=model.path, role="production", stage_line=stage.line,
                        build=BuildResult(status="built", tag=tag), image=stats, comparison=comparison)


def why(head: TargetResult, image: ImageLayers, *, model: DockerfileModel, text: tuple[str, ...], client: Any,
        cache: Path) -> TargetResult:
    rows = align_history(image.summaries, head.layer_details)
    return explain(head, image, lines=layer_lines(rows), model=model, text=text, baseline=None, client=client,
                   cache_dir=cache, log=lambda _m: None, warnings=[])


def rounds(client: Any, head: TargetResult, *, model: DockerfileModel, text: tuple[str, ...], seed: Path,
           base_layers: int, count: int, all_cached: bool) -> tuple[list[float], list[float], TargetResult]:
    analysis, growth = [], []
    grown = head
    for _ in range(count):
        with tempfile.TemporaryDirectory() as scratch:
            cache = Path(scratch) / "layers"
            shutil.copytree(seed, cache)  # the base's layers (a cache restored from an earlier run)
            if all_cached:
                read_image(HEAD_TAG, client=client, cache_dir=cache, base_layer_count=base_layers)
            started = time.perf_counter()
            image = read_image(HEAD_TAG, client=client, cache_dir=cache, base_layer_count=base_layers,
                               base_image=DISTRO)
            analysed = time.perf_counter()
            grown = why(head, image, model=model, text=text, client=client, cache=cache)
            done = time.perf_counter()
            analysis.append(analysed - started)
            growth.append(done - analysed)
    return analysis, growth, grown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    require_images([DISTRO])
    client = docker.from_env()
    with tempfile.TemporaryDirectory() as scratch:
        dockerfile = Path(scratch) / "head" / "Dockerfile"
        if args.skip_build:
            require_images([BASE_TAG, HEAD_TAG], what="the image", fix="run once without --skip-build")
            shutil.copytree(FIXTURES / "large", dockerfile.parent)
            text = (FIXTURES / "large" / "Dockerfile").read_text(encoding="utf-8")
            dockerfile.write_text(text.replace(CONFIG_LINE, HEAD_LINES), encoding="utf-8")
        else:
            dockerfile = build(Path(scratch))
        head_model = read_dockerfile(dockerfile)
        base_model = read_dockerfile(FIXTURES / "large" / "Dockerfile")
        lines = tuple(dockerfile.read_text(encoding="utf-8").splitlines())
        base = target(client, BASE_TAG, base_model, None)
        head = target(client, HEAD_TAG, head_model, base)
        base_layers = base_layer_count(client, HEAD_TAG, DISTRO) or 0
        seed = Path(scratch) / "base-layers"
        read_image(BASE_TAG, client=client, cache_dir=seed, base_layer_count=base_layers)
        print("| case | rounds | analysis (median) | why it grew (median) | added |\n|---|--:|--:|--:|--:|")
        for label, all_cached in (("warm base", False), ("all cached", True)):
            analysis, growth, grown = rounds(client, head, model=head_model, text=lines, seed=seed,
                                             base_layers=base_layers, count=args.rounds, all_cached=all_cached)
            a, g = statistics.median(analysis), statistics.median(growth)
            print(f"| {label} | {args.rounds} | {a:.3f} s | {g:.3f} s | {100 * g / a:.1f} % |", flush=True)
    growth_ = grown.growth
    if growth_ is not None and growth_.diff is not None:
        top = ", ".join(f"{c.path} {c.delta_bytes:+,} (line {c.line})" for c in growth_.diff.changes[:3])
        print(f"\npath diff ({growth_.diff.detail}): {top}; {len(growth_.causes)} causes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
