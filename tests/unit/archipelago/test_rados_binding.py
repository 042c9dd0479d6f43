"""The venv finds Debian's rados module by itself (no PyPI package provides one)."""

from __future__ import annotations

import glob
import subprocess
import sys

import pytest


def test_rados_binding_loads_from_the_distribution_when_import_fails():
    if not glob.glob("/usr/lib/python3/dist-packages/rados*.so"):
        pytest.skip("python3-rados not installed (Debian package python3-rados)")
    code = (
        "from archipelago.blockstore.rados import load_rados_module\n"
        "m = load_rados_module()\n"
        "assert hasattr(m, 'Rados') and hasattr(m, 'ObjectNotFound'), m\n"
        "import rados\n"  # the module is registered for later plain imports
        "print(rados.__file__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "rados" in proc.stdout
