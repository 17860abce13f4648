"""A block ends a pending request either way (cameos.services.grants_end_for_block): end the ones left
pending between people in a block from before it did, as denied, as the block would have."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


def end_requests_between_blocked(apps, schema_editor):  # type: ignore[no-untyped-def]
    Block = apps.get_model("accounts", "Block")
    CameoGrant = apps.get_model("cameos", "CameoGrant")
    owner, grantee = OuterRef("cameo__owner_id"), OuterRef("grantee_id")
    blocked = Block.objects.filter(Q(blocker_id=owner, blocked_id=grantee) | Q(blocker_id=grantee, blocked_id=owner))
    CameoGrant.objects.filter(Exists(blocked), status="requested").update(status="denied", decided_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_authtoken_last_used_at"),
        ("cameos", "0011_withdraw_settled_match_questions"),
    ]

    operations = [migrations.RunPython(end_requests_between_blocked, migrations.RunPython.noop, elidable=True)]
