"""Storing an artifact's files under MEDIA_ROOT, all or nothing.

The files are written to a staging folder first; the job mechanism
(diary.services.jobs) then moves the folder into place and records the files in one
transaction (`folder_move`), so a job that fails or is killed never leaves a
half-written artifact attached. Also the removal of old artifacts (retention).
"""

import functools
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Staged:
    name: str
    sha256: str
    size: int


def artifact_folder(area: str, pk) -> Path:
    """MEDIA_ROOT/<area>/<pk>: where a stored artifact's files live."""
    return Path(settings.MEDIA_ROOT) / area / str(pk)


def staging_root(area: str) -> Path:
    return Path(settings.MEDIA_ROOT) / area / ".staging"


def files_stage(area: str, pk, attempt: int, files: dict[str, bytes]) -> tuple[Path, list[Staged]]:
    """Write an attempt's files to a fresh staging folder (<pk>-<attempt>-<random>);
    their names, hashes and sizes."""
    folder = staging_root(area) / f"{pk}-{attempt}-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    staged = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        staged.append(Staged(name, hashlib.sha256(content).hexdigest(), len(content)))
    return folder, staged


def staging_clear(area: str, pk) -> None:
    """Remove what attempts killed before they finished left in staging."""
    for stale in staging_root(area).glob(f"{pk}-*"):
        shutil.rmtree(stale, ignore_errors=True)


def folder_move(staging: Path, final: Path) -> None:
    """Put the staged folder in place (replacing one left by an attempt that was killed
    before it committed). Call inside the transaction that records the files."""
    if final.exists():
        shutil.rmtree(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, final)


def folder_remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def retention_cutoff(now: datetime | None = None) -> datetime | None:
    """Finished artifacts made before this are removed; None when
    ARTIFACT_RETENTION_DAYS is 0 (keep everything)."""
    days = settings.ARTIFACT_RETENTION_DAYS
    if not days or days <= 0:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def artifacts_prune(
    finished: QuerySet, *, folder: Callable[[int], Path], now: datetime | None = None
) -> int:
    """Remove the artifacts of `finished` made before the retention cutoff: each
    record (its files' records cascade; download records keep the file's name) and,
    once that is committed, its folder. Returns the number removed."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    removed = 0
    for pk in list(finished.filter(created_at__lt=cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            deleted, _ = finished.model.objects.filter(pk=pk).delete()
            if deleted:
                transaction.on_commit(functools.partial(folder_remove, folder(pk)))
                removed += 1
    return removed
