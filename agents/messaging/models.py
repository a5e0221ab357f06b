"""Agent messaging: FIPA-ACL shaped messages, one delivery per recipient, subscriptions.

PostgreSQL is the source of truth (ARCHITECTURE.md §7): a message and its
deliveries are committed together (the outbox); the broker only wakes the
delivery worker. The legal moves of a delivery's status are
``DELIVERY_TRANSITIONS``, applied by ``agents.messaging.services.states``
and nowhere else. A delivery handed to an internal agent becomes an event of
reasoning (``agents.reasoning.events.models.AgentEvent``, kind ``message``),
stored through the handler of ``agents.messaging.inbox``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from agents.agent.models import Agent
from agents.common.limits import SHORT_TEXT
from agents.common.models import json_size_check
from agents.organization.models import Organization


class Performative(models.TextChoices):
    """The FIPA-ACL communicative acts MABOS accepts."""

    INFORM = "inform", "inform"
    REQUEST = "request", "request"
    QUERY_IF = "query-if", "query-if"
    QUERY_REF = "query-ref", "query-ref"
    PROPOSE = "propose", "propose"
    ACCEPT_PROPOSAL = "accept-proposal", "accept-proposal"
    REJECT_PROPOSAL = "reject-proposal", "reject-proposal"
    AGREE = "agree", "agree"
    REFUSE = "refuse", "refuse"
    FAILURE = "failure", "failure"
    CONFIRM = "confirm", "confirm"
    DISCONFIRM = "disconfirm", "disconfirm"
    CFP = "cfp", "cfp"
    SUBSCRIBE = "subscribe", "subscribe"
    CANCEL = "cancel", "cancel"
    NOT_UNDERSTOOD = "not-understood", "not-understood"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"        # waiting to be claimed (next_attempt_at says when)
    DISPATCHED = "dispatched", "dispatched"  # claimed by a worker under a lease
    DELIVERED = "delivered", "delivered"  # in the recipient's inbox, waiting for its ack
    ACKED = "acked", "acked"              # done
    FAILED = "failed", "failed"           # an attempt failed; retried at next_attempt_at
    DEAD = "dead", "dead"                 # out of attempts (or refused): a dead letter
    EXPIRED = "expired", "expired"        # the message expired before it was handed over


def delivery_summary(counts: dict[str, int]) -> str:
    """How a message's deliveries stand, in one phrase a person reads ("3 acked, 1 dead"), in the order of
    the states; "—" when there is none. The messages list and an agent's page say it the same way."""
    return ", ".join(f"{counts[status]} {status}" for status in DeliveryStatus.values if counts.get(status)) or "—"


#: status -> the statuses it may move to. The one table; ``states.transition`` applies it.
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.DISPATCHED, DeliveryStatus.EXPIRED, DeliveryStatus.DEAD}),
    # dispatched -> acked: an internal agent's message event is the handler, so storing it is the ack.
    DeliveryStatus.DISPATCHED: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ACKED, DeliveryStatus.FAILED,
                                          DeliveryStatus.PENDING, DeliveryStatus.DEAD, DeliveryStatus.EXPIRED}),
    DeliveryStatus.DELIVERED: frozenset({DeliveryStatus.ACKED, DeliveryStatus.FAILED, DeliveryStatus.PENDING,
                                         DeliveryStatus.DEAD}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.DISPATCHED, DeliveryStatus.EXPIRED, DeliveryStatus.DEAD}),
    DeliveryStatus.DEAD: frozenset({DeliveryStatus.PENDING}),  # redelivery by an operator
    DeliveryStatus.ACKED: frozenset(),
    DeliveryStatus.EXPIRED: frozenset(),
}
#: Deliveries not yet handed over: a later message of the same (conversation, recipient) waits for them.
NOT_HANDED_OVER = (DeliveryStatus.PENDING, DeliveryStatus.DISPATCHED, DeliveryStatus.FAILED)
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
LEASED = (DeliveryStatus.DISPATCHED, DeliveryStatus.DELIVERED)


def sources_of(target: str) -> frozenset[str]:
    """The statuses from which ``target`` may be reached."""
    return frozenset(src for src, targets in DELIVERY_TRANSITIONS.items() if target in targets)


