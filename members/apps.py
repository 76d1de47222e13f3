from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from anymail.signals import tracking

        from members.webhooks import record_tracking_event

        tracking.connect(record_tracking_event, dispatch_uid="members.record_tracking_event")
