"""plans/{id}/stats/: what learning knows of a plan, for whoever may see the plan (agents/reasoning/plans/api).

The policy that chooses among the plan's trigger's plans, its statistics per scope, its success rate over time
and the latest cycles that chose it. A role template's plan is used in many organizations: its statistics,
series and choices are those of the organizations the caller may view, and its policy is per organization
(``policies``; ``policy`` is null). A fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.learning.api.serializers import PlanStatsResponse, StatsQuery
from agents.learning.selectors import plan_learning
from agents.reasoning.plans.selectors import plan_get


class PlanStatsApi(APIView):
    @extend_schema(parameters=[StatsQuery], responses={200: PlanStatsResponse})
    def get(self, request: Request, pk: Any) -> Response:
        """The plan's learning: policy, statistics per scope (``?scope=``), success rate per ``?bucket=``
        (hour or day) over the last ``?days=`` (1 to 30), and the last choices of it with their scores."""
        plan = plan_get(user=request.user, pk=pk)
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = plan_learning(user=request.user, plan=plan, scope=query.validated_data.get("scope"),
                              bucket=query.validated_data["bucket"], days=query.validated_data["days"])
        return Response(PlanStatsResponse(stats).data)
