"""The one exception handler: domain errors to 400 with field messages, AccessDenied
to 403, Django errors in the same shape."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework import exceptions

from diary.api.errors import api_exception_handler, flatten_errors
from diary.errors import (
    AccessDenied,
    InvalidValue,
    NotEligible,
    ReasonRequired,
    RuleConflict,
    TrialLocked,
)


def handle(exc):
    return api_exception_handler(exc, {})


def test_invalid_value_names_its_field():
    response = handle(InvalidValue("The onset cannot be before consent.", field="onset_on"))
    assert response.status_code == 400
    assert response.data == {
        "detail": "The onset cannot be before consent.",
        "code": "invalid_value",
        "errors": {"onset_on": ["The onset cannot be before consent."]},
    }


def test_error_without_a_field_is_a_non_field_error():
    response = handle(TrialLocked("The trial database is locked."))
    assert response.status_code == 409
    assert response.data["code"] == "trial_locked"
    assert response.data["errors"] == {"non_field_errors": ["The trial database is locked."]}


def test_whole_object_errors_become_non_field_errors():
    response = handle(NotEligible("Needs two weeks.", errors={"__all__": ["Needs two weeks."]}))
    assert response.data["errors"] == {"non_field_errors": ["Needs two weeks."]}
    assert response.data["code"] == "not_eligible"


def test_reason_required_is_a_409_on_reason():
    response = handle(ReasonRequired("A reason is required.", field="reason"))
    assert (response.status_code, response.data["code"]) == (409, "reason_required")


def test_a_rule_across_records_is_a_409_naming_its_field():
    response = handle(RuleConflict("The call date is before this week began.", field="call_date"))
    assert (response.status_code, response.data["code"]) == (409, "rule_conflict")
    assert list(response.data["errors"]) == ["call_date"]


def test_access_denied_is_a_403():
    response = handle(AccessDenied("Not at one of your sites."))
    assert response.status_code == 403
    assert response.data == {"detail": "Not at one of your sites.", "code": "permission_denied"}


def test_django_validation_error_is_a_400_with_fields():
    response = handle(ValidationError({"severity": ["Too high."]}))
    assert response.status_code == 400
    assert response.data["errors"] == {"severity": ["Too high."]}


def test_drf_validation_errors_are_flattened_to_dotted_fields():
    exc = exceptions.ValidationError({"answers": {"diuretics": ["Must be a valid boolean."]}})
    response = handle(exc)
    assert response.data["errors"] == {"answers.diuretics": ["Must be a valid boolean."]}
    assert response.data["detail"] == "answers.diuretics: Must be a valid boolean."


def test_flatten_handles_lists_of_objects():
    detail = {"formats": {0: ["Not a choice."]}, "items": [{}, {"x": ["Bad."]}]}
    assert flatten_errors(detail) == {"formats.0": ["Not a choice."], "items.1.x": ["Bad."]}


def test_unexpected_exceptions_are_not_swallowed():
    assert handle(RuntimeError("bug")) is None


# -- a query parameter the schema documents is checked, never silently ignored ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/api/participants/?withdrawn=null",
        "/api/participants/?withdrawn=true&withdrawn=false",
        "/api/screenings/?screened_to=",
        "/api/sites/?page_size=null&page_size=null",
        "/api/sites/?page_size=0",
        "/api/calls-due/?status=",
        "/api/adverse-events/?serious=maybe",
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(trial, coordinator, query):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.get(query)
    assert response.status_code == 400, response.content
    name = query.split("?")[1].split("=")[0]
    assert name in response.json()["errors"]
