"""Model fields of our own."""

from typing import Any

from django.db import models


class ChoicesCharField(models.CharField):
    """A CharField whose ``choices`` stay in the code: forms, the admin and ``get_FOO_display`` use them as usual."""

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        # The column does not change when a choice is added, so neither should the migrations: they see a
        # plain CharField (no choices, no path to this class), so switching to it altered no table either.
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs
