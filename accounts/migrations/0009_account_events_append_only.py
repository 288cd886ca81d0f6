"""The security log is append-only in the database itself (see AccountEvent's docstring).

UPDATE: refused when it changes any column, except acting_user_id / target_user_id set to
NULL (Django's SET_NULL when that user is deleted). Both engines. PostgreSQL also checks at
commit that a person cleared that way is really gone.

DELETE: PostgreSQL checks at commit (a deferred constraint trigger) that the event's account
is gone too, so only erasing the account removes its log. SQLite has no deferred triggers.
"""

from django.db import migrations

TABLE = "accounts_accountevent"
MESSAGE = "accounts_accountevent is append-only: its events cannot be changed"
DELETE_MESSAGE = "accounts_accountevent is append-only: events go only with their account"

# A change to any column but the two people, or one of them changed to someone else.
CHANGED = " OR ".join(
    [
        *(
            f"NEW.{column} {{differs}} OLD.{column}"
            for column in ("id", "event_type", "user_id", "target", "created_at", "ip", "details")
        ),
        *(
            f"(NEW.{column} IS NOT NULL AND NEW.{column} {{differs}} OLD.{column})"
            for column in ("acting_user_id", "target_user_id")
        ),
    ]
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION accounts_accountevent_refuse_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER accounts_accountevent_append_only
    BEFORE UPDATE ON {TABLE}
    FOR EACH ROW WHEN ({CHANGED.format(differs="IS DISTINCT FROM")})
    EXECUTE FUNCTION accounts_accountevent_refuse_update()
    """,
    f"""
    CREATE FUNCTION accounts_accountevent_refuse_delete() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM accounts_user WHERE id = OLD.user_id) THEN
            RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,  # noqa: S608 (constants only)
    # Deferred to the commit: Django deletes an account's events before the account row.
    f"""
    CREATE CONSTRAINT TRIGGER accounts_accountevent_kept
    AFTER DELETE ON {TABLE}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION accounts_accountevent_refuse_delete()
    """,
]
# The same at commit for the two people: one may become NULL only if that user is gone
# (Django's SET_NULL clears the column before it deletes the user row).
POSTGRESQL += [
    f"""
    CREATE FUNCTION accounts_accountevent_refuse_unlink() RETURNS trigger AS $$
    BEGIN
        IF (OLD.acting_user_id IS NOT NULL AND NEW.acting_user_id IS NULL
            AND EXISTS (SELECT 1 FROM accounts_user WHERE id = OLD.acting_user_id))
        OR (OLD.target_user_id IS NOT NULL AND NEW.target_user_id IS NULL
            AND EXISTS (SELECT 1 FROM accounts_user WHERE id = OLD.target_user_id)) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,  # noqa: S608 (constants only)
    f"""
    CREATE CONSTRAINT TRIGGER accounts_accountevent_people_kept
    AFTER UPDATE OF acting_user_id, target_user_id ON {TABLE}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION accounts_accountevent_refuse_unlink()
    """,
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS accounts_accountevent_people_kept ON {TABLE}",
    "DROP FUNCTION IF EXISTS accounts_accountevent_refuse_unlink()",
    f"DROP TRIGGER IF EXISTS accounts_accountevent_kept ON {TABLE}",
    "DROP FUNCTION IF EXISTS accounts_accountevent_refuse_delete()",
    f"DROP TRIGGER IF EXISTS accounts_accountevent_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS accounts_accountevent_refuse_update()",
]

SQLITE = [
    f"""
    CREATE TRIGGER accounts_accountevent_append_only
    BEFORE UPDATE ON {TABLE}
    FOR EACH ROW WHEN {CHANGED.format(differs="IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS accounts_accountevent_append_only"]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_teams_and_security_log"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
