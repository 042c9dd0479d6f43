#!/usr/bin/env python3
"""Run the whole suite: one pytest process per Django service, plus the rest.

pytest-django configures one settings module per process, and each service is
its own Django project, so each gets its own run. The closing line sums them.
Extra arguments go to every pytest run (e.g. `-x`, `-k name`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PG = "postgresql://postgres@127.0.0.1:5432"

# (label, test paths, Django settings module or None, extra environment)
GROUPS = [
    ("common", ["tests/unit/snf_common", "tests/unit/archipelago", "tests/unit/snf_ganeti",
                "tests/unit/snf_image", "tests/unit/kamaki", "tests/unit/snf_deploy",
                "tests/contract", "tests/test_boundaries.py", "tests/test_readme.py"], None, {}),
    ("astakos", ["tests/unit/astakos"], "astakos.project.test_settings", {}),
    ("pithos", ["tests/unit/pithos"], "pithos.project.test_settings", {}),
    ("cyclades", ["tests/unit/cyclades"], "cyclades.project.test_settings", {}),
    # The same unit tests on PostgreSQL, the production database: row locks, joins
    # and SQL that SQLite accepts and PostgreSQL refuses show up here.
    ("astakos-postgresql", ["tests/unit/astakos"], "astakos.project.test_settings",
     {"SNF_ASTAKOS_DATABASE_URL": f"{PG}/snf_unit_astakos"}),
    ("pithos-postgresql", ["tests/unit/pithos"], "pithos.project.test_settings",
     {"SNF_PITHOS_DATABASE_URL": f"{PG}/snf_unit_pithos"}),
    ("cyclades-postgresql", ["tests/unit/cyclades"], "cyclades.project.test_settings",
     {"SNF_CYCLADES_DATABASE_URL": f"{PG}/snf_unit_cyclades"}),
    ("integration", ["tests/integration", "tests/e2e", "tests/cluster"], None, {}),
]

# Extra pytest options per group: show where the slow group spends its time.
GROUP_OPTIONS = {
    "integration": ["--durations=25"],
}

SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)")


def run_group(label: str, paths: list[str], settings: str | None, env_extra: dict[str, str],
              extra: list[str]) -> dict:
    existing = [p for p in paths if (ROOT / p).exists()]
    counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    if not existing:
        return counts
    cmd = [sys.executable, "-m", "pytest", *existing, *GROUP_OPTIONS.get(label, []), *extra]
    env = {**os.environ, **env_extra}
    if settings:
        cmd += ["--ds", settings]
    else:
        cmd += ["-p", "no:django"]
    print(f"\n===== {label}: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.strip():
            last = line
    code = proc.wait()
    for number, kind in SUMMARY.findall(last):
        key = "error" if kind.startswith("error") else kind
        if key in counts:
            counts[key] += int(number)
    if code not in (0, 5) and counts["failed"] == 0 and counts["error"] == 0:
        counts["error"] += 1  # pytest crashed or was interrupted
    print(f"===== {label}: exit {code} in {time.monotonic() - started:.0f}s", flush=True)
    return counts


def compile_sources() -> None:
    """Byte-compile the project's packages once. This environment sets
    PYTHONDONTWRITEBYTECODE, so otherwise every server, manage command and CLI the
    tests start compiles each project module it imports again (as an installed
    package would not)."""
    import compileall

    for init in sorted(ROOT.glob("*/*/__init__.py")):
        compileall.compile_dir(init.parent, quiet=1, workers=0)


def main() -> int:
    extra = sys.argv[1:]
    compile_sources()
    only = os.environ.get("SNF_TEST_GROUPS")
    totals = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for label, paths, settings, env_extra in GROUPS:
        if only and label not in only.split(","):
            continue
        for key, value in run_group(label, paths, settings, env_extra, extra).items():
            totals[key] += value
    failed = totals["failed"] + totals["error"]
    print(f"\ntests: {totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed or totals["passed"] == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
