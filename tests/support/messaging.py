"""Messaging test helpers: a send as the system, an operator of an organization, the send-as permission matrix."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from agents.messaging.services.send import message_send
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory
from tests.support.permission_matrix import PermissionMatrix


def send(sender, **kw):
    """``message_send`` as the system, from ``sender``'s organization: an inform saying hello unless told."""
    kw.setdefault("performative", "inform")
    kw.setdefault("content", {"text": "hello"})
    return message_send(organization=sender.organization, sender_agent=sender, by=SYSTEM, **kw)


def operator_of(org):
    """A person who may view and operate every agent of ``org`` (a grant on the organization)."""
    user = create_user(roles=("operator",))
    for verb in ("view", "operate"):
        assign_perm(f"{verb}_organization", user, org)
    return user


class SendAsMatrix(PermissionMatrix):
    """Sending as an agent needs operate on it; the object under test is the sending agent.

    Subclass it as ``Test<Door>SendAsPermissions`` for each door that sends (one message, a batch),
    overriding ``write`` and, where the answer differs, the permitted-write test.
    """

    detail_url = "/api/v1/agents/{pk}/inbox/"
    write_method = "post"
    write_action = "operate"
    audit_action = "create"

    def make_object(self):
        agent = AgentFactory()
        self_recipient = AgentFactory(organization=agent.organization)
        agent.test_recipient = self_recipient
        return agent

    def write(self, client, obj):
        return client.post("/api/v1/messages/", {"sender": str(obj.pk), "performative": "inform",
                                                 "to": [str(obj.test_recipient.pk)]}, format="json")

    def audit_count(self, obj):
        return AuditEvent.objects.filter(action="create", target_type="agents.message").count()

    def created_id(self, response):
        """The id of the message a permitted write created (a batch answers a list)."""
        return response.json()["id"]

    def test_a_permitted_write_succeeds_and_is_audited(self):
        self.grant(self.user, "view", self.obj)
        self.grant(self.user, "operate", self.obj)
        self.grant(self.user, "view", self.obj.test_recipient)  # a person addresses only agents they may see
        response = self.write(client_for(self.user), self.obj)
        assert response.status_code == 201, response.content
        event = AuditEvent.objects.get(target_id=self.created_id(response), action="create")
        assert event.actor_id == str(self.user.pk) and event.changes["sender_agent"][1] == str(self.obj.pk)
