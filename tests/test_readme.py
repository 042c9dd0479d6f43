"""CI runs exactly what the README tells a newcomer to run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    ci_lines = (ROOT / ".ci/run").read_text().strip().splitlines()
    command = ci_lines[-1].strip()
    assert "tests/run.py" in command
    assert command in (ROOT / "README.md").read_text()
