"""Who a message goes to: listed agents, a group's members, a role's holders, a topic's subscribers.

Each kind costs one query, whatever the number of recipients (and, in a batch, whatever the number
of messages: RecipientResolver reads each distinct group or role once). Listed agents are
named by id or by slug within the sender's organization (``"to": ["cfo"]``) and
checked strictly (a missing or inactive one is a 400 naming it, and the agent by
name and id: "CFO (a0f7…) is paused"); the
expansions (group, role, topic) take the members that can receive now and skip
the rest, because one paused member must not silence a whole team.

Ids are resolved as the caller sees them: a person (``viewer``) reaches only the
agents they may view and the groups of organizations they may view; an agent key
or MABOS itself (no viewer) reaches its organization. An agent of another
organization, or one the person may not see, gets exactly the answer a random
uuid gets ("No such agent"), so a refusal never tells whether an id exists; a
slug is looked up in the sender's organization only, so another organization's
slug is simply not there.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from agents.agent.access import agents_for
from agents.agent.models import NOT_RUNNING, Agent, AgentGroup, AgentStatus, Membership
from agents.common.errors import SenderInactive, invalid
from agents.common.limits import SLUG_REGEX
from agents.common.validation import check_uuid, parse_uuid
from agents.messaging.models import Subscription
from agents.organization.access import organizations_for
from agents.organization.models import AgentRole, Organization

RECEIVING = (AgentStatus.ACTIVE,)
_SLUG = re.compile(SLUG_REGEX)
_NOBODY: tuple[Any, str, bool, str] = (None, "", False, "")


def agent_ref(field: str, value: Any) -> UUID | str:
    """An agent named in the input: its id (anything that parses as a UUID) or its slug, else a 400 naming
    ``field``. Ids win: a slug that happens to be a UUID's text is read as the id."""
    pk = parse_uuid(value)
    if pk is not None:
        return pk
    if isinstance(value, str) and _SLUG.match(value):
        return value
    raise invalid(field, f"{value!r} is neither an agent id nor an agent slug.")


def _agent_rows(ids: list[UUID]) -> list[tuple[UUID, UUID, str, str]]:
    """(id, organization id, status, name) of the agents among ``ids``, in one plain SELECT.

    The same query as ``Agent.objects.filter(pk__in=ids).values_list(...)``, without building and compiling
    it on every send: that was an eighth of a single send's CPU in the web process (`make bench`, (c)).
    """
    pk, org = Agent._meta.pk, Agent._meta.get_field("organization").target_field
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT id, organization_id, status, name FROM {Agent._meta.db_table} "  # noqa: S608
                           "WHERE id = ANY(%s::uuid[])", [list(ids)])
        else:
            cursor.execute(f"SELECT id, organization_id, status, name FROM {Agent._meta.db_table} "  # noqa: S608
                           f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
                           [pk.get_db_prep_value(i, connection) for i in ids])
        return [(pk.to_python(a), org.to_python(o), status, name) for a, o, status, name in cursor.fetchall()]


@dataclass
class RecipientSpec:
    to: list[Any] = field(default_factory=list)
    group: Any = None
    role: Any = None
    topic: str = ""

    @property
    def empty(self) -> bool:
        return not (self.to or self.group or self.role or self.topic)


