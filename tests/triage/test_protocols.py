"""Loader: validation errors name the file and the reason; content hash; immutability."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.triage.protocols import RuleLoadError, RuleSet, content_hash, load_rules
from tests.triage.conftest import FIXTURE_RULES


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    return root


def _messages(root: Path) -> list[str]:
    with pytest.raises(RuleLoadError) as exc:
        load_rules(root)
    return [str(p) for p in exc.value.problems]


def test_loads_fixture_rules(fixture_rules: RuleSet) -> None:
    assert set(fixture_rules.protocols) == {"chest_pain", "fever_rash"}
    assert fixture_rules.canonical_finding("pyrexia") == "fever"
    assert fixture_rules.canonical_finding("nope") is None
    assert len(fixture_rules.protocol_hashes["chest_pain"]) == 64


def test_translate_codes_aliases_and_reversed_codes(fixture_rules: RuleSet) -> None:
    assert fixture_rules.translate("fever", True) == [("fever", True)]
    assert fixture_rules.translate("pyrexia", False) == [("fever", False)]
    assert fixture_rules.translate("skin_clear", True) == [("rash", False)]
    assert fixture_rules.translate("skin_clear", False) == []  # "skin not clear" is not "rash: yes"
    assert fixture_rules.translate("nope", True) is None


def test_rule_set_is_immutable(fixture_rules: RuleSet) -> None:
    with pytest.raises(TypeError):
        fixture_rules.protocols["x"] = fixture_rules.protocols["chest_pain"]  # type: ignore[index]
    with pytest.raises(Exception):
        fixture_rules.protocols["chest_pain"].version = 9  # type: ignore[misc]


def test_duplicate_finding_names_both_files(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "findings" / "extra.yaml").write_text(
        'findings:\n  cough:\n    question: "Tousse ?"\n    label: "Cough"\n', encoding="utf-8"
    )
    msgs = _messages(root)
    assert any("findings/extra.yaml" in m and "'cough' already defined" in m for m in msgs)


def test_id_must_equal_file_name(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.move(root / "protocols" / "chest_pain.yaml", root / "protocols" / "thorax.yaml")
    msgs = _messages(root)
    assert any("protocols/thorax.yaml" in m and "differs from the file name" in m for m in msgs)


def test_schema_error_names_file_and_field(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "protocols" / "fever_rash.yaml"
    path.write_text(path.read_text().replace("level: urgent", "level: critical"), encoding="utf-8")
    msgs = _messages(root)
    assert any("protocols/fever_rash.yaml" in m and "rules.0.level" in m for m in msgs)


def test_unreadable_yaml(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "protocols" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert any("protocols/broken.yaml" in m and "unreadable YAML" in m for m in _messages(root))


def test_modifier_cannot_create_emergency(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "modifiers.yaml"
    path.write_text(
        path.read_text().replace("raise_to_at_least: urgent", "raise_to_at_least: emergency"), "utf-8"
    )
    assert any("modifiers.yaml" in m and "never creates an emergency" in m for m in _messages(root))


def test_missing_directory() -> None:
    with pytest.raises(RuleLoadError, match="not found"):
        load_rules("/nonexistent/triage_rules")


def test_hash_ignores_layout_but_not_content(tmp_path: Path, fixture_rules: RuleSet) -> None:
    root = _copy(tmp_path)
    path = root / "protocols" / "fever_rash.yaml"
    path.write_text("# a comment\n" + path.read_text(), encoding="utf-8")
    assert load_rules(root).protocol_hashes["fever_rash"] == fixture_rules.protocol_hashes["fever_rash"]
    path.write_text(path.read_text().replace("Fever.", "Fever!"), encoding="utf-8")
    assert load_rules(root).protocol_hashes["fever_rash"] != fixture_rules.protocol_hashes["fever_rash"]
    assert content_hash(fixture_rules.protocols["fever_rash"]) == fixture_rules.protocol_hashes["fever_rash"]