class Message(models.Model):
    """One FIPA-ACL message. Sent by an agent, by a person speaking as a human participant, or by
    MABOS itself (both sender columns empty: the ``failure`` notice of a dead letter)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: message_org_created_idx (organization, -created_at) serves every look-up by it.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="messages",
                                     db_index=False)
    sender_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="sent_messages")
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    performative = models.CharField(max_length=20, choices=Performative.choices)
    content = models.JSONField(null=True, blank=True)
    ontology = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    language = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    protocol = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    topic = models.CharField(max_length=SHORT_TEXT, blank=True, default="",
                             help_text="Set when the message went to a topic's subscribers.")
    conversation_id = models.UUIDField(default=uuid.uuid4)  # message_conversation_idx leads with it
    reply_with = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    reply_by = models.DateTimeField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0, help_text="-100 (lowest) to 100 (highest); higher is claimed first.")
    expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=SHORT_TEXT, blank=True, default="")
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "agents"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(performative__in=Performative.values),
                                   name="message_performative_valid"),
            models.CheckConstraint(condition=Q(priority__gte=-100, priority__lte=100), name="message_priority_range"),
            models.CheckConstraint(condition=~(Q(sender_agent__isnull=False) & Q(sender_user__isnull=False)),
                                   name="message_one_sender"),
            models.UniqueConstraint(fields=["sender_agent", "idempotency_key"],
                                    condition=Q(sender_agent__isnull=False) & ~Q(idempotency_key=""),
                                    name="message_idempotency_per_agent"),
            models.UniqueConstraint(fields=["sender_user", "idempotency_key"],
                                    condition=Q(sender_user__isnull=False, sender_agent__isnull=True)
                                    & ~Q(idempotency_key=""),
                                    name="message_idempotency_per_user"),
            json_size_check("content", "message_content_size"),
        ]
        indexes = [
            models.Index(fields=["conversation_id", "created_at"], name="message_conversation_idx"),
            models.Index(fields=["organization", "-created_at"], name="message_org_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.performative} {str(self.id)[:8]}"

    @property
    def sender_label(self) -> str:
        if self.sender_agent_id:
            return str(self.sender_agent)
        if self.sender_user_id:
            return f"user {self.sender_user}"
        return "MABOS"


class Delivery(models.Model):
    """The message to one recipient. ``conversation_id``, ``priority``, ``expires_at`` and ``sent_at`` are
    copied from the message so the worker's claim and the ordering rule need no join."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Neither key has an index of its own: every insert and status change would pay for it, and the unique
    # (message, recipient) and delivery_recipient_status_idx (recipient, status) lead with them already.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    recipient = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    conversation_id = models.UUIDField()
    priority = models.SmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField()
    #: The order of sends, assigned by the database at insert (``agents_delivery_seq``), never by a web
    #: host's clock: two hosts whose clocks differ would otherwise reorder one client's sends.
    seq = models.BigIntegerField(null=True, blank=True, editable=False,
                                 help_text="Send order, assigned by the database at insert.")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "agents"
        ordering = ["seq"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"], name="delivery_one_per_recipient"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(condition=~Q(status__in=LEASED) | Q(lease_until__isnull=False),
                                   name="delivery_leased_has_lease"),
        ]
        indexes = [
            # The worker's claim: due, claimable rows by priority then due time.
            models.Index(models.F("priority").desc(), "next_attempt_at", name="delivery_claim_idx",
                         condition=Q(status__in=CLAIMABLE)),
            # The sweeper: leases that ran out.
            models.Index(fields=["lease_until"], name="delivery_lease_idx", condition=Q(status__in=LEASED)),
            # The ordering rule. Each index holds only the rows one question is about, so its probe for a
            # candidate is one index descent whatever the backlog and whatever the planner last saw:
            # the first not-yet-handed-over row of a (conversation, recipient) ...
            models.Index(fields=["conversation_id", "recipient", "seq"], name="delivery_order_seq_idx",
                         condition=Q(status__in=NOT_HANDED_OVER)),
            # ... an earlier one in flight ...
            models.Index(fields=["conversation_id", "recipient", "seq"], name="delivery_inflight_idx",
                         condition=Q(status=DeliveryStatus.DISPATCHED)),
            # ... an earlier one waiting for its retry time.
            models.Index(fields=["conversation_id", "recipient", "next_attempt_at"], name="delivery_waiting_idx",
                         condition=Q(status__in=CLAIMABLE)),
            # The inbox: delivered and not acked, in order.
            models.Index(fields=["recipient", "seq"], name="delivery_inbox_seq_idx",
                         condition=Q(status=DeliveryStatus.DELIVERED)),
            # The dead-letter list.
            models.Index(fields=["-updated_at"], name="delivery_dead_idx", condition=Q(status=DeliveryStatus.DEAD)),
            models.Index(fields=["recipient", "status"], name="delivery_recipient_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.recipient_id} ({self.status})"


class Subscription(models.Model):
    """An agent listening to a topic. ``topic_pattern`` is a shell-style pattern (``sales.*``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="subscriptions")
    topic_pattern = models.CharField(max_length=SHORT_TEXT)
    performative = models.CharField(max_length=20, choices=Performative.choices, blank=True, default="",
                                    help_text="Empty: every performative.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "agents"
        ordering = ["organization_id", "topic_pattern"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "topic_pattern", "performative"], name="subscription_unique"),
            models.CheckConstraint(condition=~Q(topic_pattern=""), name="subscription_pattern_not_blank"),
        ]
        indexes = [models.Index(fields=["organization"], name="subscription_org_idx")]

    def __str__(self) -> str:
        """What the agent listens to (an inline title on the agent's page: no ids)."""
        return f"{self.topic_pattern} ({self.performative or 'every performative'})"


class DeadLetterManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(status=DeliveryStatus.DEAD)


class DeadLetter(Delivery):
    """Dead deliveries, as their own admin changelist (a proxy: same table)."""

    objects = DeadLetterManager()

    class Meta:
        app_label = "agents"
        proxy = True
        verbose_name = "dead letter"
