"""The agent console end to end, keyboard only, in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.web.conftest import AGENT, CALLER_PHONE, DEMO_PASSWORD, Server
from tests.web.helpers import Keys, answer_no_until_done, login, shot, take_call

pytestmark = pytest.mark.browser


def test_routine_booking_keyboard_only(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    shot(page, "01-nouvel-appel")
    keys = Keys(page)  # count from the first key press of the call
    take_call(page, keys, "bati", CALLER_PHONE)
    # The caller's number matched one record: Enter confirms it.
    page.wait_for_selector("#caller-q:focus")
    page.wait_for_selector("li[role=option][aria-selected=true] >> text=DUPONT")
    keys.press("Enter")
    page.wait_for_selector("#caller-identified")
    page.wait_for_selector("#triage-q:focus")
    booking = Keys(page)
    booking.type("ren")
    page.wait_for_selector("#triage-panel li[role=option]")
    booking.press("Enter")
    page.wait_for_selector("#question:focus")
    shot(page, "03-triage-question")
    answer_no_until_done(page, booking)
    page.wait_for_selector("#disposition")
    page.wait_for_selector("#slots:focus")
    shot(page, "04-creneaux")
    booking.press("Enter")
    page.wait_for_selector("#confirm-yes:focus")
    booking.press("Enter")
    page.wait_for_selector("#booked")
    shot(page, "05-rendez-vous-confirme")
    print(f"\nbooking key presses after identification: {booking.count} ({' '.join(booking.log)})")
    print(
        f"whole call, from the practice's letters to the confirmed appointment: {keys.count + booking.count}"
    )
    assert booking.count <= 12
    assert page.input_value("#close-outcome") == "booked"


@contextmanager
def _api(server: Server) -> Iterator[httpx.Client]:
    """The agent's API client, to check what the console really did."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as c:
        login = {"email": AGENT, "password": DEMO_PASSWORD, "mode": "token"}
        c.headers["Authorization"] = "Bearer " + c.post("/auth/login", json=login).json()["token"]
        yield c


def _identify_by_name(page: Any, keys: Keys, query: str) -> None:
    page.wait_for_selector("#caller-q:focus")
    keys.type(query)
    keys.press("Enter")
    page.wait_for_selector("#caller-panel li[role=option][aria-selected=true] >> strong")
    keys.press("Enter")
    page.wait_for_selector("#triage-q:focus")


