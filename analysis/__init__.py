"""Statistics and reports: the intention-to-treat analysis of a trial's data."""
