from django.core.management.base import CommandError

from cyclades.volume.models import Volume
from snf_common.django.commands import SnfCommand

from ._rows import volume_row


class Command(SnfCommand):
    help = "Show one volume (by uuid) with its snapshots."

    def add_arguments(self, parser):
        parser.add_argument("volume_id")

    def handle(self, *args, **options):
        try:
            volume = Volume.objects.select_related("volume_type").get(uuid=options["volume_id"])
        except (Volume.DoesNotExist, ValueError, Exception) as exc:
            if isinstance(exc, CommandError):
                raise
            raise CommandError(f"volume {options['volume_id']} not found") from None
        row = volume_row(volume)
        row.update({"project": volume.project, "description": volume.description,
                    "source": volume.source, "origin": volume.origin,
                    "backend_disk_uuid": volume.backend_disk_uuid,
                    "backend_job_id": volume.backend_job_id,
                    "delete_on_termination": volume.delete_on_termination,
                    "quota_held": volume.quota_held, "fault": volume.fault,
                    "created": volume.created, "updated": volume.updated,
                    "snapshots": [{"id": str(s.uuid), "status": s.status, "map": s.map_name}
                                  for s in volume.snapshots.filter(deleted=False)]})
        self.emit(row, output=options["output"])
