"""Linter: each check catches its problem, and the real rule set is clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.triage.lint import lint_dir
from tests.triage.conftest import FIXTURE_RULES, real_rules_or_skip


def _broken(tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in lint_dir(root)]


def test_fixture_rules_are_clean() -> None:
    assert lint_dir(FIXTURE_RULES) == []


def test_question_only_at_default_level_is_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    path = root / "protocols" / "chest_pain.yaml"
    text = path.read_text().replace("default_level: routine", "default_level: soon")
    path.write_text(text.replace('  routine: {say: "Rendez-vous."}\n', ""), "utf-8")
    problems = lint_dir(root)
    assert [str(p) for p in problems if not p.warning] == []
    assert any(p.warning and "'cough' only appears in rules at the default" in p.message for p in problems)


CHEST = "protocols/chest_pain.yaml"
FEVER = "protocols/fever_rash.yaml"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (CHEST, "finding: cough}", "finding: coughs}", "unknown finding 'coughs'"),
        (
            CHEST,
            'level: emergency, call: "15", why: "ACS."}',
            'level: emergency, why: "ACS."}',
            "must name call",
        ),
        (CHEST, 'call: "15", why: "ACS."}', 'call: "18", why: "ACS."}', "must name call"),
        (CHEST, "level: urgent, why", 'level: urgent, call: "15", why', "only for emergency"),
        (
            CHEST,
            "  - {finding: sweating}\n",
            "  - {finding: sweating}\n  - {finding: rash}\n",
            "'rash' can never",
        ),
        (CHEST, "all: [cough]", "all: [rash]", "never asks: rash"),
        (CHEST, '  soon: {say: "Rendez-vous sous 48 h."}\n', "", "no outcome script for level 'soon'"),
        (CHEST, "Raccrochez et appelez le 15.", "Raccrochez.", "must name the number"),
        (CHEST, 'references: ["fixture reference"]', "references: []", "references must not be empty"),
        (CHEST, "motif: consultation_urgente", "motif: urgence_absolue", "unknown motif code"),
        (CHEST, "  - {finding: cough}\n", "  - {finding: cough}\n  - {finding: cough}\n", "asked 2 times"),
        (
            CHEST,
            "  - {finding: chest_pain_at_rest, red_flag: true}\n",
            "  - {finding: chest_pain_at_rest}\n",
            "red-flag questions must all come before",
        ),
        (FEVER, "default_level: self_care", "default_level: soon", "below the default level"),
        (
            FEVER,
            '  self_care: {say: "Conseils."}\n',
            '  self_care: {say: "Conseils."}\n  emergency: {say: "Appelez le 15"}\n',
            "outcome 'emergency' can never be returned",
        ),
        (
            "vocabulary/generaliste.yaml",
            "protocols: [fever_rash]",
            "protocols: [fievre]",
            "unknown protocol 'fievre'",
        ),
        ("vocabulary/generaliste.yaml", "motif: consultation}", "motif: rdv}", "unknown motif 'rdv'"),
        ("modifiers.yaml", "protocols: [fever_rash]", "protocols: [nope]", "unknown protocol 'nope'"),
        ("global.yaml", 'call: "112"', 'call: "114"', "must name call"),
        (CHEST, "id: acs_pattern", "id: g_unresponsive", "used 2 times"),
    ],
)
def test_each_check_fires(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    problems = _broken(tmp_path, file, old, new)
    assert any(expected in p and (file.split("/")[-1] in p) for p in problems), problems


def test_protocol_without_entry_points(tmp_path: Path) -> None:
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    path = root / "protocols" / "fever_rash.yaml"
    path.write_text(
        path.read_text().replace('entry_phrases: ["fièvre avec des boutons", "boutons et fievre"]\n', ""),
        "utf-8",
    )
    (root / "vocabulary" / "generaliste.yaml").write_text(
        'entries:\n  - {phrase: "poitrine", protocols: [chest_pain]}\n', "utf-8"
    )
    assert any("can never be suggested" in str(p) for p in lint_dir(root))


def test_load_failure_is_reported_as_problems(tmp_path: Path) -> None:
    problems = _broken(tmp_path, CHEST, "id: chest_pain", "id: thorax")
    assert any("differs from the file name" in p for p in problems)


def test_real_rule_set_lints_clean() -> None:
    """The rule set shipped in triage_rules/ must have zero problems (the service refuses to start)."""
    real_rules_or_skip()
    problems = [str(p) for p in lint_dir() if not p.warning]
    assert problems == [], "\n".join(problems)
