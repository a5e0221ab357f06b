"""groups/{id}/learning/: whether a group pools its members' experience (thompson_shared reads it).

Reading: whoever may see the group. Switching: what changing the group takes, ``change`` on its organization
(403 if the caller can see it, 404 if not). ``sharing`` must be a boolean: anything else is a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.selectors import group_get
from agents.common.access import require
from agents.learning.api.serializers import GroupLearningInput, GroupLearningOutput
from agents.learning.selectors import group_sharing
from agents.learning.services.policies import group_sharing_set


class GroupLearningApi(APIView):
    @extend_schema(responses={200: GroupLearningOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """The group's switch: without one set, a group shares."""
        group = group_get(user=request.user, pk=pk)
        return Response(GroupLearningOutput({"group": group.pk, "sharing": group_sharing(group=group)}).data)

    @extend_schema(request=GroupLearningInput, responses={200: GroupLearningOutput})
    def put(self, request: Request, pk: Any) -> Response:
        """Switch the group's experience sharing on or off (audited on the group); the cycle reads it from its
        next batch, the roll-up from its next run."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        data = GroupLearningInput.parse(request.data)
        switch = group_sharing_set(group=group, sharing=data["sharing"], by=actor_of(request.user))
        return Response(GroupLearningOutput({"group": group.pk, "sharing": switch.sharing}).data)
