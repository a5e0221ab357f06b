"""agents/{id}/tell-how/: an operator makes an agent they operate tell a group member one of its plans.

The same message a ``tell_how`` step sends (agents/reasoning/plans/tell_how.py); the receiver's cycle
adopts or refuses it. 404: an agent the caller cannot see; 403: one they see but may not operate; 400
naming ``to`` (unknown, another organization, no group in common) or ``plan`` (one the agent may not use).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.object_permissions import OPERATE
from agents.agent.access import actor_of, agent_for
from agents.agent.selectors import agent_list
from agents.reasoning.plans.tell_how import plan_tell
from mabos.api.serializers import InputSerializer


class TellHowInput(InputSerializer):
    to = serializers.UUIDField(help_text="The agent told: a member of a group the teller is in.")
    plan = serializers.UUIDField(help_text="A plan the teller may use; its current version is told.")


class TellHowOutput(serializers.Serializer):
    message = serializers.UUIDField(help_text="The inform (ontology mabos:plan) sent as the teller.")
    plan = serializers.UUIDField()
    version = serializers.UUIDField()
    number = serializers.IntegerField(help_text="The version's number.")
    to = serializers.UUIDField()


class AgentTellHowApi(APIView):
    @extend_schema(request=TellHowInput, responses={201: TellHowOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Tell a group member a plan, as an agent you operate (Jason's tellHow): the member adopts it if its
        role allows (``adopts_told_plans``); its trace says which."""
        teller = agent_for(request.user, pk, OPERATE)
        data = TellHowInput.parse(request.data)
        to = agent_list(user=request.user).filter(pk=data["to"]).first()
        message = plan_tell(teller=teller, to=to, plan_id=data["plan"], by=actor_of(request.user))
        content = message.content
        return Response(TellHowOutput({"message": message.pk, "plan": content["plan"], "version": content["version"],
                                       "number": content["number"], "to": data["to"]}).data,
                        status=status.HTTP_201_CREATED)
