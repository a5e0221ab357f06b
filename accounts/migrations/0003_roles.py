"""Create the four roles with their model permissions. Idempotent: running it again adds nothing twice."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import ROLE_PERMISSIONS, role_permissions_sync

    role_permissions_sync(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_usersession"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "__latest__"),
        ("token_blacklist", "__latest__"),
        ("axes", "__latest__"),
        ("auditlog", "__first__"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
