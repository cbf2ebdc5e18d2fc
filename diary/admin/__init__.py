from . import allocation, clinical, datamgmt, exports, schedules, staff, trial  # noqa: F401  (registers the admin classes)