def test_emergency_chest_pain_ends_on_the_15_banner(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    take_call(page, keys, "batig")
    _identify_by_name(page, keys, "Lefebvre 02/07/1958")
    keys.type("mal poitrine")
    page.wait_for_selector("#triage-panel li[role=option] >> text=Douleur thoracique")
    keys.press("Enter")
    page.wait_for_selector("#question.redflag:focus")
    assert "Signe d'alerte" in page.inner_text("#question")
    keys.press("1")  # pain for more than 20 minutes: a red flag
    page.wait_for_selector("#disposition[data-level=emergency]")
    keys.press("Backspace")  # back to change the answer: the question comes again
    page.wait_for_selector("#question.redflag:focus")
    assert page.query_selector("#disposition") is None
    keys.press("1")
    banner = page.wait_for_selector("#disposition[data-level=emergency]")
    assert "15" in page.inner_text("#emergency-number")
    assert "URGENCE VITALE" in banner.inner_text()
    # Nothing invites booking: the booking panel is gone, no slot is offered.
    assert page.is_hidden("#booking-panel")
    assert page.query_selector("#slots li") is None
    assert page.input_value("#close-outcome") == "redirected_emergency"
    shot(page, "06-urgence-15")
    keys.press("Alt+c")
    page.wait_for_selector("#close-call:focus")
    keys.press("Enter")
    page.wait_for_selector("#practice-q:focus")
    bati = server.practices["Cabinet médical des Batignolles"]
    with _api(server) as api:
        calls = api.get(f"/practices/{bati['id']}/calls", params={"outcome": "redirected_emergency"}).json()
    assert len(calls) >= 1


def test_message_for_a_practitioner_prefilled_from_triage(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    take_call(page, keys, "bati", CALLER_PHONE)
    page.wait_for_selector("#caller-panel li[role=option][aria-selected=true] >> text=DUPONT")
    keys.press("Enter")
    page.wait_for_selector("#triage-q:focus")
    keys.type("ren")
    page.wait_for_selector("#triage-panel li[role=option]")
    keys.press("Enter")
    page.wait_for_selector("#question:focus")
    answer_no_until_done(page, keys)
    page.wait_for_selector("#slots:focus")
    keys.press("Alt+g")
    page.wait_for_selector("#msg-who:focus")
    assert "DUPONT Marie" in page.input_value("#msg-body")
    assert "Renouvellement" in page.input_value("#msg-subject")
    assert page.input_value("#msg-phone") == CALLER_PHONE
    keys.type("Dr Y")  # type-ahead in the practitioner list
    keys.press("Tab")
    keys.press("ArrowDown")  # a callback request
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Control+End")
    keys.type("\nDemande aussi un certificat de sport.")
    shot(page, "07-message")
    keys.press("Control+Enter")
    page.wait_for_selector("#message-sent")
    assert "Dr Youssef Benali" in page.inner_text("#message-sent")
    assert page.input_value("#close-outcome") == "message_taken"
    bati = server.practices["Cabinet médical des Batignolles"]
    with _api(server) as api:
        staff = api.get(f"/practices/{bati['id']}/practitioners").json()
        practitioners = {p["display_name"]: p["id"] for p in staff}
        rows = api.get(f"/practices/{bati['id']}/messages").json()
        mine = [m for m in rows if m["practitioner_id"] == practitioners["Dr Youssef Benali"]]
        assert mine, rows
        msg = api.get(f"/messages/{mine[0]['id']}").json()
    assert msg["kind"] == "callback"
    assert msg["callback_number"] == CALLER_PHONE
    assert "certificat de sport" in msg["body"]
    assert msg["triage_session_id"] is not None and msg["call_id"] is not None
    keys.press("Alt+c")
    keys.press("Enter")
    page.wait_for_selector("#practice-q:focus")


def test_move_then_cancel_an_existing_appointment(page: Any, server: Server) -> None:
    bati = server.practices["Cabinet médical des Batignolles"]
    patient = server.patients["lefebvre"]
    with _api(server) as api:
        motifs = api.get(f"/practices/{bati['id']}/motifs").json()
        motif = next(m for m in motifs if m["code"] == "consultation")
        query = {"motif_id": motif["id"], "limit": 1}
        slot = api.get(f"/practices/{bati['id']}/slots", params=query).json()["slots"][0]
        booked = api.post(
            "/appointments",
            json={
                "practice_id": bati["id"],
                "practitioner_id": slot["practitioner_id"],
                "motif_id": motif["id"],
                "start": slot["start"],
                "patient_id": patient["id"],
            },
        )
        assert booked.status_code == 201, booked.text
        appointment = booked.json()
    keys = login(page, server.url)
    take_call(page, keys, "bati")
    _identify_by_name(page, keys, "lefebvre")
    page.wait_for_selector("#appointments li")
    shot(page, "08-rendez-vous-existant")
    keys.press("Alt+r")
    page.wait_for_selector("#appointments button:focus >> text=Déplacer")
    keys.press("Enter")
    page.wait_for_selector("#slots:focus")
    keys.press("ArrowDown")
    keys.press("Enter")
    page.wait_for_selector("#confirm-yes:focus")
    keys.press("Enter")
    page.wait_for_selector("#book-work .done >> text=déplacé")
    keys.press("Alt+r")
    keys.press("Tab")
    page.wait_for_selector("#appointments button:focus >> text=Annuler")
    keys.press("Enter")
    keys.press("Enter")
    page.wait_for_selector("#book-work .done >> text=annulé")
    assert page.input_value("#close-outcome") == "cancelled"
    with _api(server) as api:
        after = api.get(f"/appointments/{appointment['id']}").json()
    assert after["status"] == "cancelled"
    assert after["start"] != appointment["start"]


def test_call_opened_by_the_telephony_system_is_picked_up_and_closed(page: Any, server: Server) -> None:
    bati = server.practices["Cabinet médical des Batignolles"]
    keys = login(page, server.url)
    with _api(server) as api:
        opened = api.post("/calls", json={"called_number": "+33142930101", "caller_number": CALLER_PHONE})
        assert opened.status_code == 201, opened.text
        call_id = opened.json()["id"]
    page.wait_for_selector("#incoming li >> text=Batignolles")
    shot(page, "02-appel-entrant")
    keys.press("Alt+a")
    page.wait_for_selector("#sheet")
    assert "bonjour" in page.inner_text("#sheet .greeting")
    page.wait_for_selector("#caller-panel li[role=option][aria-selected=true] >> text=DUPONT")
    keys.press("Enter")
    page.wait_for_selector("#caller-identified")
    keys.press("Alt+c")
    page.wait_for_selector("#close-call:focus")
    keys.press("Shift+Tab")
    keys.type("Simple")  # type-ahead: "Simple renseignement"
    keys.press("Tab")
    keys.press("Enter")
    page.wait_for_selector("#practice-q:focus")
    with _api(server) as api:
        call = api.get(f"/calls/{call_id}").json()
    assert call["status"] == "ended"
    assert call["outcome"] == "information_only"
    assert call["answered_at"] is not None
    dupont = server.patients["dupont"]["id"]
    assert any(link["kind"] == "patient" and link["target_id"] == dupont for link in call["links"])
    assert bati["id"] == call["practice_id"]


def test_new_patient_then_dental_booking(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    take_call(page, keys, "bellec", "06 99 88 77 66")
    page.wait_for_selector("#caller-panel li[role=option][aria-selected=true] >> text=Nouveau patient")
    keys.press("Enter")
    page.wait_for_selector("#new-surname:focus")
    assert page.input_value("#new-phone") == "06 99 88 77 66"
    keys.type("Martin")
    keys.press("Tab")
    keys.type("Paul")
    keys.press("Tab")
    keys.type("01/02/1990")
    shot(page, "09-nouveau-patient")
    keys.press("Enter")
    page.wait_for_selector("#caller-identified >> text=MARTIN Paul")
    page.wait_for_selector("#triage-q:focus")
    booking = Keys(page)
    booking.type("detartrage")
    page.wait_for_selector("#triage-panel li[role=option]")
    booking.press("Enter")
    answer_no_until_done(page, booking)
    page.wait_for_selector("#slots:focus")
    booking.press("Enter")
    page.wait_for_selector("#confirm-yes:focus")
    booking.press("Enter")
    page.wait_for_selector("#booked")
    print(f"\ndental booking key presses after identification: {booking.count} ({' '.join(booking.log)})")
    bellecour = server.practices["Cabinet dentaire Bellecour"]
    with _api(server) as api:
        found = api.post(f"/practices/{bellecour['id']}/patients/search", json={"phone": "0699887766"}).json()
        assert len(found["items"]) == 1
        pid = found["items"][0]["id"]
        appts = api.get(f"/practices/{bellecour['id']}/appointments", params={"patient_id": pid}).json()
    assert len(appts) == 1 and appts[0]["triage_session_id"] is not None


def test_first_load_is_small(page: Any, server: Server) -> None:
    sizes: dict[str, int] = {}

    def record(response: Any) -> None:
        if "/console/" in response.url:
            sizes[response.url.split("/console/", 1)[1] or "index.html"] = len(response.body())

    page.on("response", record)
    page.goto(server.url + "/console/")
    page.wait_for_selector("#login-email:focus")
    shot(page, "00-connexion")
    total = sum(sizes.values())
    print(f"\nfirst load: {total} bytes in {len(sizes)} files (uncompressed)")
    assert {"index.html", "app.js", "styles.css"} <= set(sizes)
    assert total < 300_000


def test_global_red_flag_ticked_mid_triage_turns_the_call_into_an_emergency(
    page: Any, server: Server
) -> None:
    keys = login(page, server.url)
    take_call(page, keys, "bati", CALLER_PHONE)
    page.wait_for_selector("#caller-panel li[role=option][aria-selected=true] >> text=DUPONT")
    keys.press("Enter")
    page.wait_for_selector("#triage-q:focus")
    keys.type("ren")
    page.wait_for_selector("#triage-panel li[role=option]")
    keys.press("Enter")
    page.wait_for_selector("#question:focus")
    keys.press("Alt+u")  # the caller now says her husband is breathing badly
    page.wait_for_selector("#gf-unresponsive:focus")
    keys.press("Tab")
    page.wait_for_selector("#gf-not_breathing_normally:focus")
    keys.press("Space")
    page.wait_for_selector("#disposition[data-level=emergency]")
    assert page.is_hidden("#booking-panel")
    assert page.input_value("#close-outcome") == "redirected_emergency"


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label'))
  .map((el) => el.id || el.outerHTML)"""


def test_opened_on_the_called_number_with_every_field_labelled(page: Any, server: Server) -> None:
    page.goto(server.url + "/console/#appel?appele=%2B33478420202")
    page.wait_for_selector("#login-email:focus")
    assert page.evaluate(UNLABELLED) == []
    keys = Keys(page)
    keys.type(AGENT)
    keys.press("Tab")
    keys.type(DEMO_PASSWORD)
    keys.press("Enter")
    page.wait_for_selector("#sheet >> text=Cabinet dentaire Bellecour")
    page.wait_for_selector("#caller-q:focus")
    assert page.evaluate(UNLABELLED) == []
    keys.type("Martin")  # a surname with no record: the list offers a new patient
    keys.press("Enter")
    page.wait_for_selector("#caller-panel li[role=option] >> text=Nouveau patient")
    keys.press("Alt+n")
    page.wait_for_selector("#new-surname")
    assert page.input_value("#new-surname") == "Martin"
    assert page.evaluate(UNLABELLED) == []
    keys.press("Alt+g")
    page.wait_for_selector("#msg-who:focus")
    assert page.evaluate(UNLABELLED) == []


def test_urgent_disposition_offers_only_todays_slots_and_an_urgent_message(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    take_call(page, keys, "bati")
    _identify_by_name(page, keys, "Lefebvre 02/07/1958")
    keys.type("mal poitrine")
    page.wait_for_selector("#triage-panel li[role=option] >> text=Douleur thoracique")
    keys.press("Enter")
    answer_no_until_done(page, keys)  # no red flag: chest pain is still seen today
    page.wait_for_selector("#disposition[data-level=urgent]")
    page.wait_for_function(
        "() => /créneau\\(x\\)|aucun créneau/.test(document.querySelector('#book-info').innerText)"
    )
    when = page.eval_on_selector_all("#slots li .when", "els => els.map((e) => e.innerText)")
    if when:
        assert all(w.startswith("aujourd'hui") for w in when), when
        assert page.input_value("#book-motif") == next(
            m["id"]
            for m in _motifs(server, "Cabinet médical des Batignolles")
            if m["code"] == "consultation_urgente"
        )
    else:  # late in the evening: nothing left today, the console says to leave a message
        assert "aucun créneau" in page.inner_text("#book-info")
    keys.press("Alt+g")
    page.wait_for_selector("#msg-who:focus")
    assert page.input_value("#msg-priority") == "urgent"
    assert "Urgent" in page.input_value("#msg-subject")


def _motifs(server: Server, practice: str) -> list[dict[str, Any]]:
    with _api(server) as api:
        return list(api.get(f"/practices/{server.practices[practice]['id']}/motifs").json())
