import pytest

from records.contact_data import (
    country_names,
    format_phone,
    parse_email,
    parse_phone,
    region_for_country,
)


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("Germany", "DE"),
        ("germany", "DE"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("USA", "US"),
        ("IL", "IL"),
        ("Kosovo", "XK"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_region_for_country(country, region):
    assert region_for_country(country) == region


def test_country_names_come_from_the_phone_library_and_are_sorted():
    names = country_names()
    assert names == sorted(names) and len(names) > 200
    assert {"Germany", "United States", "Israel"} <= set(names)


def test_a_number_with_a_country_code_needs_no_country():
    phone = parse_phone("+44 20 7946 0958")
    assert (phone.e164, phone.valid, phone.problem) == ("+442079460958", True, "")
    assert format_phone(phone.e164) == "+44 20 7946 0958"


def test_empty_phone_is_neither_valid_nor_a_problem():
    phone = parse_phone("  ")
    assert (phone.raw, phone.valid, phone.problem) == ("", False, "")


def test_a_possible_but_invalid_number_keeps_its_e164_and_says_why():
    phone = parse_phone("+49 123 45")
    assert phone.e164 == "+4912345" and not phone.valid
    assert "Germany" in phone.problem


@pytest.mark.parametrize(
    ("raw", "value", "valid"),
    [
        ("a@B.com", "a@b.com", True),
        ("", "", False),
        ("no-at-sign", "no-at-sign", False),
        ("a b@c.com", "a b@c.com", False),
    ],
)
def test_parse_email(raw, value, valid):
    email = parse_email(raw)
    assert (email.value, email.valid) == (value, valid)
    assert bool(email.problem) == (bool(raw) and not valid)
