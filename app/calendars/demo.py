"""The demo practitioners' agendas: .ics files in calendars/, loaded as `file` sources."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session

from app.calendars.models import AgendaSource
from app.calendars.service import load_demo_agenda
from app.practices.models import Practitioner

DEMO_DIR = Path(__file__).resolve().parents[2] / "calendars"


def slug(name: str) -> str:
    """ "Dr Hélène Rousseau" → "dr-helene-rousseau" (the file name of her demo agenda)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def agenda_file(practitioner: Practitioner, directory: Path = DEMO_DIR) -> Path | None:
    path = directory / f"{slug(practitioner.display_name)}.ics"
    return path if path.is_file() else None


def load_demo_agendas(
    session: Session, practitioners: Iterable[Practitioner], directory: Path = DEMO_DIR
) -> list[AgendaSource]:
    """Give every practitioner that has a calendars/<slug>.ics a file source, synced at once."""
    loaded = []
    for practitioner in practitioners:
        path = agenda_file(practitioner, directory)
        if path is not None:
            loaded.append(load_demo_agenda(session, practitioner, path))
    return loaded
