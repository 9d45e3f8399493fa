"""Child wrapper: run a module as `python -m` would, then write this process's peak memory.

`python -m benchmarks.peak OUT MODULE ARGS...` runs MODULE with ARGS in this
process and, at exit, writes its peak resident memory in MB (VmHWM) to OUT.
The high-water mark belongs to the address space `exec` made, so it is the
command's own: the rusage of a child (`wait4`) can carry over the peak of the
process that forked it, which for the benchmark itself runs to gigabytes.
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path

from benchmarks.tui_start import peak_rss_mb


def main() -> None:
    out, module, *args = sys.argv[1:]
    atexit.register(lambda: Path(out).write_text(f"{peak_rss_mb():.1f}\n", encoding="ascii"))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
