"""Export formats of the trial's data, all built from the same tables
(diary.selectors.package_export.package_tables) and the same data dictionary
(diary.package.codebook):

- package: the data package of the data-package contract (a folder or .zip);
- xlsx: an Excel workbook, one sheet per table and the codebook;
- spss / stata: one .sav / .dta file per table with variable and value labels,
  and the codebook;
- codebook: the data dictionary as CSV and HTML.

diary.exports.formats writes any of them to a path (the export_trial command) or
gives their files as bytes (the stored exports of diary.services.exports).
"""
