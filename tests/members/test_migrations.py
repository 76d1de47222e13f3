"""The squashed migrations take over from the ones they replace: a database that applied those has nothing to do."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

SQUASHES = [
    ("members", "0003_nonce_api_scim_audit_sort_keys"),
    ("members", "0004_indexes_deleted_organizations_last_active"),
]


def test_the_squashes_are_the_migrations_that_replace_others():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replacing = sorted(key for key, migration in loader.disk_migrations.items() if migration.replaces)
    assert [key for key in replacing if key[0] == "members"] == SQUASHES


# What databases in the field recorded before each squash: the names of the files it replaced, as they shipped.
SHIPPED = {
    SQUASHES[0]: [
        "0003_outboundemail_invitation_nonce",
        "0004_account_emails",
        "0005_account_admin_audit",
        "0006_api_tokens",
        "0007_activity_log",
        "0008_address_released_email",
        "0009_export_members_and_bulk_actions",
        "0010_choices_stay_in_code",
        "0011_api_project_access_and_scim",
        "0012_members_page_sort_keys",
        "0013_two_factor",
        "0014_audit_fields_and_name_rules",
    ],
    SQUASHES[1]: [
        "0004_idempotency_key_created_index",
        "0005_running_tasks_index",
        "0006_activity_address_indexes",
        "0007_deleted_organizations",
        "0008_member_security_and_last_active",
        "0009_invitation_name_and_new_invitation_requests",
    ],
}


@pytest.mark.django_db(transaction=True)
def test_a_database_that_applied_the_shipped_migrations_is_up_to_date():
    """Exactly what such a database recorded (migrating the test database recorded the squashes' own lists too)."""
    records = MigrationRecorder(connection).migration_qs.filter(app="members")
    kept = list(records.values_list("name", flat=True))
    shipped = ["0001_initial", "0002_cache_table", *(name for names in SHIPPED.values() for name in names)]
    records.delete()
    records.bulk_create(records.model(app="members", name=name) for name in shipped)
    try:
        executor = MigrationExecutor(connection)
        assert set(SQUASHES) <= set(executor.loader.applied_migrations)
        assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    finally:
        records.delete()
        records.bulk_create(records.model(app="members", name=name) for name in kept)
