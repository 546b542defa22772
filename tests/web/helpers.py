"""Keyboard-only helpers for the console tests: every key press goes through `Keys`."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.web.conftest import AGENT, DEMO_PASSWORD, SCREENSHOTS


@dataclass
class Keys:
    """Presses keys on the page and counts them (typing a word counts one press per character)."""

    page: Any
    count: int = 0
    log: list[str] = field(default_factory=list)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1
        self.log.append(key)

    def type(self, text: str) -> None:
        for ch in text:
            self.page.keyboard.type(ch)
            self.count += 1
            self.log.append(ch)


def login(page: Any, base: str) -> Keys:
    keys = Keys(page)
    page.goto(base + "/console/")
    page.wait_for_selector("#login-email:focus")
    keys.type(AGENT)
    keys.press("Tab")
    keys.type(DEMO_PASSWORD)
    keys.press("Enter")
    page.wait_for_selector("#practice-q:focus")
    return keys


def take_call(page: Any, keys: Keys, letters: str, caller: str = "") -> None:
    """From the home screen: a few letters of the practice, Enter, the caller's number, Enter."""
    keys.type(letters)
    page.wait_for_function(
        "(t) => document.querySelector('#practice-q')?.getAttribute('aria-activedescendant')", arg=letters
    )
    keys.press("Enter")
    page.wait_for_selector("#caller-number:focus")
    keys.type(caller)
    keys.press("Enter")
    page.wait_for_selector("#sheet")


def shot(page: Any, name: str) -> Path:
    """A screenshot: into docs/screenshots/ with PERMANENCE_WEB_SCREENSHOTS=1, else a temp dir
    (so a test run does not dirty the working tree)."""
    target = SCREENSHOTS if os.environ.get("PERMANENCE_WEB_SCREENSHOTS") else Path(tempfile.gettempdir())
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path))
    return path


NEXT_QUESTION = """(t) => {
  const q = document.querySelector('#question-text');
  return !q || q.innerText !== t;
}"""


def answer_no_until_done(page: Any, keys: Keys) -> int:
    """Answer "Non" (key 2) to every question until the disposition shows; returns how many."""
    n = 0
    page.wait_for_selector("#question:focus, #disposition")
    while page.query_selector("#question"):
        text = page.inner_text("#question-text")
        keys.press("2")
        n += 1
        page.wait_for_function(NEXT_QUESTION, arg=text)
    page.wait_for_selector("#disposition")
    return n
