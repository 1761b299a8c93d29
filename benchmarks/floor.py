"""The one-process floor: every output of `snakemake` built in this process (techgap.build.build_all), in the
project folder it runs in. Prints the wall and CPU seconds it took. benchmarks/run.py and ab_floor.py run it.

    cd PROJECT && PYTHONHASHSEED=0 python /path/to/benchmarks/floor.py
"""

from __future__ import annotations

import resource
import time


def main() -> None:
    start = time.perf_counter()
    from techgap.build import build_all
    from techgap.config import load_project

    build_all(load_project("."))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{time.perf_counter() - start:.2f} {usage.ru_utime + usage.ru_stime:.2f}")


if __name__ == "__main__":
    main()
