"""The ``paperwire`` console script: Django's management commands under one name."""

from __future__ import annotations

import os
import sys

# A setting paperwire cannot use stops the command before it starts, with this exit status
# (as a command-line usage error does) and one line on standard error: no traceback.
SETTINGS_ERROR = 2


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from paperwire.env import one_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "paperwire"
    try:
        if not any(arg.partition("=")[0] == "--settings" for arg in args):
            # Read the settings now: Django's runner, finding them unusable, would list only
            # its own commands for `paperwire` and `paperwire help` (paperwire's hidden).
            settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # Raised while paperwire/settings.py reads the environment (env.SettingError, the mail
        # URL's parser), or by Django when it finds the settings unusable.
        print(one_line(exc), file=sys.stderr)
        sys.exit(SETTINGS_ERROR)


if __name__ == "__main__":
    main()
