"""Typed readers for PAPERWIRE_* environment variables; only ``paperwire/settings.py`` calls them.

Each reader returns the variable's value as the type the code uses, or its default when the
variable is unset or empty, and raises ``SettingError`` for anything else. The error's message
is one line that names the variable, quotes the value and says what is allowed, so the
console script and the WSGI entry point can print it as it is (``one_line``), with no traceback.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured):
    """A variable holds a value paperwire cannot use. A subclass of Django's own error, so
    code that already handles ImproperlyConfigured (Django's command runner) handles it too."""


def invalid(name: str, value: str, allowed: str, why: str = "") -> SettingError:
    """The one wording of a bad value, also for the checks settings.py makes itself."""
    return SettingError(f"{name} must be {allowed}, not {value!r}" + (f" ({why})" if why else ""))


def one_line(error: Exception) -> str:
    """How a configuration error is shown when a command or the server cannot start."""
    return "paperwire: " + " ".join(str(error).split())


def _raw(name: str) -> str | None:
    """The variable's text, or None when it is unset or empty (both mean: the default)."""
    value = os.environ.get(name, "")
    return value if value.strip() else None


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return default if value is None else Path(value).expanduser()


def env_secret(name: str) -> str | None:
    """``NAME``, or the contents of the file named by ``NAME_FILE`` (Docker and systemd
    secrets); None when neither is set."""
    value, path = _raw(name), _raw(f"{name}_FILE")
    if value is not None and path is not None:
        raise SettingError(f"{name} and {name}_FILE are both set: keep one of them")
    if path is None:
        return value
    allowed = "the path of a readable file holding the secret"
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise invalid(f"{name}_FILE", path, allowed, exc.strerror or str(exc)) from None
    except UnicodeError:
        raise invalid(f"{name}_FILE", path, allowed, "it is not UTF-8 text") from None
    if not secret:
        raise invalid(f"{name}_FILE", path, allowed, "it is empty")
    return secret


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise invalid(name, value, "true or false (or on/off, yes/no, 1/0)")


def _bounds(minimum: float, maximum: float | None) -> str:
    low = _plain(minimum)
    return f" from {low} to {_plain(maximum)}" if maximum is not None else f", {low} or more"


def _plain(number: float) -> float | int:
    """3 rather than 3.0 in messages."""
    return int(number) if float(number).is_integer() else number


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number in ``minimum..maximum`` (both included)."""
    value = _raw(name)
    if value is None:
        return default
    allowed = f"a whole number{_bounds(minimum, maximum)}"
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise invalid(name, value, allowed)
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise invalid(name, value, allowed)
    return number


def env_optional_int(name: str, minimum: int = 0, maximum: int | None = None) -> int | None:
    """A whole number as ``env_int``, or None when unset: paperwire decides where it is used."""
    if _raw(name) is None:
        return None
    return env_int(name, minimum, minimum, maximum)


def env_float(
    name: str, default: float, minimum: float = 0.0, maximum: float | None = None
) -> float:
    """A finite number in ``minimum..maximum`` (both included)."""
    value = _raw(name)
    if value is None:
        return default
    allowed = f"a number{_bounds(minimum, maximum)}"
    try:
        number = float(value)
    except ValueError:
        raise invalid(name, value, allowed) from None
    if not math.isfinite(number) or number < minimum or (maximum is not None and number > maximum):
        raise invalid(name, value, allowed)
    return number


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """One of ``choices``, compared without regard to case, returned as spelled there."""
    value = _raw(name)
    if value is None:
        return default
    known = {choice.lower(): choice for choice in choices}
    try:
        return known[value.strip().lower()]
    except KeyError:
        raise invalid(name, value, f"one of {', '.join(known.values())}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated items, spaces around them removed."""
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# django-ratelimit's rates: a count, then a window of s, m, h or d with an optional multiple
# ("5/15m"). A window of 0 would divide by zero inside the limiter, so multiples start at 1.
_RATE = re.compile(r"(\d+)/([1-9]\d*)?([smhd])")


def env_rate(name: str, default: str) -> str:
    """A rate limit such as ``60/m``, in django-ratelimit's notation."""
    value = _raw(name)
    if value is None:
        return default
    rate = value.strip().lower()
    if not _RATE.fullmatch(rate):
        raise invalid(name, value, "a rate such as 60/m (a count per s, m, h or d, or per 15m)")
    return rate


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name this machine knows."""
    value = _raw(name)
    if value is None:
        return default
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(name, value, "an IANA time zone name such as Europe/Berlin or UTC") from None
    return value.strip()


def env_url(name: str, default: str) -> str:
    """An http:// or https:// address with a host."""
    value = _raw(name)
    if value is None:
        return default
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  # a port that is not a number raises here
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(name, value, "an http:// or https:// address")
    return value.strip()
