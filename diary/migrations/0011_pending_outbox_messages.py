"""No alert is lost: an outbox message with nobody to send it to stays pending and is
sent once someone can receive it.

Messages the old outbox marked sent with no recipients were never sent: they become
pending, and so do emergency-unblinding notices "sent" to nobody; the catch-up
schedule (renamed "Alerts and notices (catch-up)") sends them all once someone has an
email address.
"""

from django.db import migrations, models

OLD_NAME = "Serious adverse event alerts (catch-up)"
NEW_NAME = "Alerts and notices (catch-up)"
DESCRIPTION = (
    "Sends every alert and notice not sent yet: serious adverse events saved without an "
    "alert (e.g. in the admin), emergency-unblinding notices, and any message waiting "
    "for someone with an email address (each is sent once)."
)
REOPENED = (
    "Found with nobody to send it to before pending messages were kept; it goes out once "
    "someone can receive it."
)


def reopen_unsent(apps, schema_editor):
    Outbox = apps.get_model("diary", "OutboxMessage")
    Outbox.objects.filter(sent_at__isnull=False).exclude(recipients="").update(status="sent")
    Outbox.objects.filter(recipients="").update(
        status="pending", sent_at=None, pending_reason=REOPENED
    )
    EmergencyUnblinding = apps.get_model("diary", "EmergencyUnblinding")
    EmergencyUnblinding.objects.filter(notified_at__isnull=False, notified_to="").update(
        notified_at=None
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if not PeriodicTask.objects.filter(name=NEW_NAME).exists():
        PeriodicTask.objects.filter(name=OLD_NAME).update(name=NEW_NAME, description=DESCRIPTION)


def close_again(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NEW_NAME).update(name=OLD_NAME)


class Migration(migrations.Migration):

    dependencies = [
        ('diary', '0010_api_tokens_hashed'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxmessage',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='last_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='pending_reason',
            field=models.CharField(blank=True, help_text='Why it has not gone out (yet).', max_length=300),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('expired', 'Expired')], default='pending', help_text='Pending until sent; expired when a later message replaces it.', max_length=8),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='kind',
            field=models.CharField(choices=[('sae_alert', 'Serious adverse event alert'), ('unblinding', 'Emergency unblinding notice'), ('call_digest', 'Overdue-call digest'), ('progress', 'Progress report')], max_length=12),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(reopen_unsent, close_again),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(fields=['status', 'kind'], name='outbox_status_kind'),
        ),
        migrations.AddConstraint(
            model_name='outboxmessage',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('sent_at__isnull', False), ('status', 'sent')), models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', True)), _connector='OR'), name='outbox_sent_has_sent_at'),
        ),
    ]
