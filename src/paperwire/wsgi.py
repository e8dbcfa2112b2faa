"""WSGI entry point for gunicorn (`paperwire serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
application = get_wsgi_application()
