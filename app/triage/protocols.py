"""Loader of `triage_rules/`: parses and validates every file once, returns an immutable rule set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.triage.schema import (
    Finding,
    FindingFile,
    GlobalRules,
    ModifierFile,
    Protocol,
    VocabularyEntry,
    VocabularyFile,
)

M = TypeVar("M", bound=BaseModel)

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "triage_rules"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the rule files: which file, and why."""

    file: str
    message: str
    warning: bool = False  # a warning is shown but does not stop the service

    def __str__(self) -> str:
        return f"{self.file}: {'warning: ' if self.warning else ''}{self.message}"


class RuleLoadError(Exception):
    """The rule set cannot be loaded; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class VocabularySource:
    entry: VocabularyEntry
    file: str


@dataclass(frozen=True)
class RuleSet:
    """Everything under triage_rules/, validated and frozen."""

    root: Path
    findings: Mapping[str, Finding]
    finding_files: Mapping[str, str]
    aliases: Mapping[str, str]
    negations: Mapping[str, tuple[str, ...]]
    global_rules: GlobalRules
    modifiers: ModifierFile
    protocols: Mapping[str, Protocol]
    protocol_files: Mapping[str, str]
    protocol_hashes: Mapping[str, str]
    vocabulary: tuple[VocabularySource, ...]
    global_hash: str = field(default="")

    def protocol(self, protocol_id: str) -> Protocol:
        return self.protocols[protocol_id]

    def canonical_finding(self, code: str) -> str | None:
        """The catalogue code for a code or one of its aliases, None when unknown."""
        if code in self.findings:
            return code
        return self.aliases.get(code)

    def translate(self, code: str, positive: bool) -> list[tuple[str, bool]] | None:
        """Catalogue facts implied by an input code's answer; None for an unknown code.

        A code or alias maps to itself; a `negated_by` code's yes gives no for each finding it
        negates, and its no implies nothing (an empty list).
        """
        canonical = self.canonical_finding(code)
        if canonical is not None:
            return [(canonical, positive)]
        if code in self.negations:
            return [(f, False) for f in self.negations[code]] if positive else []
        return None


def content_hash(model: BaseModel) -> str:
    """sha256 of the canonical JSON of a validated model (key order and YAML layout do not matter)."""
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, f"unreadable YAML: {exc}"))
        return None


def _validate(model: type[M], data: Any, rel: str, problems: list[Problem]) -> M | None:
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors()[:10]:
            loc = ".".join(str(x) for x in err["loc"]) or "(root)"
            problems.append(Problem(rel, f"{loc}: {err['msg']}"))
        return None


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent))


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _load_findings(
    root: Path, problems: list[Problem]
) -> tuple[dict[str, Finding], dict[str, str], dict[str, str]]:
    findings: dict[str, Finding] = {}
    files: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for path in _yaml_files(root / "findings"):
        rel = _rel(path, root)
        parsed = _validate(FindingFile, _read_yaml(path, root, problems), rel, problems)
        if parsed is None:
            continue
        for code, finding in parsed.findings.items():
            if code in findings:
                problems.append(Problem(rel, f"finding {code!r} already defined in {files[code]}"))
                continue
            findings[code] = finding
            files[code] = rel
    for code, finding in findings.items():
        for alias in finding.aliases:
            if alias in findings or aliases.get(alias, code) != code:
                problems.append(Problem(files[code], f"alias {alias!r} of {code!r} is already a code"))
            else:
                aliases[alias] = code
    return findings, files, aliases


def _negations(findings: Mapping[str, Finding], files: Mapping[str, str], problems: list[Problem]) -> dict:
    out: dict[str, tuple[str, ...]] = {}
    for code, finding in findings.items():
        for other in finding.negated_by:
            if other in findings:
                problems.append(Problem(files[code], f"negated_by {other!r} of {code!r} is a finding code"))
            else:
                out[other] = (*out.get(other, ()), code)
    return out


def load_rules(root: Path | str = DEFAULT_RULES_DIR) -> RuleSet:
    """Parse every file under `root`; raise RuleLoadError naming each bad file and the reason."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise RuleLoadError([Problem(str(root), "rules directory not found")])
    findings, finding_files, aliases = _load_findings(root, problems)
    negations = _negations(findings, finding_files, problems)

    global_path = root / "global.yaml"
    global_rules = GlobalRules()
    if global_path.is_file():
        data = _read_yaml(global_path, root, problems)
        global_rules = _validate(GlobalRules, data, _rel(global_path, root), problems) or global_rules
    modifiers_path = root / "modifiers.yaml"
    modifiers = ModifierFile()
    if modifiers_path.is_file():
        data = _read_yaml(modifiers_path, root, problems)
        modifiers = _validate(ModifierFile, data, _rel(modifiers_path, root), problems) or modifiers

    protocols: dict[str, Protocol] = {}
    protocol_files: dict[str, str] = {}
    for path in _yaml_files(root / "protocols"):
        rel = _rel(path, root)
        proto = _validate(Protocol, _read_yaml(path, root, problems), rel, problems)
        if proto is None:
            continue
        if proto.id != path.stem:
            problems.append(Problem(rel, f"id {proto.id!r} differs from the file name {path.stem!r}"))
            continue
        protocols[proto.id] = proto
        protocol_files[proto.id] = rel

    vocabulary: list[VocabularySource] = []
    for path in _yaml_files(root / "vocabulary"):
        rel = _rel(path, root)
        vocab = _validate(VocabularyFile, _read_yaml(path, root, problems), rel, problems)
        if vocab is not None:
            vocabulary.extend(VocabularySource(entry, rel) for entry in vocab.entries)

    if problems:
        raise RuleLoadError(problems)
    return RuleSet(
        root=root,
        findings=MappingProxyType(findings),
        finding_files=MappingProxyType(finding_files),
        aliases=MappingProxyType(aliases),
        negations=MappingProxyType(negations),
        global_rules=global_rules,
        modifiers=modifiers,
        protocols=MappingProxyType(dict(sorted(protocols.items()))),
        protocol_files=MappingProxyType(protocol_files),
        protocol_hashes=MappingProxyType({pid: content_hash(p) for pid, p in protocols.items()}),
        vocabulary=tuple(vocabulary),
        global_hash=content_hash(global_rules),
    )


@lru_cache(maxsize=4)
def get_rules(root: str = str(DEFAULT_RULES_DIR)) -> RuleSet:
    """The rule set, loaded once per process (files are data shipped with the release)."""
    return load_rules(Path(root))
