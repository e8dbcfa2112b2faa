"""The typed readers of PAPERWIRE_* variables: the value as the code uses it, the default when
unset or empty, and for anything else one error naming the variable, the value and what is
allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire import env
from paperwire.env import SettingError

NAME = "PAPERWIRE_TEST_VALUE"


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch):
    """Set the test variable (None: unset) and return nothing; the reader under test reads it."""

    def set_value(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_value


def refused(read, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        read()
    assert str(caught.value) == message


@pytest.mark.parametrize("value", [None, "", "  "])
def test_unset_or_empty_means_the_default(given, value):
    given(value)
    assert env.env_int(NAME, 7, maximum=23) == 7
    assert env.env_bool(NAME, True) is True
    assert env.env_float(NAME, 2.5) == 2.5
    assert env.env_str(NAME, "x") == "x"
    assert env.env_rate(NAME, "60/m") == "60/m"
    assert env.env_optional_int(NAME, minimum=1) is None
    assert env.env_list(NAME, ["a"]) == ["a"]


@pytest.mark.parametrize(("value", "number"), [("0", 0), ("23", 23), (" 7 ", 7), ("+5", 5)])
def test_whole_numbers_within_their_range(given, value, number):
    given(value)
    assert env.env_int(NAME, 7, minimum=0, maximum=23) == number


@pytest.mark.parametrize("value", ["24", "-1", "7.5", "abc", "1e3", "seven"])
def test_whole_numbers_outside_their_range_or_not_whole_are_refused(given, value):
    given(value)
    refused(
        lambda: env.env_int(NAME, 7, minimum=0, maximum=23),
        f"{NAME} must be a whole number from 0 to 23, not {value!r}",
    )


def test_a_whole_number_without_an_upper_bound_says_its_lower_one(given):
    given("abc")
    refused(lambda: env.env_int(NAME, 2000), f"{NAME} must be a whole number, 0 or more, not 'abc'")
    given("0")
    refused(
        lambda: env.env_optional_int(NAME, minimum=1),
        f"{NAME} must be a whole number, 1 or more, not '0'",
    )


def test_an_optional_whole_number_is_read_when_set(given):
    given("3")
    assert env.env_optional_int(NAME, minimum=1) == 3


@pytest.mark.parametrize(("value", "number"), [("0", 0.0), ("0.5", 0.5), ("3", 3.0)])
def test_numbers(given, value, number):
    given(value)
    assert env.env_float(NAME, 10.0, minimum=0) == number


@pytest.mark.parametrize("value", ["-1", "fast", "nan", "inf"])
def test_numbers_that_are_negative_or_not_finite_are_refused(given, value):
    given(value)
    refused(lambda: env.env_float(NAME, 10.0), f"{NAME} must be a number, 0 or more, not {value!r}")


@pytest.mark.parametrize(
    ("value", "meaning"),
    [
        *[("on", True), ("TRUE", True), ("yes", True), ("1", True)],
        *[("off", False), ("False", False), ("no", False), ("0", False)],
    ],
)
def test_true_and_false_in_their_usual_spellings(given, value, meaning):
    given(value)
    assert env.env_bool(NAME, not meaning) is meaning


@pytest.mark.parametrize("value", ["of", "onn", "disabled", "2"])
def test_a_misspelt_boolean_is_refused_not_taken_as_on(given, value):
    given(value)
    refused(
        lambda: env.env_bool(NAME, True),
        f"{NAME} must be true or false (or on/off, yes/no, 1/0), not {value!r}",
    )


def test_choices_ignore_case_and_come_back_as_listed(given):
    levels = ("DEBUG", "INFO", "WARNING")
    given("info")
    assert env.env_choice(NAME, "WARNING", levels) == "INFO"
    given("LOUD")
    refused(
        lambda: env.env_choice(NAME, "WARNING", levels),
        f"{NAME} must be one of DEBUG, INFO, WARNING, not 'LOUD'",
    )


@pytest.mark.parametrize(("value", "rate"), [("60/m", "60/m"), ("5/15M", "5/15m"), ("0/d", "0/d")])
def test_rate_limits_in_django_ratelimit_notation(given, value, rate):
    given(value)
    assert env.env_rate(NAME, "10/h") == rate


@pytest.mark.parametrize("value", ["60", "60/min", "60/0m", "m/60", "-1/h", "60/m/ip"])
def test_rate_limits_in_any_other_notation_are_refused(given, value):
    given(value)
    refused(
        lambda: env.env_rate(NAME, "10/h"),
        f"{NAME} must be a rate such as 60/m (a count per s, m, h or d, or per 15m), not {value!r}",
    )


def test_time_zones_are_checked_against_the_time_zone_database(given):
    given("Europe/Berlin")
    assert env.env_time_zone(NAME, "UTC") == "Europe/Berlin"
    for value in ("Mars/Olympus", "../etc/passwd", "CEST+2"):
        given(value)
        refused(
            lambda: env.env_time_zone(NAME, "UTC"),
            f"{NAME} must be an IANA time zone name such as Europe/Berlin or UTC, not {value!r}",
        )


def test_addresses_are_http_or_https_with_a_host(given):
    given("https://papers.example.org")
    assert env.env_url(NAME, "http://127.0.0.1:8000") == "https://papers.example.org"
    for value in ("papers.example.org", "ftp://example.org", "http://", "http://h:port/"):
        given(value)
        refused(
            lambda: env.env_url(NAME, "http://127.0.0.1:8000"),
            f"{NAME} must be an http:// or https:// address, not {value!r}",
        )


def test_lists_drop_spaces_and_empty_items(given):
    given(" cs.LG, cs.CL ,,")
    assert env.env_list(NAME, []) == ["cs.LG", "cs.CL"]


def test_paths_expand_the_home_directory(given):
    given("~/papers")
    assert env.env_path(NAME, Path("/default")) == Path.home() / "papers"


class TestSecrets:
    def test_a_secret_from_the_variable_or_from_its_file(self, monkeypatch, tmp_path):
        monkeypatch.setenv(NAME, "s3cret")
        assert env.env_secret(NAME) == "s3cret"
        monkeypatch.delenv(NAME)
        path = tmp_path / "secret"
        path.write_text("from-a-file\n")
        monkeypatch.setenv(f"{NAME}_FILE", str(path))
        assert env.env_secret(NAME) == "from-a-file"

    def test_neither_is_none(self, monkeypatch):
        monkeypatch.delenv(NAME, raising=False)
        monkeypatch.delenv(f"{NAME}_FILE", raising=False)
        assert env.env_secret(NAME) is None

    def test_a_missing_file_is_one_line_naming_the_variable(self, monkeypatch, tmp_path):
        monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
        refused(
            lambda: env.env_secret(NAME),
            f"{NAME}_FILE must be the path of a readable file holding the secret, "
            f"not {str(tmp_path / 'missing')!r} (No such file or directory)",
        )

    def test_a_folder_or_an_empty_file_is_refused(self, monkeypatch, tmp_path):
        monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path))
        refused(
            lambda: env.env_secret(NAME),
            f"{NAME}_FILE must be the path of a readable file holding the secret, "
            f"not {str(tmp_path)!r} (Is a directory)",
        )
        (tmp_path / "empty").write_text("\n")
        monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "empty"))
        refused(
            lambda: env.env_secret(NAME),
            f"{NAME}_FILE must be the path of a readable file holding the secret, "
            f"not {str(tmp_path / 'empty')!r} (it is empty)",
        )

    def test_both_the_variable_and_its_file_is_ambiguous(self, monkeypatch, tmp_path):
        (tmp_path / "secret").write_text("b")
        monkeypatch.setenv(NAME, "a")
        monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "secret"))
        refused(
            lambda: env.env_secret(NAME), f"{NAME} and {NAME}_FILE are both set: keep one of them"
        )


def test_the_error_is_djangos_configuration_error_and_shows_as_one_line():
    from django.core.exceptions import ImproperlyConfigured

    error = env.invalid(NAME, "a\nb", "something")
    assert isinstance(error, ImproperlyConfigured)
    assert env.one_line(ImproperlyConfigured("first\nsecond")) == "paperwire: first second"
    assert "\n" not in env.one_line(error)
