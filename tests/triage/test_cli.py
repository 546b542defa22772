"""`permanence lint-protocols`: exit 0 on sound rules, 1 with file: reason on broken ones."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from tests.triage.conftest import FIXTURE_RULES


def test_lint_protocols_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["lint-protocols", str(FIXTURE_RULES)])
    assert ok.exit_code == 0, ok.output
    assert "triage rules OK" in ok.output
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    (root / "protocols" / "chest_pain.yaml").write_text("id: [broken\n", encoding="utf-8")
    bad = runner.invoke(app, ["lint-protocols", str(root)])
    assert bad.exit_code == 1
    assert "protocols/chest_pain.yaml" in bad.output and "unreadable YAML" in bad.output
