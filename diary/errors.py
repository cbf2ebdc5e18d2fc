"""The domain's errors, raised by services and mapped to form/HTTP errors in one place
(diary.web.errors for forms, the API's exception handler for REST)."""


class TrialError(Exception):
    """Something the user asked for cannot be done; the message says why."""

    def __init__(self, message: str, *, field: str | None = None, errors=None):
        super().__init__(message)
        self.message = message
        self.field = field
        # {field: [messages]} when several fields are at fault.
        self.errors = errors or ({field: [message]} if field else {})


class NoTrialConfigured(TrialError):
    pass


class InvalidValue(TrialError):
    pass


class ReasonRequired(TrialError):
    pass


class TrialLocked(TrialError):
    pass


class NotEligible(TrialError):
    pass


class AllocationExhausted(TrialError):
    pass


class AccessDenied(TrialError):
    pass


class PasswordLocked(AccessDenied):
    """Too many wrong passwords from this address: the re-entry is refused for now."""


class ListFrozen(TrialError):
    """The randomization list has been used; it can no longer change."""


class ListIntegrityError(TrialError):
    """The randomization list no longer matches its fingerprint."""
