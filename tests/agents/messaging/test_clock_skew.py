"""Send order does not depend on a web host's clock (two real gunicorn processes, one a second behind)."""

from __future__ import annotations

import glob

import pytest

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import AgentEvent, Delivery
from tests.support.faults import FAST, operator_token, post_message
from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

#: Larger than the 250 ms seen between real hosts, so the test does not depend on how fast it runs.
SKEW = "-1"


def libfaketime() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found:  # scripts/testenv.py installs it with the other system packages the suite needs
        pytest.fail("libfaketime is missing: run the suite through `make test` (scripts/testenv.py)")
    return found[0]


def test_one_clients_sends_alternating_between_skewed_hosts_are_delivered_in_send_order(
        tmp_path, private_redis, alice, bob):
    # Their own broker: no worker of the suite hears their wake-ups, so everything waits until we deliver.
    env = {**FAST, "REDIS_URL": private_redis.url}
    token = operator_token(alice.organization)
    on_time, on_time_base = start_gunicorn(tmp_path, **env)
    # (libfaketime's option to leave the monotonic clock alone breaks sleeps: the whole process is shifted.)
    behind, behind_base = start_gunicorn(tmp_path, LD_PRELOAD=libfaketime(), FAKETIME=SKEW, **env)
    try:
        ids = []
        for n in range(20):  # one client, each send after the previous 201, alternating hosts
            base = (on_time_base, behind_base)[n % 2]
            status, body = post_message(base, token, {"sender": str(alice.pk), "performative": "inform",
                                                      "to": [str(bob.pk)], "content": {"n": n},
                                                      "conversation_id": "6a3e1f7e-64f8-4a25-9f37-5d9b5a3f3b11"})
            assert status == 201, body
            ids.append(body["id"])
    finally:
        on_time.stop()
        behind.stop()
    sent_at = list(Delivery.objects.filter(message_id__in=ids).order_by("seq").values_list("sent_at", flat=True))
    assert sent_at != sorted(sent_at), "the second host's clock was not behind: the test proves nothing"

    while delivery_dispatch_due():  # what the worker runs
        pass
    handed_over = [event.message.content["n"] for event in
                   AgentEvent.objects.filter(agent=bob).select_related("message").order_by("id")]
    assert handed_over == list(range(20))
