"""Benchmark: what the path diff and the cause detectors add to the layer analysis (issue 14).

Times, with a warm layer cache (every layer summary on disk, as on a re-run or for the layers a
base shares with its head): the analysis as examine runs it (`read_image`), then the growth work
on the same summaries (stacking with positions, path summary, file diff against the base, causes).

    .venv/bin/python bench/bench_why.py IMAGE [BASE_IMAGE]   # default: the `large` fixture's image
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import docker

from ci_optimizer.adapters.image_export import read_image
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.judge.causes import CauseInputs, find_causes
from ci_optimizer.measure.pathdiff import diff_files, path_summary
from ci_optimizer.measure.stacking import stack_layers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", nargs="?", default="cio-bench-analysis/large:production")
    parser.add_argument("base", nargs="?", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    client = docker.from_env()
    base_ref = args.base or args.image
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch)
        read_image(args.image, client=client, cache_dir=cache, base_layer_count=1)  # warm the cache
        read_image(base_ref, client=client, cache_dir=cache, base_layer_count=1)
        analysis, growth = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            _a, head = read_image(args.image, client=client, cache_dir=cache, base_layer_count=1)
            analysed = time.perf_counter()
            _b, base = read_image(base_ref, client=client, cache_dir=cache, base_layer_count=1)
            stacked = stack_layers(head)
            path_summary(stacked.visible)
            diff_files(stack_layers(base).visible, stacked.visible, base_lines=(None,) * len(base),
                       head_lines=tuple(range(1, len(head) + 1)))
            find_causes(CauseInputs(model=DockerfileModel(path="Dockerfile", stages=()), layers=head,
                                    lines=tuple(range(1, len(head) + 1)), base_layers=1, stacked=stacked))
            done = time.perf_counter()
            analysis.append(analysed - started)
            growth.append(done - analysed)
        files = len(stacked.visible)
    a, g = statistics.median(analysis), statistics.median(growth)
    print(f"| image | files | analysis (warm) | diff + detectors | added |\n|---|--:|--:|--:|--:|\n"
          f"| {args.image} | {files} | {a:.3f} s | {g:.3f} s | {100 * g / a:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
