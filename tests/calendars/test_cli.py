"""`permanence sync-agendas` runs the worker's sync pass once."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli import app


def test_sync_agendas_once():
    result = CliRunner().invoke(app, ["sync-agendas"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("agendas synchronised:")
