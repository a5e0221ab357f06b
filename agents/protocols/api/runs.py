"""protocols/: durable FIPA runs as people see them, started, answered and cancelled by people.

Reading: the runs of organizations (or initiators) the caller may view. Starting: as an agent the caller may
operate (403 if they can see it, 404 if not). Replying: as a participant agent the caller may operate, with a
performative the run takes now (409 ``protocol_reply_refused`` naming why otherwise, nothing sent).
Cancelling and deciding a Contract-Net call: operate on the initiator; a closed run is a 409
``protocol_run_closed``. People only: an agent
key gets 401 (agents take part in runs through their messages).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.selectors import agent_list
from agents.common.api import ListApi
from agents.common.errors import invalid
from agents.protocols.access import run_initiator_require, run_reply_agent, run_start_agent
from agents.protocols.api.serializers import (
    RunCancelInput,
    RunDecideInput,
    RunDetailOutput,
    RunMessageOutput,
    RunOutput,
    RunReplyInput,
    RunStartInput,
)
from agents.protocols.models import ProtocolRun
from agents.protocols.people import run_cancel, run_decide, run_reply, run_start
from agents.protocols.selectors import run_get, run_list, run_messages
from agents.protocols.transitions import PROTOCOL_CHOICES, STATE_CHOICES


class RunFilter(django_filters.FilterSet):
    protocol = django_filters.MultipleChoiceFilter(choices=PROTOCOL_CHOICES)
    state = django_filters.MultipleChoiceFilter(choices=STATE_CHOICES)
    initiator = django_filters.UUIDFilter(field_name="initiator_id")

    class Meta:
        model = ProtocolRun
        fields = ["protocol", "state", "initiator"]


def run_detail(request: Request, run: ProtocolRun) -> dict[str, Any]:
    fresh = run_get(user=request.user, pk=run.pk)
    return RunDetailOutput(fresh, context={"messages": run_messages(user=request.user, run=fresh)}).data


class RunListApi(ListApi):
    output_serializer = RunOutput
    filterset_class = RunFilter
    search_fields = ["=id"]
    ordering_fields = ["created_at", "response_by", "result_by"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ProtocolRun.objects.none()
        return run_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Protocol runs you may view, newest first (``?state=awaiting_response`` for the open ones)."""
        return self.list_response()

    @extend_schema(request=RunStartInput, responses={201: RunDetailOutput})
    def post(self, request: Request) -> Response:
        """Start a run as an agent you operate (a Request, a Query, a Subscribe, or a cfp to several agents):
        the run and its opening act commit together."""
        data = RunStartInput.parse(request.data)
        initiator = run_start_agent(request.user, data["initiator"])
        found = {agent.pk: agent for agent in agent_list(user=request.user).filter(pk__in=data["to"])}
        if len(found) < len(set(data["to"])):
            raise invalid("to", "No such object, or you may not see it.")
        participants = [found[pk] for pk in dict.fromkeys(data["to"])]
        run = run_start(by=actor_of(request.user), initiator=initiator, participants=participants,
                        opening=data["protocol"], content=data["content"],
                        response_timeout=data["response_timeout"], result_timeout=data["result_timeout"])
        return Response(run_detail(request, run), status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    @extend_schema(responses={200: RunDetailOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One run: its state, sessions, deadlines and conversation in send order."""
        return Response(run_detail(request, run_get(user=request.user, pk=pk)))


class RunCancelApi(APIView):
    @extend_schema(request=RunCancelInput, responses={200: RunDetailOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Cancel an open run: it ends ``cancelled``, its participants get a ``cancel``, its intention fails."""
        run = run_get(user=request.user, pk=pk)
        run_initiator_require(request.user, run)
        data = RunCancelInput.parse(request.data)
        cancelled = run_cancel(by=actor_of(request.user), run=run, **data)
        return Response(run_detail(request, cancelled))


class RunDecideApi(APIView):
    @extend_schema(request=RunDecideInput, responses={200: RunDetailOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Decide a Contract-Net call a person started, once its proposals are in (``awaiting_decision``):
        accept-proposal to ``accept``, reject-proposal to every other proposer."""
        run = run_get(user=request.user, pk=pk)
        run_initiator_require(request.user, run)
        data = RunDecideInput.parse(request.data)
        decided = run_decide(by=actor_of(request.user), run=run, accepted=data["accept"], content=data["content"])
        return Response(run_detail(request, decided))


class RunReplyApi(APIView):
    @extend_schema(request=RunReplyInput, responses={201: RunMessageOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Answer a step of the run as a participant agent you operate (a human participant): the reply is
        checked against the run now and sent in its conversation; the run moves when its initiator takes it."""
        run = run_get(user=request.user, pk=pk)
        data = RunReplyInput.parse(request.data)
        sender = run_reply_agent(request.user, data.pop("sender"))
        message = run_reply(by=actor_of(request.user), run=run, sender=sender, **data)
        return Response(RunMessageOutput(message).data, status=status.HTTP_201_CREATED)
