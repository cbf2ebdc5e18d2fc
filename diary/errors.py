"""The domain's errors, raised by services and mapped to form/HTTP errors in one place
(diary.web.errors for forms, the API's exception handler for REST).

In the API a `TrialError` is a 409 Conflict (the request is well formed but the
trial's data, protocol or state refuse it), an `InvalidValue` a 400 (the values
themselves are wrong), `AccessDenied` a 403 and `StaleRecord` a 412.
"""


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


class AlreadySubmitted(TrialError):
    """The same create form was sent before: what it holds is recorded already."""


class InvalidValue(TrialError):
    """The values given break a rule of their own record (a range, a value required
    when another is given)."""


class RuleConflict(InvalidValue):
    """The values given conflict with other records, the protocol or the date (a call
    before its week began, a week after the withdrawal, a date in the future)."""


class ReasonRequired(TrialError):
    pass


class StaleRecord(TrialError):
    """The change was made from an out-of-date copy of the record (another change was
    saved since); `current` holds the record's values now."""

    def __init__(self, message: str, *, current=None, version: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.current = current or {}
        self.version = version


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


class CasebookLocked(TrialError):
    """The participant's casebook is locked: no change until a coordinator unlocks it."""


class LockBlocked(TrialError):
    """The database cannot be locked: casebooks unsigned or queries unresolved, not
    waived."""
