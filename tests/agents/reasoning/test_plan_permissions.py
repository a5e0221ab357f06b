"""Plans through the shared permission matrix (tests/support/permission_matrix.py): grants on the organization."""

from __future__ import annotations

from agents.reasoning.plans.services import plan_create
from tests.support.actors import SYSTEM
from tests.support.factories import OrganizationFactory
from tests.support.permission_matrix import GrantedOnOrganizationMatrix


def make_plan():
    return plan_create(document={"trigger": {"kind": "goal_added", "name": "keep_runway"},
                                 "body": [{"kind": "achieve", "goal": "cut_costs"}]},
                       organization=OrganizationFactory(), by=SYSTEM)


class TestPlanDisablePermissions(GrantedOnOrganizationMatrix):
    list_url = "/api/v1/plans/"
    detail_url = "/api/v1/plans/{pk}/"
    write_url = "/api/v1/plans/{pk}/disable/"
    write_method = "post"
    write_payload = {"reason": "enough"}

    def make_object(self):
        return make_plan()


class TestPlanVersionPermissions(GrantedOnOrganizationMatrix):
    detail_url = "/api/v1/plans/{pk}/versions/"
    write_method = "post"
    write_payload = {"version": 1, "context": "", "body": [{"kind": "succeed"}]}
    write_ok_status = (201,)

    def make_object(self):
        return make_plan()
