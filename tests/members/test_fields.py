import pytest
from django.core.management import call_command

from members.models import MembershipEvent, OutboundEmail


def test_choices_stay_out_of_migrations_but_not_out_of_the_model() -> None:
    field = MembershipEvent._meta.get_field("action")
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "django.db.models.CharField" and "choices" not in kwargs
    assert field.choices == MembershipEvent.Action.choices
    assert field.formfield().choices[1:] == MembershipEvent.Action.choices


@pytest.mark.django_db
def test_adding_a_choice_needs_no_migration(monkeypatch) -> None:
    field = OutboundEmail._meta.get_field("kind")
    monkeypatch.setattr(field, "choices", [*OutboundEmail.Kind.choices, ("new_kind", "New kind")])
    call_command("makemigrations", "members", "--check", "--dry-run", verbosity=0)
