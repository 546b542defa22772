"""`permanence lint-protocols`: check every triage rule file (registered in app/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.triage.lint import lint_dir
from app.triage.protocols import DEFAULT_RULES_DIR


def lint_protocols(
    path: Annotated[Path, typer.Argument(help="rules directory")] = DEFAULT_RULES_DIR,
) -> None:
    """Check the triage rules (schema, findings, rules, scripts, termination); exit 1 on any problem."""
    problems = lint_dir(path)
    for problem in problems:
        typer.echo(str(problem), err=True)
    errors = [p for p in problems if not p.warning]
    if errors:
        typer.echo(f"{len(errors)} problem(s) in {path}", err=True)
        raise typer.Exit(1)
    typer.echo(f"triage rules OK: {path} ({len(problems)} warning(s))")
