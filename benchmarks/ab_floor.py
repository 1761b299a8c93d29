"""Compare the one-process floor of two checkouts side by side: both run at the same time, each pinned to
its own core, the cores swapped every round.

On a shared machine the absolute times of benchmarks/run.py move by a third from one hour to the next.
Two builds that run at the same moment see the same load, so their ratio holds where a comparison of two
separate runs does not. Each checkout must have its font extracted (build/fonts, made by any build).

    .venv/bin/python benchmarks/ab_floor.py /path/to/before /path/to/after --rounds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

FLOOR = (
    "import resource, time; start = time.perf_counter(); "
    "from techgap.config import load_project; from techgap.build import build_all; build_all(load_project('.')); "
    "usage = resource.getrusage(resource.RUSAGE_SELF); "
    "print(f'{time.perf_counter() - start:.2f} {usage.ru_utime + usage.ru_stime:.2f}')"
)


def start_floor(root: Path, core: int) -> subprocess.Popen:
    for name in ("figures", "data/processed"):
        shutil.rmtree(root / name, ignore_errors=True)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(root / "src")}
    return subprocess.Popen(
        ["taskset", "-c", str(core), sys.executable, "-c", FLOOR], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ratios = []
    for round_ in range(args.rounds):
        cores = (0, 1) if round_ % 2 == 0 else (1, 0)
        runs = [start_floor(root.resolve(), core) for root, core in zip((args.before, args.after), cores, strict=True)]
        (wall_a, cpu_a), (wall_b, cpu_b) = (map(float, run.communicate()[0].split()) for run in runs)
        if any(run.returncode for run in runs):
            raise SystemExit("a floor failed; run it alone to see why")
        ratios.append(cpu_b / cpu_a)
        print(f"round {round_ + 1}: before {wall_a:.1f} s ({cpu_a:.1f} s CPU), after {wall_b:.1f} s ({cpu_b:.1f} s CPU)")
    print("after / before, CPU: " + ", ".join(f"{r:.3f}" for r in ratios))


if __name__ == "__main__":
    main()
