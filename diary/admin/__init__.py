from . import allocation, clinical, trial  # noqa: F401  (registers the admin classes)
