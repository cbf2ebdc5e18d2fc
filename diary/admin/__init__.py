from . import allocation, clinical, exports, schedules, staff, trial  # noqa: F401  (registers the admin classes)
