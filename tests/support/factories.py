"""factory-boy factories for the agents domain. They write rows directly (bypassing services)
so constraint tests can also build what the services would refuse."""

from __future__ import annotations

import factory

from agents.models import (
    Agent,
    AgentGroup,
    AgentKind,
    AgentRole,
    AgentRuntime,
    Belief,
    Goal,
    Membership,
    MembershipRole,
    Organization,
)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Business {n}")
    slug = factory.Sequence(lambda n: f"business-{n}")
    industry = "retail"
    description = "A small business."
    profile = factory.LazyFunction(lambda: {"size": "small"})


class AgentRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentRole

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")
    responsibilities = "Do the work."


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    role = factory.SubFactory(AgentRoleFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Agent {n}")
    slug = factory.Sequence(lambda n: f"agent-{n}")
    kind = AgentKind.INTERNAL

    @factory.post_generation
    def runtime(obj: Agent, create: bool, extracted: object, **kwargs: object) -> None:
        """An internal agent has its runtime row, as ``agent_create`` gives it (``runtime=False``: none, to
        build what the integrity checks must find)."""
        if create and extracted is not False and obj.kind == AgentKind.INTERNAL:
            AgentRuntime.objects.get_or_create(agent=obj)


class AgentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    purpose = "Work together."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(AgentGroupFactory)
    organization = factory.SelfAttribute("group.organization")
    agent = factory.SubFactory(AgentFactory, organization=factory.SelfAttribute("..group.organization"))
    role = MembershipRole.MEMBER


class BeliefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Belief

    agent = factory.SubFactory(AgentFactory)
    key = factory.Sequence(lambda n: f"fact.{n}")
    value = 1
    confidence = 0.9
    source = "test"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    agent = factory.SubFactory(AgentFactory)
    name = factory.Sequence(lambda n: f"Goal {n}")
