"""WSGI entry point for gunicorn (`paperwire serve`, or gunicorn run directly)."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from paperwire.env import one_line

# gunicorn's "the application failed to load": its master stops, instead of starting worker
# after worker that would each fail the same way on the same setting.
APP_LOAD_ERROR = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:  # a bad PAPERWIRE_* value: one line, no traceback
    print(one_line(exc), file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
