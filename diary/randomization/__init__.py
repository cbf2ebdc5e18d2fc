"""Randomization lists as plain data: a seeded generator, the list file format and
its fingerprint, verification, and the strata. No database access here; the
services in diary.services.randomization_list store what these functions build."""
