"""Normalisation of phone numbers, surnames and birth dates before indexing."""

import uuid
from datetime import date

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.crypto.blind_index import PHONE, compute_index
from app.crypto.errors import NormalisationError
from app.crypto.normalise import (
    fold_surname,
    normalise_birth_date,
    normalise_email,
    normalise_phone,
)

PRACTICE_REGIONS = ["FR", "RE", "MQ", "GP", "GF", "YT"]


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("06-12-34-56-78", "FR", "+33612345678"),
        ("0612345678", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "FR", "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("0033 6 12 34 56 78", "RE", "+33612345678"),
        ("06 12 34 56 78", "RE", "+33612345678"),  # a metropolitan mobile calling a Réunion practice
        ("01 42 34 56 78", "FR", "+33142345678"),
        ("0692 12 34 56", "RE", "+262692123456"),
        ("0692 12 34 56", "FR", "+262692123456"),  # same line dialled from Paris
        ("0262 21 34 56", "RE", "+262262213456"),
        ("+262 692 12 34 56", "FR", "+262692123456"),
        ("0639 00 12 34", "YT", "+262639001234"),
        ("0269 61 12 34", "YT", "+262269611234"),
        ("0696 12 34 56", "MQ", "+596696123456"),
        ("0596 61 23 45", "FR", "+596596612345"),
        ("0690 12 34 56", "GP", "+590690123456"),
        ("0590 82 12 34", "GP", "+590590821234"),
        ("0694 12 34 56", "GF", "+594694123456"),
        ("0594 29 12 34", "GF", "+594594291234"),
        ("+1 650 253 0000", "FR", "+16502530000"),
        ("+32 470 12 34 56", "FR", "+32470123456"),
    ],
)
def test_phone_spellings(raw: str, region: str, e164: str) -> None:
    assert normalise_phone(raw, region) == e164


@pytest.mark.parametrize(
    "raw", ["", "   ", "15", "06 12 34", "06 12 34 56 78 90", "06 CALL ME", "+33 6 12+34", "abc", "0" * 40,
            "00 00 00 00 00", "+33 1"],
)  # fmt: skip
def test_invalid_phones_are_refused_without_quoting_them(raw: str) -> None:
    with pytest.raises(NormalisationError) as info:
        normalise_phone(raw, "FR")
    assert info.value.field == "phone"
    assert raw.strip() == "" or raw not in str(info.value)


def _valid_numbers() -> list[tuple[str, str]]:
    """(national 10-digit form, E.164) samples across the French plan, mobile and landline."""
    out = []
    for region in ["FR", "RE", "YT", "MQ", "GP", "GF"]:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            assert example is not None
            national = "0" + str(example.national_number)
            out.append((national, phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)))
    return out


EXAMPLES = _valid_numbers()


@st.composite
def french_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid number: an example of a French-plan range with its last digits varied."""
    national, _ = draw(st.sampled_from(EXAMPLES))
    tail = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    candidate = national[:-3] + tail
    try:
        e164 = normalise_phone(candidate, "FR")
    except NormalisationError:
        assume(False)
        raise
    return candidate, e164


def spell(national: str, e164: str, style: int, sep: str) -> str:
    """One of the usual ways to write the same number."""
    groups = [national[i : i + 2] for i in range(0, 10, 2)]
    cc, rest = phonenumbers.parse(e164).country_code, national[1:]
    match style:
        case 0:
            return sep.join(groups)
        case 1:
            return f"+{cc} " + rest[0] + sep + sep.join(rest[i : i + 2] for i in range(1, 9, 2))
        case 2:
            return f"00{cc}{rest}"
        case 3:
            return f"+{cc} (0){rest}"
        case _:
            return f"  {national}  "


@given(number=french_numbers(), style=st.integers(0, 4), sep=st.sampled_from([" ", ".", "-", ""]),
       region=st.sampled_from(PRACTICE_REGIONS))  # fmt: skip
def test_every_spelling_of_a_number_gives_one_index_value(
    number: tuple[str, str], style: int, sep: str, region: str
) -> None:
    national, e164 = number
    assert normalise_phone(spell(national, e164, style, sep), region) == e164
    root, practice = bytes(32), uuid.UUID(int=1)
    assert compute_index(
        root, practice, PHONE, normalise_phone(spell(national, e164, style, sep), region)
    ) == (compute_index(root, practice, PHONE, normalise_phone(national, "FR")))


@given(a=french_numbers(), b=french_numbers())
def test_different_numbers_normalise_differently(a: tuple[str, str], b: tuple[str, str]) -> None:
    assume(a[0] != b[0])
    assert normalise_phone(a[0], "FR") != normalise_phone(b[0], "FR")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dupont", "DUPONT"),
        ("Lefèvre", "LEFEVRE"),
        ("Lefèvre", "lefévre"),
        ("Martin-Dupont", "martin dupont"),
        ("D'Artagnan", "d artagnan"),
        ("D’Artagnan", "D'ARTAGNAN"),
        ("  de   la  Fontaine ", "De La Fontaine"),
        ("Œuvray", "OEUVRAY"),
        ("Müller", "muller"),
        ("Çelik", "celik"),
        ("N'Guyễn", "n guyen"),
    ],
)
def test_surname_folding_equates(a: str, b: str) -> None:
    assert fold_surname(a) == fold_surname(b)


def test_surname_particles_are_kept() -> None:
    assert fold_surname("de La Fontaine") == "de la fontaine"
    assert fold_surname("Le Goff") != fold_surname("Goff")
    assert fold_surname("de Gaulle") != fold_surname("Gaulle")


@pytest.mark.parametrize("bad", ["", "  ", "-", "Dupont2", "x" * 101, "Robert; DROP TABLE", "@@"])
def test_invalid_surnames(bad: str) -> None:
    with pytest.raises(NormalisationError):
        fold_surname(bad)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=20))
def test_folding_is_idempotent(name: str) -> None:
    try:
        folded = fold_surname(name)
    except NormalisationError:
        return
    assert fold_surname(folded) == folded
    assert fold_surname(name.upper()) == folded or not name.isascii()


def test_birth_dates() -> None:
    today = date(2026, 11, 26)
    assert normalise_birth_date("1980-02-01", today) == date(1980, 2, 1)
    assert normalise_birth_date("01/02/1980", today) == date(1980, 2, 1)
    assert normalise_birth_date(date(2026, 11, 26), today) == date(2026, 11, 26)
    for bad in [
        "1899-12-31",
        "2026-11-27",
        "1980-02-30",
        "1980-13-01",
        "tomorrow",
        "",
        "80-02-01",
        "1980/02/01x",
    ]:
        with pytest.raises(NormalisationError):
            normalise_birth_date(bad, today)


def test_emails() -> None:
    assert normalise_email("  Jean.Dupont@Example.FR ") == "jean.dupont@example.fr"
    for bad in ["", "jean", "jean@", "@example.fr", "a b@example.fr", "jean@example"]:
        with pytest.raises(NormalisationError):
            normalise_email(bad)
