"""Settings for the unit tests: a throwaway state directory, SQLite, no peers."""

import os
import tempfile

os.environ.setdefault("SNF_STATE_DIR", tempfile.mkdtemp(prefix="pithos-test-"))

from pithos.project.settings import *  # noqa: E402,F403
