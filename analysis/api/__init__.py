"""The analysis side of the REST API: ask for reports, follow them, download their files.
Who sees which report is analysis.selectors.reports; who may ask is the report services'."""
