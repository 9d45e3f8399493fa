"""Child process: start the TUI headless on a database, report when it is interactive.

Prints one JSON line: seconds from interpreter start to the first screen
ready for keys, the wall-clock moment it was ready (the parent counts from the
spawn, so a start excludes the exit, which frees every note), and the peak
resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time

T0 = time.perf_counter()


def main(db: str) -> None:
    from fieldnotes.service import FieldNotes
    from fieldnotes.tui.app import FieldnotesApp

    service = FieldNotes.open(db)
    app = FieldnotesApp(service)
    result: dict[str, float] = {}

    async def ready(pilot: object) -> None:
        # Interactive: the first screen and its widgets have handled every pending
        # message, so the next key is handled at once. (`pilot.pause()` would also wait
        # for the CPU to go idle, up to a second: the words being indexed between
        # keystrokes are not a wait.) The minimal app's baseline is measured the same way.
        await pilot._wait_for_screen()  # type: ignore[attr-defined]
        result["ready_s"] = time.perf_counter() - T0
        result["ready_at"] = time.time()  # for the parent: from its spawn, without our exit
        app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=ready)
    service.close()
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space made by
    exec; ru_maxrss can carry over the parent's peak from before the fork."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(sys.argv[1])
