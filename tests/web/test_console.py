"""The agent console end to end, keyboard only, in Debian's Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import CALLER_PHONE, Server
from tests.web.helpers import Keys, login, shot, take_call

pytestmark = pytest.mark.browser


def test_routine_booking_keyboard_only(page: Any, server: Server) -> None:
    keys = login(page, server.url)
    shot(page, "01-nouvel-appel")
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
    while page.query_selector("#question"):
        text = page.inner_text("#question-text")
        booking.press("2")
        page.wait_for_function(
            "(t) => !document.querySelector('#question-text') || document.querySelector('#question-text').innerText !== t",
            arg=text,
        )
    page.wait_for_selector("#disposition")
    page.wait_for_selector("#slots:focus")
    shot(page, "04-creneaux")
    booking.press("Enter")
    page.wait_for_selector("#confirm-yes:focus")
    booking.press("Enter")
    page.wait_for_selector("#booked")
    shot(page, "05-rendez-vous-confirme")
    print(f"\nbooking key presses after identification: {booking.count} ({' '.join(booking.log)})")
    assert booking.count <= 12
