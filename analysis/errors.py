"""Domain errors of the analysis engine."""


class AnalysisError(Exception):
    """The dataset or the parameters do not allow the requested analysis."""


class ArmsUnknown(AnalysisError):
    """Participants have no known arm (no randomization list has been imported)."""


class InvalidArms(AnalysisError):
    """The trial does not have exactly one experimental and one comparator arm."""


class InvalidParameters(AnalysisError):
    """An unknown imputation, or a blinded report without a valid group-code mapping."""


class PackageError(AnalysisError):
    """A data-package folder could not be read."""
