"""CSV files as every file of the app writes them: rows end with a line feed, and a
cell holding a line break of any kind (a line feed, a carriage return) is quoted.

Python's csv module quotes only the characters of its line terminator: with "\n" a
lone carriage return (pasted from old Mac or Windows text) would be written bare, and
a reader taking it for the end of a row would split the row.
"""

import csv
from typing import TextIO


class _LineFeedRows:
    """The stream seen by a writer whose rows end with "\\r\\n": each row is written
    with "\\n" instead (a quoted cell keeps its own line breaks)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, row: str) -> int:
        return self.stream.write(row[:-2] + "\n")


def csv_writer(stream: TextIO):
    """A csv.writer on `stream`: rows end with "\\n"; cells with "\\r" or "\\n" quoted."""
    return csv.writer(_LineFeedRows(stream), lineterminator="\r\n")
