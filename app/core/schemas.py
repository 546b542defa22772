"""Small validated types shared by API schemas."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("unknown IANA time zone")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - available_timezones said yes
        raise ValueError("unknown IANA time zone") from exc
    return value


FRENCH_REGIONS = ("FR", "RE", "MQ", "GP", "GF", "YT", "PM", "BL", "MF", "NC", "PF")


def e164(value: str, region: str = "FR") -> str:
    """A phone number in E.164, or ValueError.

    National numbers are tried in `region` first, then in metropolitan France and the overseas
    regions, so "0692 12 34 56" resolves to Réunion and "06 12 34 56 78" to France.
    """
    for candidate in dict.fromkeys((region, *FRENCH_REGIONS)):
        try:
            parsed = phonenumbers.parse(value, candidate)
        except phonenumbers.NumberParseException as exc:
            raise ValueError("not a phone number") from exc
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if value.strip().startswith(("+", "00")):
            break
    raise ValueError("not a valid phone number")


TimeZoneName = Annotated[str, AfterValidator(_zone)]
PhoneNumber = Annotated[str, AfterValidator(e164)]
