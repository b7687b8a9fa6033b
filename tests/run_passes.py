"""Run the suite's passes side by side, each in its own pytest process, and fail if any pass fails.

``python tests/run_passes.py`` runs every pass; ``python tests/run_passes.py sqlite postgres -- -x -k plan``
runs the named passes with the arguments after ``--`` given to each. Every line a pass prints is shown as it
comes, led by the pass's name; each pass's own pytest summary follows, then one line per pass and the total.
Each pass's whole output is also kept in test-results/<pass>.log.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each pass runs its test files in two worker processes (pytest-xdist; a file's tests stay together in one
# worker, see pytest_xdist_make_scheduler in tests/conftest.py): much of a test's time is spent waiting (on
# PostgreSQL, on Chromium, on a server or thread it started), and two at once fill that time. On PostgreSQL each
# worker has a database of its own (test_gw0, test_gw1: tests/conftest.py makes them); in the browser pass each
# has its own server and Chromium.
IN_TWO = ["-n", "2", "--dist", "loadfile"]
PASSES = {
    "sqlite": ["-m", "not browser", *IN_TWO],
    "browser": ["-m", "browser", *IN_TWO],
    "postgres": ["-m", "not browser and not serve", "--postgres", *IN_TWO],
}
# The browser tests wait for pages with a time limit; the other passes have none, so they give way to them.
NICENESS = {"sqlite": 5, "postgres": 5}
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
NO_TESTS_RAN = 5  # pytest's exit code when nothing was collected


class Pass:
    """One pytest process whose output is shown line by line under its name."""

    def __init__(self, name: str, args: list[str], width: int):
        self.name, self.args, self.width = name, args, width
        self.lines: list[str] = []
        self.started = time.monotonic()
        self.seconds = self.cpu_seconds = 0.0
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter running pytest with our arguments
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        if NICENESS.get(name):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, NICENESS[name])
        self.reader = threading.Thread(target=self._read, name=f"pass-{name}", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            with OUTPUT_LOCK:
                print(f"{self.name:<{self.width}} | {line}", flush=True)
        self.seconds = time.monotonic() - self.started  # its output ends when it does

    def wait(self) -> int:
        """Wait for the pass to end; note its wall time and the CPU time of its process and everything it ran."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.reader.join()
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return self.process.returncode

    def counts(self) -> dict[str, int]:
        """The figures of pytest's closing line (``12 passed, 1 skipped in 3.2s``)."""
        for line in reversed(self.lines):
            found = COUNT.findall(line)
            if found and " in " in line:
                totals: dict[str, int] = {}
                for number, word in found:
                    word = "errors" if word.startswith("error") else word
                    totals[word] = totals.get(word, 0) + int(number)
                return totals
        return {}

    def summary(self) -> list[str]:
        """pytest's own summary: from its 'short test summary' (or the closing line) to the end."""
        for index, line in enumerate(self.lines):
            if "short test summary info" in line:
                return self.lines[index:]
        return self.lines[-1:]


OUTPUT_LOCK = threading.Lock()


def main(argv: list[str]) -> int:
    names, extra = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    names = names or list(PASSES)
    unknown = [n for n in names if n not in PASSES]
    if unknown:
        print(f"unknown pass {', '.join(unknown)}; the passes are {', '.join(PASSES)}", file=sys.stderr)
        return 2
    width = max(len(n) for n in names)
    started = time.monotonic()
    passes = [Pass(name, [*PASSES[name], *extra], width) for name in names]
    # Stopped (Ctrl-C, or a time limit's SIGTERM): the passes stop too, rather than run on unseen.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        codes = [p.wait() for p in passes]
    except (KeyboardInterrupt, SystemExit):
        for p in passes:
            p.process.terminate()
        raise
    folder = ROOT / "test-results"
    folder.mkdir(exist_ok=True)
    for p in passes:
        (folder / f"{p.name}.log").write_text("\n".join(p.lines) + "\n", encoding="utf-8")

    for p, code in zip(passes, codes, strict=True):
        print(f"\n{'=' * 30} {p.name} pass (exit {code}) {'=' * 30}")
        print("\n".join(p.summary()))
    print(f"\n{'=' * 30} passes, side by side in {time.monotonic() - started:.0f} s {'=' * 30}")
    total: dict[str, int] = {}
    for p, code in zip(passes, codes, strict=True):
        counts = p.counts()
        for word, number in counts.items():
            total[word] = total.get(word, 0) + number
        verdict = "ran no test" if code == NO_TESTS_RAN else ("ok" if code == 0 else "FAILED")
        figures = ", ".join(f"{n} {w}" for w, n in counts.items()) or "no figures"
        timing = f"{p.seconds:.0f} s, CPU {p.cpu_seconds:.0f} s"
        print(f"{p.name:<{width}}  {verdict:<11} {figures} in {timing} (exit {code})")
    failed = total.get("failed", 0) + total.get("errors", 0)
    print(f"total: {total.get('passed', 0)} passed, {failed} failed, {total.get('skipped', 0)} skipped")
    return 0 if all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
