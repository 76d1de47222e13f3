from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from anymail.signals import tracking
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import pre_save

        from members import (
            account_security,
            checks,  # noqa: F401  (registers the deploy checks)
        )
        from members.audit import stamp_request
        from members.models import MembershipEvent
        from members.webhooks import record_tracking_event
        from orgconsole.middleware import start_session_clock

        pre_save.connect(stamp_request, sender=MembershipEvent, dispatch_uid="members.stamp_request")
        tracking.connect(record_tracking_event, dispatch_uid="members.record_tracking_event")
        account_security.connect()
        user_logged_in.connect(start_session_clock, dispatch_uid="orgconsole.start_session_clock")
