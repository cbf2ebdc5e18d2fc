"""Reads about schedule runs."""

from diary.models import ScheduleRunRequest


def schedule_run_request(*, task_id: str | None) -> ScheduleRunRequest | None:
    """The "Run now" that queued the task with this id, if one did."""
    if not task_id:
        return None
    return ScheduleRunRequest.objects.filter(task_id=task_id).first()
