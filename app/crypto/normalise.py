"""Normalise identity inputs before indexing: phone → E.164, surname folded, birth date checked.

Two spellings of the same value must give the same normalised text (hence the same blind index);
invalid input raises ``NormalisationError`` whose message never quotes the input.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import phonenumbers
from phonenumbers import PhoneNumberType

from app.crypto.errors import NormalisationError

# Regions of the French numbering plan: a 10-digit national number ("0X XX XX XX XX") reaches the
# same line whether dialled from Paris or Saint-Denis, so it has one E.164 form everywhere.
OVERSEAS_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "BL", "MF", "PM")
FRENCH_PLAN_REGIONS = ("FR", *OVERSEAS_REGIONS)
_PHONE_CHARS = re.compile(r"^[0-9+ .\-()/\u00a0]+$")
_NATIONAL = re.compile(r"^0[1-9][0-9]{8}$")
_GEOGRAPHIC_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
MAX_PHONE_LENGTH = 32


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone(raw: str, region: str = "FR") -> str:
    """Return the E.164 form of a phone number typed in any usual spelling.

    ``region`` is the practice's ISO region (FR, RE, MQ, GP, GF, YT…): it decides how a number
    without country code is read. Within the French plan, overseas prefixes (0262/0692 Réunion,
    0269/0639 Mayotte, 0590/0690 Guadeloupe, 0596/0696 Martinique, 0594/0694 Guyane) win.
    """
    region = region.upper()
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or len(text) > MAX_PHONE_LENGTH or not _PHONE_CHARS.match(text):
        raise NormalisationError("phone", "numéro de téléphone invalide")
    digits = re.sub(r"[^0-9+]", "", text)
    if "+" in digits[1:]:
        raise NormalisationError("phone", "numéro de téléphone invalide")
    if region in FRENCH_PLAN_REGIONS and _NATIONAL.match(digits):
        # Overseas ranges first: phonenumbers also accepts some of them as metropolitan numbers.
        ordered = ([region] if region in OVERSEAS_REGIONS else []) + list(OVERSEAS_REGIONS)
        if digits[1] in "2567":
            for candidate in ordered:
                number = _parse_valid(digits, candidate)
                if number is not None and phonenumbers.number_type(number) in _GEOGRAPHIC_TYPES:
                    return _e164(number)
        number = _parse_valid(digits, "FR")
    else:
        number = _parse_valid(digits, region)
    if number is None:
        raise NormalisationError("phone", "numéro de téléphone invalide")
    return _e164(number)


_FOLD_TABLE = str.maketrans(
    {
        "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
        "-": " ", "‐": " ", "‑": " ", "‒": " ", "–": " ", "—": " ", "_": " ", ".": " ",
        "'": " ", "’": " ", "‘": " ", "ʼ": " ", "`": " ", "´": " ",
    }
)  # fmt: skip
MAX_NAME_LENGTH = 100


def fold_surname(raw: str) -> str:
    """Fold a surname for exact search: case, accents, hyphens, apostrophes and spaces.

    Particles are kept as words: "de La Fontaine" and "DELA FONTAINE" stay different names,
    "D'Artagnan" and "d artagnan" are the same.
    """
    if not isinstance(raw, str) or len(raw) > MAX_NAME_LENGTH:
        raise NormalisationError("surname", "nom invalide")
    # NFKD before and after casefold: compatibility forms (𝐴, ﬁ) may fold to decomposable letters.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", raw).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD_TABLE)
    words = text.split()
    if not words or not all(ch.isalpha() for word in words for ch in word):
        raise NormalisationError("surname", "nom invalide")
    return " ".join(words)


EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_FRENCH_DATE = re.compile(r"^([0-3]?[0-9])[/.\-]([01]?[0-9])[/.\-]([0-9]{4})$")


def normalise_birth_date(value: str | date, today: date | None = None) -> date:
    """Parse an ISO (or French dd/mm/yyyy) birth date and check it is plausible."""
    today = today or date.today()
    if isinstance(value, datetime):
        raise NormalisationError("birth_date", "date de naissance invalide")
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        french = _FRENCH_DATE.match(text)
        try:
            if french:
                parsed = date(int(french.group(3)), int(french.group(2)), int(french.group(1)))
            elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                parsed = date.fromisoformat(text)
            else:
                raise ValueError
        except ValueError as exc:
            raise NormalisationError("birth_date", "date de naissance invalide") from exc
    else:
        raise NormalisationError("birth_date", "date de naissance invalide")
    if not EARLIEST_BIRTH_DATE <= parsed <= today:
        raise NormalisationError("birth_date", "date de naissance hors de la plage plausible")
    return parsed


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,}$")


def normalise_email(raw: str) -> str:
    """Trim and lower-case an e-mail address after a light syntax check."""
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if not _EMAIL.match(text):
        raise NormalisationError("email", "adresse e-mail invalide")
    return text
