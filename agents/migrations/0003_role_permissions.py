"""Give the roles their model permissions on the agents domain (see docs/security.md and docs/agents.md).

Administrators see and change everything; operators may create (onboard) organizations and
then hold object permissions on what they created. Viewers and auditors get object grants only.
"""

from django.db import migrations

MODELS = ["organization", "agentrole", "agent", "agentgroup", "membership", "belief", "goal", "agentapikey"]


def forwards(apps, schema_editor):
    from accounts.roles import role_permissions_sync

    admin = [f"agents.{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete", "view")]
    admin += ["agents.operate_organization", "agents.operate_agent"]
    role_permissions_sync(apps, {"administrator": admin, "operator": ["agents.add_organization"]})


class Migration(migrations.Migration):

    dependencies = [("agents", "0002_cross_row_invariants"), ("accounts", "0003_roles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
