"""Use cases of triage sessions: start, read (audited), answer or undo.

Session answers, patient context and rule path are encrypted; the clear columns hold the protocol id,
its content hash and the level only. Every read or change of a session leaves an audit event. The
stateless use cases (rule set, protocols, suggestions, batch assess) are in app/triage/catalogue.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import ensure_practice, get_owned
from app.core.clock import utcnow
from app.core.errors import Conflict, Invalid
from app.crypto import service as keys
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.practices.models import Practice
from app.triage import views
from app.triage.catalogue import (
    BrokenRuleSet,
    canonical_code,
    compiled,
    patient_context,
    protocol,
    rules,
    startup_check,
)
from app.triage.compiled import CompiledProtocol
from app.triage.engine import (
    Answer,
    PatientContext,
    TriageInputError,
    assess,
    check_applicable,
    next_question,
    resolve,
)
from app.triage.models import TABLE, TriageSession
from app.triage.schemas import AnswerRequest, PatientContextIn, SessionCreate

__all__ = ["BrokenRuleSet", "answer_session", "create_session", "read_session", "startup_check"]
RESOURCE = "triage_session"


def _event(session: Session, actor: Actor, action: str, row: TriageSession) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=row.practice_id,
        resource_type=RESOURCE,
        resource_id=row.id,
    )


def _cipher(session: Session, row: TriageSession) -> RowCipher:
    return RowCipher(keys.keyring_for(session, row.practice_id), TABLE, row.id)


def _store(session: Session, row: TriageSession, state: views.StoredState, ev: views.Evaluated) -> None:
    cipher = _cipher(session, row)
    row.context = cipher.seal_json("context", state.context)
    row.answers = cipher.seal_json("answers", state.answers)
    row.rule_path = cipher.seal_json("rule_path", views.disposition_json(ev.disposition))
    row.level = ev.disposition.level.name
    row.answer_count = len(state.answers)
    row.updated_at = utcnow()
    if ev.question is None and row.completed_at is None:
        row.completed_at = row.updated_at
    elif ev.question is not None:
        row.completed_at = None
    session.add(row)
    session.flush()


def _evaluate(
    cp: CompiledProtocol, ctx: PatientContext, answers: Iterable[tuple[str, Answer]]
) -> views.Evaluated:
    answers = list(answers)
    return views.Evaluated(assess(cp, answers, ctx), next_question(cp, resolve(cp, answers, ctx)))


def create_session(
    session: Session, actor: Actor, body: SessionCreate, idempotency_key: str | None = None
) -> tuple[views.SessionView, bool]:
    """Start a session; with an Idempotency-Key, a replay returns the first session (second value True)."""
    practice = session.get(Practice, body.practice_id)
    ensure_practice(
        session,
        actor,
        practice.id if practice else None,
        resource_type="practice",
        resource_id=body.practice_id,
    )
    key = fingerprint = None
    if idempotency_key is not None:
        # Keyed digests: neither the client's key nor the body can be guessed back from the columns.
        ring = keys.keyring_for(session, body.practice_id)
        key = ring.keyed_digest("idempotency-key", f"triage:{actor.kind}:{actor.id}:{idempotency_key}")
        fingerprint = ring.keyed_digest("create-body", body.model_dump_json())
        earlier = session.exec(
            select(TriageSession).where(
                TriageSession.practice_id == body.practice_id, TriageSession.create_key == key
            )
        ).first()
        if earlier is not None:
            if earlier.create_fingerprint != fingerprint:
                raise Conflict("This Idempotency-Key was already used with a different body.")
            return read_session(session, actor, earlier.id), True
    protocol(body.protocol_id, in_body=True)
    cp = compiled(body.protocol_id)
    ctx = patient_context(body.patient)
    try:
        check_applicable(cp, ctx)
    except TriageInputError as exc:
        raise Invalid(str(exc)) from exc
    row = TriageSession(
        practice_id=body.practice_id,
        protocol_id=cp.id,
        protocol_version=cp.protocol.version,
        protocol_hash=cp.content_hash,
        global_hash=rules().global_hash,
        actor_kind=actor.kind,
        actor_id=actor.id,
        call_id=body.call_id,
        create_key=key,
        create_fingerprint=fingerprint,
    )
    session.add(row)
    session.flush()
    state = views.StoredState(body.patient.model_dump(), [])
    ev = _evaluate(cp, ctx, [])
    _store(session, row, state, ev)
    _event(session, actor, "triage_session.create", row)
    return views.SessionView(row, state, ev.disposition_json(), ev.question, cp), False


def _load(session: Session, actor: Actor, session_id: uuid.UUID) -> TriageSession:
    row = get_owned(session, actor, TriageSession, session_id, resource_type=RESOURCE)
    return row


def _open(session: Session, row: TriageSession) -> tuple[views.StoredState, dict[str, Any]]:
    def use(ring: PracticeKeyring) -> tuple[views.StoredState, dict[str, Any]]:
        cipher = RowCipher(ring, TABLE, row.id)
        state = views.StoredState(
            cipher.open_json("context", row.context), cipher.open_json("answers", row.answers)
        )
        return state, cipher.open_json("rule_path", row.rule_path)

    return keys.open_with_reload(session, row.practice_id, use)


def _current(row: TriageSession) -> CompiledProtocol | None:
    """The compiled protocol if it is still the exact version the session started with."""
    proto = rules().protocols.get(row.protocol_id)
    if proto is None or rules().protocol_hashes[row.protocol_id] != row.protocol_hash:
        return None
    return compiled(row.protocol_id)


def read_session(session: Session, actor: Actor, session_id: uuid.UUID) -> views.SessionView:
    row = _load(session, actor, session_id)
    state, stored = _open(session, row)
    cp = _current(row)
    question = None
    if cp is not None and row.completed_at is None:
        question = next_question(
            cp, resolve(cp, state.pairs(), patient_context(PatientContextIn(**state.context)))
        )
    _event(session, actor, "triage_session.read", row)
    return views.SessionView(row, state, stored, question, cp)


def answer_session(
    session: Session, actor: Actor, session_id: uuid.UUID, body: AnswerRequest
) -> views.SessionView:
    row = _load(session, actor, session_id)
    cp = _current(row)
    if cp is None:
        raise Conflict("The protocol has changed since this session started; start a new session.")
    state, _ = _open(session, row)
    ctx = patient_context(PatientContextIn(**state.context))
    if body.action == "undo":
        if not state.answers:
            raise Invalid("Nothing to undo.")
        state = views.StoredState(state.context, state.answers[:-1])
    else:
        assert body.finding is not None and body.answer is not None
        code = canonical_code(body.finding)
        if code not in cp.askable:
            raise Invalid(
                "This finding is not a question of the session's protocol.",
                errors=[{"loc": ["finding"], "msg": "not asked in this protocol"}],
            )
        state = views.StoredState(state.context, [*state.answers, [code, body.answer]])
    ev = _evaluate(cp, ctx, state.pairs())
    _store(session, row, state, ev)
    _event(session, actor, "triage_session.answer", row)
    return views.SessionView(row, state, ev.disposition_json(), ev.question, cp)
