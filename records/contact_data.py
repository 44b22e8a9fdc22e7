"""Countries, phone numbers and e-mail addresses: parsing and validity for contacts.

Countries are stored by English name (what people type and read); the phone library works with
ISO region codes, so the names come from `phonenumbers` itself and map back to a region.
"""

from dataclasses import dataclass
from functools import cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from phonenumbers import geocoder

# Regions the phone library knows but has no English country name for.
_MISSING_NAMES = {
    "AC": "Ascension Island",
    "BL": "Saint Barthélemy",
    "EH": "Western Sahara",
    "MF": "Saint Martin",
    "TA": "Tristan da Cunha",
    "XK": "Kosovo",
}
# What people also write for the most common countries.
_ALIASES = {"usa": "US", "us": "US", "uk": "GB", "great britain": "GB", "england": "GB"}


@cache
def _regions_by_name() -> dict[str, str]:
    names = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        name = _MISSING_NAMES.get(region) or (
            geocoder.country_name_for_number(example, "en") if example else ""
        )
        if name:
            names[name] = region
    return names


@cache
def country_names() -> list[str]:
    """Every country a record can be in, sorted for a select box."""
    return sorted(_regions_by_name())


@cache
def _names_by_region() -> dict[str, str]:
    return {region: name for name, region in _regions_by_name().items()}


def canonical_country(text: str) -> str | None:
    """The listed name of a country typed in any case, as an ISO code or a common alias."""
    region = region_for_country(text)
    return _names_by_region().get(region) if region else None


def region_for_country(country: str) -> str | None:
    """The ISO region code of a country name (or code, or common alias); None if unknown."""
    text = (country or "").strip()
    if not text:
        return None
    if len(text) == 2 and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return text.upper()
    lowered = text.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    return _regions_by_lowercase_name().get(lowered)


@cache
def _regions_by_lowercase_name() -> dict[str, str]:
    return {name.lower(): region for name, region in _regions_by_name().items()}


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str
    valid: bool
    problem: str = ""


def parse_phone(raw: str, *, country: str = "") -> Phone:
    """Parse what a person typed. A number without +country code is read as a number of the
    record's country; with no country known it cannot be read and `problem` says why."""
    raw = (raw or "").strip()
    if not raw:
        return Phone(raw="", e164="", valid=False)
    region = region_for_country(country)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        if region is None and not raw.startswith("+"):
            problem = (
                "Start the number with + and the country code (e.g. +44 20 7946 0958): "
                "the record has no country to read it by."
            )
        else:
            problem = "This is not a phone number."
        return Phone(raw=raw, e164="", valid=False, problem=problem)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        where = geocoder.country_name_for_number(number, "en") or "its country"
        return Phone(
            raw=raw,
            e164=e164 if phonenumbers.is_possible_number(number) else "",
            valid=False,
            problem=f"This is not a valid phone number for {where}; check the digits.",
        )
    return Phone(raw=raw, e164=e164, valid=True)


@dataclass(frozen=True)
class Email:
    value: str
    valid: bool
    problem: str = ""


def parse_email(raw: str) -> Email:
    value = (raw or "").strip()
    if not value:
        return Email(value="", valid=False)
    local, at, domain = value.rpartition("@")
    if at:
        # Domains are case-insensitive; the local part is the mailbox owner's business.
        value = f"{local}@{domain.lower()}"
    try:
        validate_email(value)
    except ValidationError:
        return Email(value=value, valid=False, problem="Enter a valid e-mail address.")
    return Email(value=value, valid=True)


def format_phone(e164: str) -> str:
    """An E.164 number in international format for people to read."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
