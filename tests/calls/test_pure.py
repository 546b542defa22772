"""Pure cores of the calls domain: priority, signatures, acknowledgement tokens, statistics, billing."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.calls import ack_token, billing, priority, signing, stats


def test_priority_is_the_more_pressing():
    assert priority.derive(None, None) == "normal"
    assert priority.derive("low", "emergency") == "urgent"
    assert priority.derive("urgent", "self_care") == "urgent"
    assert priority.derive(None, "soon") == "high"
    assert priority.derive("high", "unknown-level") == "high"


def test_signature_round_trip_and_rejections():
    body = b'{"id":"x"}'
    head = signing.header("whsec_k", 1_700_000_000, body)
    assert head.startswith("t=1700000000,v1=")
    assert signing.verify("whsec_k", head, body, now=1_700_000_100)
    assert not signing.verify("whsec_k", head, body + b" ", now=1_700_000_100)  # body changed
    assert not signing.verify("whsec_other", head, body, now=1_700_000_100)  # wrong secret
    assert not signing.verify("whsec_k", head, body, now=1_700_000_000 + 301)  # replayed later
    assert not signing.verify("whsec_k", "v1=abc", body, now=1_700_000_000)
    forged = head.replace("t=1700000000", "t=1700000200")
    assert not signing.verify("whsec_k", forged, body, now=1_700_000_200)  # timestamp is signed


def test_ack_tokens():
    claim = ack_token.AckClaim(uuid.uuid4(), uuid.uuid4(), 2_000)
    token = ack_token.issue("key", claim)
    assert ack_token.read("key", token, now=1_000) == claim
    assert ack_token.read("key", token, now=2_001) is None  # expired
    assert ack_token.read("other", token, now=1_000) is None
    payload, mac = token.split(".")
    assert (
        ack_token.read("key", payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + mac, now=1_000)
        is None
    )
    assert ack_token.read("key", "garbage", now=1_000) is None
    assert ack_token.read("key", "", now=1_000) is None


@settings(max_examples=200)
@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=1, max_size=60))
def test_p90_is_a_nearest_rank_percentile(values):
    p = stats.p90(values)
    assert p in values
    assert sum(v <= p for v in values) >= math.ceil(0.9 * len(values))
    assert sum(v < p for v in values) < math.ceil(0.9 * len(values))


def _fact(minute, answer, handling):
    ring = datetime(2026, 11, 2, 8, 0, tzinfo=UTC) + timedelta(minutes=minute)
    answered = ring + timedelta(seconds=answer) if answer is not None else None
    ended = (answered or ring) + timedelta(seconds=handling)
    return stats.CallFact(ring, answered, ended, "booked" if answered else "abandoned")


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(st.integers(0, 5000), st.one_of(st.none(), st.integers(0, 300)), st.integers(0, 4000)),
        max_size=40,
    )
)
def test_figures_add_up(rows):
    facts = [_fact(*r) for r in rows]
    f = stats.compute(facts, "Europe/Paris")
    assert f.received == len(facts) == f.answered + f.abandoned
    assert (
        sum(b.received for b in f.by_day.values())
        == f.received
        == sum(b.received for b in f.by_hour.values())
    )
    assert sum(f.outcomes.values()) == f.received
    if f.answered:
        assert (
            f.answer_mean is not None
            and f.answer_p90 is not None
            and f.answer_mean <= max(r[1] or 0 for r in rows)
        )


@settings(max_examples=100)
@given(st.integers(0, 50), st.integers(0, 30), st.integers(0, 500), st.integers(0, 10_000))
def test_package_total(answered, included, overage, fee):
    calls = [billing.BilledCall(uuid.uuid4(), _fact(i, 10, 60)) for i in range(answered)]
    calls += [billing.BilledCall(uuid.uuid4(), _fact(i, None, 20)) for i in range(3)]  # abandoned: free
    plan = billing.Plan("package", monthly_fee_cents=fee, included_calls=included, overage_cents=overage)
    inv = billing.invoice(calls, plan, "Europe/Paris")
    assert inv.billable_calls == answered
    assert inv.total_cents == fee + max(0, answered - included) * overage


def test_per_hour_rounds_once_half_up():
    calls = [billing.BilledCall(uuid.uuid4(), _fact(0, 0, 1)) for _ in range(3)]  # 3 s
    inv = billing.invoice(calls, billing.Plan("per_hour", hourly_cents=600), "UTC")  # 600 c/h → 0.1667 c/s
    assert inv.handling_seconds == 3 and inv.total_cents == 1  # 0.5 → 1 (half up), not 3 × 0
    assert billing.to_csv(inv).splitlines()[0] == ",".join(billing.COLUMNS)
