"""What every stored artifact (a data export, a progress report, an analysis report)
has in common: files kept with their SHA-256 and size, and an audit trail of who
was given each file, when and how."""

from django.db import models


class StoredFile(models.Model):
    """One file of an artifact, under MEDIA_ROOT."""

    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class FileDownload(models.Model):
    """A file handed out: the file's stored name survives the file's removal."""

    file_name = models.CharField(max_length=200, help_text="The file as stored when downloaded.")
    at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=10, default="web", help_text="web, admin or api")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.file_name} at {self.at:%Y-%m-%d %H:%M}"
