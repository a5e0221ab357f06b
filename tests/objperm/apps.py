from django.apps import AppConfig


class ObjPermConfig(AppConfig):
    """A test-only app: a parent (Box) and a child (Widget) guarded by object permissions.

    It proves the generic machinery (accounts/object_permissions.py, the admin
    mixin, the grant endpoints and tests/support/permission_matrix.py) before any
    domain model uses it. Installed only when MABOS_ENV=test.
    """

    name = "tests.objperm"
    label = "objperm"

    def ready(self) -> None:
        from accounts.object_permissions import CHANGE, DELETE, OPERATE, VIEW, register_object_policy
        from tests.objperm.models import Box, Widget

        register_object_policy(Box, actions=(VIEW, CHANGE, DELETE, OPERATE))
        register_object_policy(Widget, actions=(VIEW, CHANGE, DELETE, OPERATE), parent="box")
