"""Compare the one-process floor of two checkouts side by side: both run at the same time, each pinned to
its own core, the cores swapped every round.

On a shared machine the absolute times of benchmarks/run.py move by a third from one hour to the next.
Two builds that run at the same moment see the same load, so their ratio holds where a comparison of two
separate runs does not. Each checkout must have its font extracted (build/fonts, made by any build).

Checkouts that draw different numbers of images (one edition before, two after) are compared per image:
CPU time divided by the PNG and SVG files the floor wrote.

    .venv/bin/python benchmarks/ab_floor.py /path/to/before /path/to/after --rounds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FLOOR = Path(__file__).resolve().with_name("floor.py")  # this checkout's, run in each checkout with its own code


@dataclass(frozen=True)
class FloorRun:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    images: int  # PNG and SVG files written

    @property
    def cpu_per_image(self) -> float:
        return self.cpu / self.images


def start_floor(root: Path, core: int) -> subprocess.Popen:
    for name in ("figures", "data/processed"):
        shutil.rmtree(root / name, ignore_errors=True)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(root / "src")}
    return subprocess.Popen(
        ["taskset", "-c", str(core), sys.executable, str(FLOOR)], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )


def finish_floor(root: Path, process: subprocess.Popen) -> FloorRun:
    out = process.communicate()[0]
    if process.returncode:
        raise SystemExit(f"the floor in {root} failed; run it alone to see why")
    wall, cpu = map(float, out.split())
    images = sum(1 for path in (root / "figures").rglob("*") if path.suffix in (".png", ".svg"))
    return FloorRun(wall, cpu, images)


def compare(before: Path, after: Path, rounds: int) -> list[tuple[FloorRun, FloorRun]]:
    """Each round's (before, after) floors, run at the same time on the two cores."""
    results = []
    for round_ in range(rounds):
        cores = (0, 1) if round_ % 2 == 0 else (1, 0)
        roots = (before.resolve(), after.resolve())
        processes = [start_floor(root, core) for root, core in zip(roots, cores, strict=True)]
        runs = tuple(finish_floor(root, process) for root, process in zip(roots, processes, strict=True))
        results.append(runs)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results = compare(args.before, args.after, args.rounds)
    for number, (a, b) in enumerate(results, start=1):
        print(
            f"round {number}: before {a.wall:.1f} s ({a.cpu:.1f} s CPU, {a.images} images, "
            f"{a.cpu_per_image * 1000:.0f} ms each), after {b.wall:.1f} s ({b.cpu:.1f} s CPU, {b.images} images, "
            f"{b.cpu_per_image * 1000:.0f} ms each)"
        )
    print("after / before, CPU: " + ", ".join(f"{b.cpu / a.cpu:.3f}" for a, b in results))
    print("after / before, CPU per image: " + ", ".join(f"{b.cpu_per_image / a.cpu_per_image:.3f}" for a, b in results))


if __name__ == "__main__":
    main()
