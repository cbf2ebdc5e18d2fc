"""The OpenAPI schema: valid, warning-free, and without any arm field."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert "/api/diary-weeks/{id}/call/" in schema["paths"]
    assert "/api/participants/{participant_id}/randomize/" in schema["paths"]
    assert "/api/reports/{id}/files/{file_id}/" in schema["paths"]


def test_no_schema_component_has_an_arm_field(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    for name, component in schema["components"]["schemas"].items():
        for shape in [component, *component.get("oneOf", [])]:
            for field in shape.get("properties", {}):
                assert "arm" not in field.split("_"), (name, field)
                assert "allocation" not in field, (name, field)


def test_each_record_declares_the_values_a_query_or_a_verification_may_name(tmp_path):
    from diary.selectors.casebook import clinical_records

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    schemas = yaml.safe_load(out.read_text())["components"]["schemas"]
    declared = {kind.name: list(kind.value_names) for kind in clinical_records()}
    # A query never names a direct identifier (the phone number): its value is copied.
    queryable = {
        kind.name: [v.name for v in kind.values if not v.direct_identifier]
        for kind in clinical_records()
    }
    assert "phone" in declared["participant"] and "phone" not in queryable["participant"]
    raise_shapes = schemas["QueryRaiseRequest"]["oneOf"]
    assert {
        shape["properties"]["record"]["enum"][0]: shape["properties"]["value"]["enum"]
        for shape in raise_shapes
    } == queryable
    form_shapes = schemas["FormTargetRequest"]["oneOf"]
    assert {
        shape["properties"]["record"]["enum"][0]: shape["properties"]["values"]["items"]["enum"]
        for shape in form_shapes
    } == declared
    assert [rule["required"] for rule in schemas["VerifyRequest"]["anyOf"]] == [
        ["forms"],
        ["weeks"],
    ]


def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Cramp trials API"
