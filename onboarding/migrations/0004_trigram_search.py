"""Trigram indexes for the reviewer queue's partner search (PostgreSQL only).

Django's `icontains` becomes `UPPER(col::text) LIKE UPPER('%word%')`, which no b-tree can
serve; a GIN index with gin_trgm_ops on the same expression can. SQLite has no such index
and its queues are small, so this migration does nothing there. The index on
accounts_user.email lives here because the search that needs it is the reviewer queue's.
"""

from django.db import migrations

INDEXES = [
    ("onboarding_entity_legal_name_trgm", "onboarding_companyentity", "legal_name"),
    ("onboarding_entity_partner_name_trgm", "onboarding_companyentity", "partner_name"),
    ("onboarding_entity_reg_number_trgm", "onboarding_companyentity", "registration_number"),
    ("accounts_user_email_trgm", "accounts_user", "email"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0003_indexes_for_scale"),
        ("accounts", "0004_user_language"),
    ]

    operations = [migrations.RunPython(create, drop)]
