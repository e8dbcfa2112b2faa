"""Loaded with `-p tests.isolation` before pytest-django reads the settings.

Tests never write into the user's real data directory (the secret key, databases): unless
the caller chose one, the whole run gets a temporary PAPERWIRE_DATA_DIR.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("PAPERWIRE_DATA_DIR", tempfile.mkdtemp(prefix="paperwire-test-"))
