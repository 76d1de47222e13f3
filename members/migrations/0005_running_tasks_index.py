"""An index for the worker's sweep of delivery tasks left RUNNING by a dead worker (``members.worker.settle_lost_tasks``:
``status = 'RUNNING' AND started_at < cutoff ORDER BY started_at``) on django-tasks-db's table, which has no index
for it (its own partial index covers READY rows only), so every sweep, every few seconds, read the whole table.

The table is django-tasks-db's, so the index is raw SQL with no model state: an ``AddIndex`` on their model here
would make ``makemigrations`` want to undo it in their app. Partial (only RUNNING rows, a handful at any time), so it
stays tiny however many finished results the table keeps. Built CONCURRENTLY on PostgreSQL (the migration is not
atomic for that): enqueueing a task never waits on the build."""

from django.db import migrations

INDEX = "members_dbtaskresult_running_idx"
TABLE = "django_tasks_database_dbtaskresult"


def _concurrently(schema_editor) -> str:
    return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""


def create_index(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX {_concurrently(schema_editor)}IF NOT EXISTS {INDEX} ON {TABLE} (started_at) "
        "WHERE status = 'RUNNING'"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {_concurrently(schema_editor)}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0004_idempotency_key_created_index"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
