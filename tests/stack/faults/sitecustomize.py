"""Faults injected into the stack's own processes for the fault tests.

Python imports this module at start-up when its folder is on PYTHONPATH (the fault tests
put it there; a deployment never does). STACK_FAULTS names the faults, comma-separated:

- report_attach_delay=S  a report job's first attempt waits S seconds just before it
  attaches its files (after writing them to the staging folder), so a test can kill
  the worker in the middle of the job;
- save_delay_cramps=N    saving a diary week with N cramps waits, inside the service's
  transaction and after the row and its history are written, so a test can kill the
  gunicorn worker in the middle of the save;
- save_fail_cramps=N     saving a diary week with N cramps fails at that same point, as
  a database error would.

Each fault writes a marker file into STACK_FAULT_DIR when it is reached, naming the pid
of the process, so the test acts exactly then.
"""

import os

FAULTS = dict(
    item.split("=", 1) for item in os.environ.get("STACK_FAULTS", "").split(",") if "=" in item
)


def _mark(name: str) -> None:
    folder = os.environ.get("STACK_FAULT_DIR")
    if folder:
        path = os.path.join(folder, name)
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(path + ".tmp", path)


def _install() -> None:
    import time

    if "report_attach_delay" in FAULTS:
        from diary.services import jobs

        delay = float(FAULTS["report_attach_delay"])
        attach = jobs.job_attach

        def slow_attach(kind, job_id, attempt, *args, **kwargs):
            if kind.area == "reports" and attempt == 1:
                _mark(f"attach-{job_id}")
                time.sleep(delay)
            return attach(kind, job_id, attempt, *args, **kwargs)

        jobs.job_attach = slow_attach

    if "save_delay_cramps" in FAULTS or "save_fail_cramps" in FAULTS:
        from django.db.models.signals import post_save

        from diary.models import DiaryWeek

        delay_at = int(FAULTS.get("save_delay_cramps", -1))
        fail_at = int(FAULTS.get("save_fail_cramps", -1))

        def interrupt(sender, instance, **kwargs):
            if instance.cramps == delay_at:
                _mark(f"save-{instance.pk}")
                time.sleep(120)
            if instance.cramps == fail_at:
                raise RuntimeError("injected failure in the middle of saving a diary week")

        post_save.connect(interrupt, sender=DiaryWeek, weak=False, dispatch_uid="stack-fault")


if FAULTS:
    import django

    _django_setup = django.setup

    def _setup_then_install(*args, **kwargs):
        _django_setup(*args, **kwargs)
        _install()

    django.setup = _setup_then_install
