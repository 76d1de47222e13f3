from django.db import migrations, models

# What the templates need stays in ``context``; the invitation's nonce, which the worker and the
# delivery status compare against, moves to its own column. The accept link is named in ``links``.
LINKS = {"accept_url": "invitation"}


def nonce_to_column(apps, schema_editor):
    OutboundEmail = apps.get_model("members", "OutboundEmail")
    changed = []
    for outbound in OutboundEmail.objects.filter(kind="invitation").iterator():
        outbound.invitation_nonce = str(outbound.context.pop("nonce", "") or "")
        outbound.context.setdefault("links", LINKS)
        changed.append(outbound)
    OutboundEmail.objects.bulk_update(changed, ["invitation_nonce", "context"], batch_size=500)


def nonce_to_context(apps, schema_editor):
    OutboundEmail = apps.get_model("members", "OutboundEmail")
    changed = []
    for outbound in OutboundEmail.objects.filter(kind="invitation").iterator():
        outbound.context["nonce"] = outbound.invitation_nonce
        outbound.context.pop("links", None)
        changed.append(outbound)
    OutboundEmail.objects.bulk_update(changed, ["context"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("members", "0002_cache_table")]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="invitation_nonce",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(nonce_to_column, nonce_to_context),
    ]
