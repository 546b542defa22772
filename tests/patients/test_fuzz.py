"""Arbitrary input never crashes the patients API: it is stored (201/200) or refused with a problem (4xx)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.patients.helpers import BASE

texts = st.text(max_size=40)
PLAUSIBLE = ["Dupont", "de La Tour", "06 12 34 56 78", "0692 12 34 56", "1980-02-29", "2999-01-01", "F", "X"]
PLAUSIBLE += ["a@b.fr", "", " ", "ç", "\u0000", "+33 6", "0033612345678"]
plausible = st.sampled_from(PLAUSIBLE)
values = st.one_of(
    st.none(),
    texts,
    plausible,
    st.integers(),
    st.booleans(),
    st.lists(st.one_of(texts, plausible), max_size=3),
)
FIELDS = ["surname", "birth_surname", "given_names", "birth_date", "sex", "phones", "email", "notes"]
bodies = st.dictionaries(st.sampled_from([*FIELDS, "limit", "phone", "extra"]), values, max_size=6)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _world(test, make):  # type: ignore[no-untyped-def]
    cached = getattr(test, "_world", None)
    if cached is None or cached[0] is not make:
        practice = make.practice()
        cached = (make, practice, make.headers("agent", [practice]))
        test._world = cached
    return cached[1], cached[2]


@FUZZ
@given(body=bodies)
def test_create_never_fails_with_a_server_error(client, make, body) -> None:
    practice, agent = _world(test_create_never_fails_with_a_server_error, make)
    response = client.post(f"{BASE}/practices/{practice.id}/patients", json=body, headers=agent)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert response.headers["content-type"].startswith("application/problem+json")


@FUZZ
@given(body=bodies)
def test_search_never_fails_with_a_server_error(client, make, body) -> None:
    practice, agent = _world(test_search_never_fails_with_a_server_error, make)
    response = client.post(f"{BASE}/practices/{practice.id}/patients/search", json=body, headers=agent)
    assert response.status_code in (200, 422), response.text
