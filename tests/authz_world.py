"""The world the authorization matrix walks: a home practice the actors belong to and a foreign one.

Each domain that adds a route teaches this file how to build a *foreign* object for each new path
parameter (FOREIGN_IDS), an example body for each new write route (BODIES) and required query values
(QUERIES). The matrix fails until it knows them, so no route escapes the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.practices.models import Practice
from tests.factories import Factory

MARKER = "Zorglub"  # appears in every foreign object's text; must never appear in an answer to an outsider


@dataclass
class World:
    make: Factory
    home: Practice
    foreign: Practice
    cache: dict[str, str] = field(default_factory=dict)

    def foreign_id(self, param: str) -> str:
        if param not in self.cache:
            self.cache[param] = FOREIGN_IDS[param](self)
        return self.cache[param]


def build(make: Factory) -> World:
    home = make.practice("Cabinet Maison")
    foreign = make.practice(f"Cabinet {MARKER}")
    make.sheet(foreign, greeting=f"Bonjour {MARKER}")
    make.practitioner(foreign, name=f"Dr {MARKER}")
    make.motif(foreign, code="consultation")
    return World(make=make, home=home, foreign=foreign)


def _user_in_foreign(w: World) -> str:
    user, _ = w.make.user("agent", [w.foreign])
    return str(user.id)


def _api_key_of_foreign(w: World) -> str:
    from app.auth import service

    key, _ = service.create_api_key(
        w.make.db, client=f"client {MARKER}", scopes=["practices:read"], practice_ids=[w.foreign.id]
    )
    return str(key.id)


def _calls(w: World, param: str) -> str:
    from tests.calls.world import foreign_id

    return foreign_id(param, w, MARKER)


def _calls_bodies(w: World) -> dict[tuple[str, str], dict[str, Any]]:
    from tests.calls.world import bodies

    return bodies(w)


from tests.calls.world import FOREIGN_INPUT as _CALLS_FOREIGN_INPUT  # noqa: E402
from tests.calls.world import QUERIES as _CALLS_QUERIES  # noqa: E402

_CALLS_BODY_ROUTES = [
    ("POST", "/api/v1/calls"),
    ("POST", "/api/v1/calls/{call_id}/answer"),
    ("POST", "/api/v1/calls/{call_id}/close"),
    ("POST", "/api/v1/calls/{call_id}/links"),
    ("POST", "/api/v1/practices/{practice_id}/messages"),
    ("PUT", "/api/v1/practices/{practice_id}/billing-plan"),
    ("POST", "/api/v1/practices/{practice_id}/webhooks"),
]

# Path parameter name → a function creating an object of the FOREIGN practice and returning its id.
FOREIGN_IDS: dict[str, Callable[[World], str]] = {
    "practice_id": lambda w: str(w.foreign.id),
    "practitioner_id": lambda w: str(w.make.practitioner(w.foreign, name=f"Dr {MARKER} bis").id),
    "motif_id": lambda w: str(w.make.motif(w.foreign, code="motif_matrix").id),
    "user_id": _user_in_foreign,
    "api_key_id": _api_key_of_foreign,
    "patient_id": lambda w: _patient_of_foreign(w),
    "triage_session_id": lambda w: _triage_session_of_foreign(w),
    **{
        p: (lambda w, p=p: _scheduling(w, p))
        for p in ("hold_id", "appointment_id", "exception_id", "token_id")
    },
    **{p: (lambda w, p=p: _calls(w, p)) for p in ("call_id", "message_id", "webhook_id", "delivery_id")},
}

# (method, path template) → example body naming foreign objects wherever an id can be given.
BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("POST", "/api/v1/auth/login"): lambda w: {"email": "nobody@example.org", "password": "x"},
    ("POST", "/api/v1/practices"): lambda w: {"name": "Nouveau", "specialties": ["kine"]},
    ("PATCH", "/api/v1/practices/{practice_id}"): lambda w: {"name": "Renommé"},
    ("POST", "/api/v1/practices/{practice_id}/instructions"): lambda w: {
        "greeting": "Bonjour",
        "urgent_calls": "15",
    },
    ("POST", "/api/v1/practices/{practice_id}/practitioners"): lambda w: {
        "display_name": "Dr X",
        "specialty": "generaliste",
    },
    ("PATCH", "/api/v1/practitioners/{practitioner_id}"): lambda w: {"display_name": "Dr Y"},
    ("PUT", "/api/v1/practitioners/{practitioner_id}/agenda"): lambda w: {"kind": "internal"},
    ("POST", "/api/v1/practices/{practice_id}/motifs"): lambda w: {"code": "nouveau", "label": "Nouveau"},
    ("PATCH", "/api/v1/motifs/{motif_id}"): lambda w: {"duration_minutes": 30},
    ("POST", "/api/v1/users"): lambda w: {
        "email": "x@example.org",
        "display_name": "X",
        "role": "agent",
        "password": "long enough pw",
        "practice_ids": [str(w.foreign.id)],
    },
    ("PUT", "/api/v1/users/{user_id}/practices"): lambda w: {"practice_ids": [str(w.foreign.id)]},
    ("POST", "/api/v1/api-keys"): lambda w: {
        "client": "x",
        "scopes": ["practices:read"],
        "practice_ids": [str(w.foreign.id)],
    },
    ("POST", "/api/v1/practices/{practice_id}/patients"): lambda w: {
        "surname": "Nouveau",
        "phones": ["0612345678"],
    },
    ("POST", "/api/v1/practices/{practice_id}/patients/search"): lambda w: {"surname": MARKER},
    ("PATCH", "/api/v1/patients/{patient_id}"): lambda w: {"notes": "modifié"},
    ("POST", "/api/v1/triage/suggest"): lambda w: {"text": "mal à la poitrine"},
    ("POST", "/api/v1/triage/assess"): lambda w: {"protocol_id": "chest_pain", "findings": {}},
    ("POST", "/api/v1/triage/sessions"): lambda w: {
        "practice_id": str(w.foreign.id),
        "protocol_id": "chest_pain",
    },
    ("POST", "/api/v1/triage/sessions/{triage_session_id}/answers"): lambda w: {
        "finding": "unresponsive",
        "answer": "no",
    },
    ("POST", "/api/v1/holds"): lambda w: _scheduling_body(w, "hold"),
    ("POST", "/api/v1/appointments"): lambda w: _scheduling_body(w, "appointment"),
    ("POST", "/api/v1/appointments/{appointment_id}/reschedule"): lambda w: _scheduling_body(w, "reschedule"),
    ("PUT", "/api/v1/practitioners/{practitioner_id}/opening-hours"): lambda w: _scheduling_body(w, "hours"),
    ("POST", "/api/v1/practices/{practice_id}/opening-exceptions"): lambda w: _scheduling_body(
        w, "exception"
    ),
    **{key: (lambda w, key=key: _calls_bodies(w)[key]) for key in _CALLS_BODY_ROUTES},
}

# (method, path template) → query parameters; foreign values where the query names an object.
QUERIES: dict[tuple[str, str], Callable[[World], dict[str, str]]] = {
    ("GET", "/api/v1/practices/route"): lambda w: {"called_number": _foreign_number(w)},
    ("GET", "/api/v1/practices/{practice_id}/slots"): lambda w: {"motif_id": w.foreign_id("motif_id")},
    **{key: (lambda w, q=q: dict(q)) for key, q in _CALLS_QUERIES.items()},
}

# Bodies or queries that name a foreign object: an outsider must get 403/404, never a success.
FOREIGN_INPUT: set[tuple[str, str]] = {
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/api-keys"),
    ("GET", "/api/v1/practices/route"),
    ("POST", "/api/v1/holds"),
    ("POST", "/api/v1/triage/sessions"),
    ("POST", "/api/v1/appointments"),
    *_CALLS_FOREIGN_INPUT,
}

# Routes whose credential is not the actor (e.g. secret feed tokens) with the reason; checked elsewhere.
NOT_ACTOR_AUTHORIZED: dict[str, str] = {
    "/feeds/{token}.ics": "secret 256-bit feed token, no actor (tests/scheduling/test_feeds.py)",
    # Not practice data: the shared protocol catalogue, the same for every practice (triage:read checked).
    "/api/v1/triage/protocols/{protocol_id}": "shared catalogue, no practice (tests/triage/test_api.py)",
}


def _foreign_number(w: World) -> str:
    from app.practices import service

    return service.numbers_of(w.make.db, w.foreign.id)[0].number


def _patient_of_foreign(w: World) -> str:
    from app.patients import service
    from app.patients.schemas import PatientCreate
    from tests.factories import ADMIN

    body = PatientCreate(surname=MARKER, phones=["0611223344"])
    patient, _, _ = service.create(w.make.db, ADMIN, w.foreign.id, body)
    return str(patient.id)


def _scheduling(w: World, param: str) -> str:
    from tests.scheduling.world import foreign_id

    return foreign_id(param, w.make, w.foreign, MARKER)


def _scheduling_body(w: World, kind: str) -> dict[str, Any]:
    from tests.scheduling.world import bodies

    return bodies(w.foreign, w.foreign_id("practitioner_id"), w.foreign_id("motif_id"))[kind]


def _triage_session_of_foreign(w: World) -> str:
    from app.triage import service
    from app.triage.schemas import SessionCreate
    from tests.factories import ADMIN

    body = SessionCreate(practice_id=w.foreign.id, protocol_id="chest_pain")
    return str(service.create_session(w.make.db, ADMIN, body)[0].row.id)
