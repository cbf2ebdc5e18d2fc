"""The report's tables, each a pure function of DataFrames and the group order."""
