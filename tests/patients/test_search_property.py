"""Property: any accepted spelling of a number finds exactly that number's records, in that practice only."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.patients.helpers import create, search

# national form → E.164; a Réunion mobile, metropolitan mobiles and a Paris landline
NUMBERS = {
    "0612345678": "+33612345678",
    "0692123456": "+262692123456",
    "0142345678": "+33142345678",
    "0781920314": "+33781920314",
    "0699999999": "+33699999999",  # nobody has this one
}
HOLDERS = {  # practice → patient label → numbers
    "paris": {"p1": ["0612345678"], "p2": ["0612345678", "0142345678"], "p3": ["0692123456"]},
    "reunion": {"q1": ["0612345678"], "q2": ["0692123456", "0781920314"]},
}


def spellings(national: str, e164: str) -> st.SearchStrategy[str]:
    cc = e164[1 : len(e164) - 9]
    rest = national[1:]
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    return st.sampled_from([
        national, " ".join(pairs), ".".join(pairs), "-".join(pairs), e164,
        f"+{cc} {rest[0]} {' '.join(pairs[1:])}", f"00{cc}{rest}", f"00 {cc} {rest}", f"+{cc} (0){rest}",
        f"  {national} ",
    ])  # fmt: skip


def _create(client, headers, practice_id, label: str, numbers: list[str]) -> str:  # type: ignore[no-untyped-def]
    surname = "Patient" + "ABCDE"[int(label[1])]
    return create(client, headers, practice_id, surname=surname, phones=numbers)["patient"]["id"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_spelling_finds_exactly_the_holders_in_the_right_practice(client, make, data) -> None:
    world = getattr(test_any_spelling_finds_exactly_the_holders_in_the_right_practice, "_world", None)
    if world is None or world[0] is not make:
        practices = {"paris": make.practice(), "reunion": make.practice(timezone="Indian/Reunion")}
        practices["reunion"].phone_region = "RE"
        make.db.add(practices["reunion"])
        headers = {k: make.headers("agent", [p]) for k, p in practices.items()}
        ids = {
            k: {label: _create(client, headers[k], p.id, label, nums) for label, nums in HOLDERS[k].items()}
            for k, p in practices.items()
        }
        world = (make, practices, headers, ids)
        test_any_spelling_finds_exactly_the_holders_in_the_right_practice._world = world  # type: ignore[attr-defined]
    _, practices, headers, ids = world
    where = data.draw(st.sampled_from(sorted(practices)))
    national = data.draw(st.sampled_from(sorted(NUMBERS)))
    spelled = data.draw(spellings(national, NUMBERS[national]))
    found = sorted(h["id"] for h in search(client, headers[where], practices[where].id, phone=spelled))
    expected = sorted(ids[where][label] for label, nums in HOLDERS[where].items() if national in nums)
    assert found == expected
