"""The hash chain: it verifies, it names the first tampered row, it survives rotation and concurrency."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction

from auditlog.actors import Actor
from auditlog.chain import compute_hash, signing_key
from auditlog.models import Action, AuditEvent
from auditlog.services import audit_record
from auditlog.verification import HASH_MISMATCH, MISSING_LINK, UNKNOWN_KEY, verify_chain
from tests.support.audit import tamper


def record_many(count: int) -> list[AuditEvent]:
    return [audit_record(action=Action.UPDATE, actor=Actor.system(), target_type="thing", target_id=str(i),
                         changes={"n": [i, i + 1]}) for i in range(count)]


@pytest.mark.django_db
def test_an_intact_chain_verifies_streaming_in_small_chunks():
    record_many(7)
    result = verify_chain(chunk_size=2)
    assert result.ok and result.checked == 7 and result.head_seq == AuditEvent.objects.latest("seq").seq


@pytest.mark.django_db
def test_an_empty_chain_verifies():
    result = verify_chain()
    assert result.ok and result.checked == 0


@pytest.mark.django_db
def test_a_changed_row_is_named_as_a_hash_mismatch():
    events = record_many(5)
    tamper("UPDATE auditlog_auditevent SET note = 'forged' WHERE id = %s", [events[2].pk])
    result = verify_chain(chunk_size=2)
    assert not result.ok
    assert (result.broken_event_id, result.reason, result.checked) == (events[2].pk, HASH_MISMATCH, 2)


@pytest.mark.django_db
def test_a_rehashed_row_without_the_key_still_breaks():
    """Recomputing a plain SHA-256 (no key) over forged content cannot produce a valid HMAC."""
    events = record_many(3)
    tamper("UPDATE auditlog_auditevent SET actor_name = 'mallory', hash = encode(sha256('x'::bytea), 'hex') "
           "WHERE id = %s", [events[1].pk])
    result = verify_chain()
    assert (result.ok, result.broken_event_id, result.reason) == (False, events[1].pk, HASH_MISMATCH)


@pytest.mark.django_db
def test_a_deleted_row_is_a_missing_link_at_its_successor():
    events = record_many(4)
    tamper("DELETE FROM auditlog_auditevent WHERE id = %s", [events[1].pk])
    result = verify_chain()
    assert (result.ok, result.broken_event_id, result.reason) == (False, events[2].pk, MISSING_LINK)
    assert "expected seq" in result.detail


@pytest.mark.django_db
def test_a_relinked_row_is_a_missing_link():
    events = record_many(3)
    tamper("UPDATE auditlog_auditevent SET prev_hash = %s WHERE id = %s", ["0" * 64, events[2].pk])
    result = verify_chain()
    assert (result.broken_event_id, result.reason) == (events[2].pk, MISSING_LINK)


@pytest.mark.django_db
def test_an_event_signed_with_a_retired_key_is_an_unknown_key(settings):
    settings.AUDIT_HMAC_KEYS = {"2025": "k" * 40}
    old = record_many(2)
    settings.AUDIT_HMAC_KEYS = {"2026": "n" * 40}
    result = verify_chain()
    assert (result.ok, result.broken_event_id, result.reason) == (False, old[0].pk, UNKNOWN_KEY)


@pytest.mark.django_db
def test_key_rotation_new_events_use_the_last_key_and_old_ones_still_verify(settings):
    settings.AUDIT_HMAC_KEYS = {"2025": "k" * 40}
    old = record_many(2)
    settings.AUDIT_HMAC_KEYS = {"2025": "k" * 40, "2026": "n" * 40}
    new = record_many(2)
    assert {e.key_id for e in old} == {"2025"} and {e.key_id for e in new} == {"2026"}
    assert signing_key() == ("2026", "n" * 40)
    assert new[0].hash == compute_hash(AuditEvent.objects.get(pk=new[0].pk), "n" * 40)
    assert verify_chain().ok
    # A key with the right id but the wrong secret is detected, not trusted by name.
    settings.AUDIT_HMAC_KEYS = {"2025": "k" * 40, "2026": "wrong" * 8}
    result = verify_chain()
    assert (result.broken_event_id, result.reason) == (new[0].pk, HASH_MISMATCH)


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_form_one_valid_chain():
    threads, per_thread = 8, 12
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():  # a service: a change and its event in one transaction
                    group = Group.objects.create(name=f"w{n}-{i}")
                    audit_record(action=Action.CREATE, actor=Actor.system(f"writer-{n}"), target=group)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert not errors, errors
    total = threads * per_thread
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    assert len({name for name in AuditEvent.objects.values_list("actor_name", flat=True)}) == threads
    result = verify_chain(chunk_size=10)
    assert result.ok and result.checked == total