class RecipientResolver:
    """Resolves the recipients of many messages of one organization with a bounded number of queries.

    ``prefetch`` loads every listed agent of the whole batch in one query; each
    distinct group, role and the organization's subscriptions are read once and
    reused, so the cost grows with the distinct groups and roles named, not with
    the number of messages.
    """

    def __init__(self, organization: Organization, *, limit: int, viewer: Any = None):
        self.organization, self.limit = organization, limit
        #: The agents the caller may address (None: all of the organization), as a subquery, never run alone.
        self._visible: QuerySet[Agent] | None = agents_for(viewer) if viewer is not None else None
        if self._visible is not None and not self._visible.query.where:
            self._visible = viewer = None  # sees every agent (superuser, a role with the model permission)
        self._viewer = viewer
        self._agents: dict[UUID, tuple[Any, str, bool, str]] = {}  # pk -> (organization, status, visible, name)
        self._slugs: dict[str, UUID | None] = {}  # slug -> pk in this organization (None: no such agent)
        self._groups: dict[UUID, list[UUID]] = {}
        self._roles: dict[Any, list[UUID]] = {}
        self._subscriptions: list[tuple[UUID, str, str]] | None = None

    def prefetch(self, refs: list[UUID | str]) -> None:
        """Load the agents named by id or slug: one query for the ids (none if all are known), one for the
        slugs (only when there are some)."""
        missing = [pk for pk in dict.fromkeys(r for r in refs if isinstance(r, UUID)) if pk not in self._agents]
        slugs = [slug for slug in dict.fromkeys(r for r in refs if isinstance(r, str)) if slug not in self._slugs]
        if missing:
            if self._visible is None:  # an agent key or MABOS itself: the hot path, one plain SELECT
                self._agents.update((pk, (org, status, True, name)) for pk, org, status, name in _agent_rows(missing))
            else:
                self._load(Agent.objects.filter(pk__in=missing))
        if slugs:
            self._slugs.update(dict.fromkeys(slugs))
            for pk, slug in self._load(Agent.objects.filter(organization=self.organization, slug__in=slugs)):
                self._slugs[slug] = pk

    def _load(self, agents: QuerySet[Agent]) -> list[tuple[UUID, str]]:
        """Read ``agents`` into the cache, with whether the caller may see each; returns their (pk, slug)."""
        if self._visible is None:
            rows = agents.annotate(seen=Value(True)).values_list("pk", "organization_id", "status", "seen", "name",
                                                                 "slug")
        else:
            seen = ExpressionWrapper(Q(pk__in=self._visible.values("pk")), output_field=BooleanField())
            rows = agents.annotate(seen=seen).values_list("pk", "organization_id", "status", "seen", "name", "slug")
        found = []
        for pk, org, status, visible, name, slug in rows:
            self._agents[pk] = (org, status, bool(visible), name)
            found.append((pk, slug))
        return found

    def listed_refs(self, refs: list[Any]) -> list[UUID | str]:
        """The distinct agents of a ``to`` list, each as its id or its slug (a malformed one is a 400)."""
        return list(dict.fromkeys(agent_ref("to", ref) for ref in refs))

    def _listed(self, refs: list[Any]) -> list[UUID]:
        wanted = self.listed_refs(refs)
        self.prefetch(wanted)
        found: list[UUID] = []
        for ref in wanted:
            pk = ref if isinstance(ref, UUID) else self._slugs.get(ref)
            org_id, status, visible, name = self._agents.get(pk, _NOBODY)  # type: ignore[arg-type]
            if org_id != self.organization.pk or not visible:  # missing, foreign, not visible: one answer
                raise invalid("to", f"No such agent: {ref}.")
            if status not in RECEIVING:
                raise invalid("to", f"{name} ({pk}) is {status}: it cannot receive messages now.")
            found.append(pk)
        return list(dict.fromkeys(found))  # an agent named by id and by slug receives once

    def _group(self, group: Any) -> list[UUID]:
        group_id = group.pk if isinstance(group, AgentGroup) else check_uuid("group", group)
        if group_id not in self._groups:
            groups = AgentGroup.objects.filter(pk=group_id, organization=self.organization)
            if self._viewer is not None:
                groups = groups.filter(organization__in=organizations_for(self._viewer).values("pk"))
            if not groups.exists():
                raise invalid("group", "No such group in this organization.")
            self._groups[group_id] = list(self._reachable(
                Membership.objects.filter(group_id=group_id, agent__status__in=RECEIVING), "agent_id")
                .order_by("agent_id").values_list("agent_id", flat=True))
        return self._groups[group_id]

    def _role(self, role: Any) -> list[UUID]:
        if isinstance(role, AgentRole):
            cache_key: Any = ("pk", role.pk)
            role_filter: dict[str, Any] = {"role": role}
        else:
            role_id = parse_uuid(role)
            role_filter = {"role_id": role_id} if role_id is not None else {"role__slug": str(role)}
            cache_key = next(iter(role_filter.items()))
        if cache_key not in self._roles:
            org = self.organization
            holders = self._reachable(Agent.objects.filter(organization=org, **role_filter), "pk")
            ids = list(holders.filter(status__in=RECEIVING).order_by("pk").values_list("pk", flat=True))
            if not ids and not holders.exists():
                raise invalid("role", "No agent of this organization holds that role.")
            self._roles[cache_key] = ids
        return self._roles[cache_key]

    def _topic(self, topic: str, performative: str) -> list[UUID]:
        if self._subscriptions is None:
            self._subscriptions = list(self._reachable(
                Subscription.objects.filter(organization=self.organization, agent__status__in=RECEIVING), "agent_id")
                .values_list("agent_id", "topic_pattern", "performative"))
        return [agent_id for agent_id, pattern, only in self._subscriptions
                if fnmatch.fnmatchcase(topic, pattern) and (not only or only == performative)]

    def _reachable(self, qs: QuerySet, column: str) -> QuerySet:
        """Only the agents the caller may address (a subquery of the same statement: no extra query)."""
        return qs if self._visible is None else qs.filter(**{f"{column}__in": self._visible.values("pk")})

    def check_sender(self, sender_id: Any) -> None:
        """A stopped or failed sender is refused (409 sender_inactive), read fresh from the database: the
        agent an agent key carries may come from the key cache and be a few seconds old. Costs no query when
        the sender was prefetched with the listed recipients."""
        if sender_id is None:
            return
        self.prefetch([sender_id])
        _org, status, _visible, name = self._agents.get(sender_id, (None, "", True, ""))
        if status in NOT_RUNNING:
            raise SenderInactive(sender_id, status, name=name)

    def resolve(self, spec: RecipientSpec, *, performative: str, sender_agent_id: Any = None) -> list[UUID]:
        """The distinct recipient ids, listed ones first; the sender never receives its own expansion."""
        if spec.empty:
            raise invalid("to", "Name at least one recipient: to, group, role or topic.")
        listed = self._listed(spec.to) if spec.to else []
        expanded: list[UUID] = []
        if spec.group:
            expanded += self._group(spec.group)
        if spec.role:
            expanded += self._role(spec.role)
        if spec.topic:
            expanded += self._topic(spec.topic, performative)
        expanded = [pk for pk in expanded if pk != sender_agent_id]
        result = list(dict.fromkeys([*listed, *expanded]))
        if len(result) > self.limit:
            raise invalid("to", f"Too many recipients: {len(result)}; the limit is {self.limit}.")
        if not result and not spec.topic:
            raise invalid("to", "Nobody to deliver to: every named group or role member is inactive.")
        return result
