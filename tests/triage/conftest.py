"""Triage test fixtures: a small fixture rule set, and the real rule set under triage_rules/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.triage.compiled import CompiledProtocol, compile_protocol
from app.triage.protocols import DEFAULT_RULES_DIR, RuleSet, load_rules

FIXTURE_RULES = Path(__file__).parent / "fixtures" / "rules"


@pytest.fixture(scope="session")
def fixture_rules() -> RuleSet:
    return load_rules(FIXTURE_RULES)


@pytest.fixture(scope="session")
def chest(fixture_rules: RuleSet) -> CompiledProtocol:
    return compile_protocol(fixture_rules, "chest_pain")


@pytest.fixture(scope="session")
def fever_rash(fixture_rules: RuleSet) -> CompiledProtocol:
    return compile_protocol(fixture_rules, "fever_rash")


def real_rules_or_skip() -> RuleSet:
    rules = load_rules(DEFAULT_RULES_DIR)
    if not rules.protocols:
        pytest.skip("triage_rules/protocols is empty")
    return rules
