"""API tokens move from Django REST framework's tokens (stored in clear, never
expiring) to django-rest-knox's (only a SHA-512 hash stored, each with an expiry).

Each existing token is converted: knox looks a token up by its first 15 characters
and compares the SHA-512 of the whole token, which can be computed from the clear key,
so tokens already handed out keep working until they expire (API_TOKEN_TTL_DAYS from
this migration). Then the table of clear keys is dropped.
"""

import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DRF_TABLE = "authtoken_token"


def convert_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    quote = connection.ops.quote_name
    # Only constant identifiers, quoted: nothing from outside reaches the statement.
    query = f"SELECT {quote('key')}, user_id, created FROM {quote(DRF_TABLE)}"  # noqa: S608 # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    now = timezone.now()
    AuthToken._default_manager.bulk_create(
        AuthToken(
            digest=hashlib.sha512(key.encode("utf-8")).hexdigest(),
            token_key=key[:15],
            user_id=user_id,
            expiry=now + ttl,
        )
        for key, user_id, _created in rows
    )
    schema_editor.execute(f"DROP TABLE {quote(DRF_TABLE)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0009_staff_access_changes"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(convert_drf_tokens, migrations.RunPython.noop)]
