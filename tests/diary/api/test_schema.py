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
        for field in component.get("properties", {}):
            assert "arm" not in field.split("_"), (name, field)
            assert "allocation" not in field, (name, field)


def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Cramp trials API"
