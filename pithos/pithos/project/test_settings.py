"""Settings for the unit tests (and the integration test's server): a throwaway state
directory, SQLite, no peers. Tests pick a token validator and block store by environment."""

import os
import tempfile

os.environ.setdefault("SNF_STATE_DIR", tempfile.mkdtemp(prefix="pithos-test-"))

from pithos.project.settings import *  # noqa: E402,F403

# A test-only validator (e.g. tests/unit/pithos/pithos_fake_tokens.validate) on PYTHONPATH.
TOKEN_VALIDATOR = os.environ.get("PITHOS_TEST_TOKEN_VALIDATOR", "pithos_fake_tokens.validate")
