"""`permanence sync-agendas`: pull every due remote agenda into busy intervals (once, or in a loop)."""

from __future__ import annotations

import time
from typing import Annotated

import typer


def sync_agendas(
    loop: Annotated[
        bool, typer.Option(help="Keep running, checking for due agendas every --interval s.")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between checks in --loop mode.")] = 30.0,
) -> None:
    """Synchronise due agenda sources (CalDAV, iCal links); one failing agenda never stops the others."""
    from app.calendars.service import sync_due_sources
    from app.core.db import get_engine

    while True:
        counts = sync_due_sources(get_engine())
        if counts or not loop:
            typer.echo(
                "agendas synchronised: "
                + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none due")
            )
        if not loop:
            return
        time.sleep(interval)
