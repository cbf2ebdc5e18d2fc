"""The trial data package: reading, checking and writing the folder (or .zip) of
CSV files and trial.json that carries a trial's data in and out.

- schema: the files, their columns and each column's kind;
- reader, rows, cells: reading a package (UTF-8 with or without BOM, columns in
  any order, extra columns ignored) into typed rows;
- validate, diary_rules, protocol: every rule an import enforces, each problem
  with its file, line and column; protocol deviations as warnings;
- writer, export: the byte-for-byte reproducible export;
- history, fingerprint: the bulk audit trail and the randomization list's hash.

The import itself is diary.services.package_import; the export's reads are
diary.selectors.package_export.
"""
