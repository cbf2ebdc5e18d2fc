from . import allocation, clinical, exports, schedules, trial  # noqa: F401  (registers the admin classes)
