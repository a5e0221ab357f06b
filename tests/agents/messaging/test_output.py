"""MessageOutput builds its representation by hand: it must equal what ModelSerializer would build."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from agents.messaging.api.serializers import MessageDetailOutput, MessageOutput
from agents.messaging.services.send import message_send
from agents.models import Message
from tests.support.actors import SYSTEM
from tests.support.api import create_user


def _as_json(data) -> object:
    return json.loads(json.dumps(data, cls=JSONEncoder))


def _generic(serializer_class, message: Message) -> object:
    """The representation ModelSerializer derives from the declared fields."""
    return _as_json(serializers.ModelSerializer.to_representation(serializer_class(message), message))


def test_the_hand_built_representation_equals_the_generic_one(org, alice, bob):
    later = timezone.now() + datetime.timedelta(days=1)
    question = message_send(organization=org, sender_agent=alice, by=SYSTEM, performative="query-ref",
                            to=[bob.pk], content=None).message
    answer = message_send(organization=org, sender_agent=bob, by=SYSTEM, performative="inform", to=[alice.pk],
                          in_reply_to=question.pk, reply_by=later, expires_at=later, priority=3, topic="",
                          content={"answer": [1, "two", None]}, ontology="o", language="l", protocol="p",
                          reply_with="r", idempotency_key="k").message
    person = create_user()
    assign_perm("view_organization", person, org)  # a person addresses only agents they may see
    by_person = message_send(organization=org, by=person, performative="inform", to=[bob.pk]).message
    for message in (question, answer, by_person, Message.objects.select_related("sender_agent").get(pk=answer.pk)):
        assert _as_json(MessageOutput(message).data) == _generic(MessageOutput, message)
        assert set(MessageOutput(message).data) == set(MessageOutput.Meta.fields)
    detail = Message.objects.prefetch_related("deliveries__recipient").get(pk=answer.pk)
    assert _as_json(MessageDetailOutput(detail).data) == _generic(MessageDetailOutput, detail)
    assert MessageDetailOutput(detail).data["deliveries"][0]["recipient"] == alice.pk
