"""Settings for the unit tests: a throwaway state directory, SQLite, no peers."""

import os
import tempfile

os.environ.setdefault("SNF_STATE_DIR", tempfile.mkdtemp(prefix="astakos-test-"))

from astakos.project.settings import *  # noqa: E402,F403

# Hashing strength is not under test here; the fast hasher keeps login tests quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
