"""The ODM 1.3.2 XML schema shipped by the odmlib package, loaded offline once."""

from functools import cache
from pathlib import Path

import pytest


@cache
def odm_schema():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is not installed")
    odmlib = pytest.importorskip("odmlib", reason="odmlib is not installed (its XSD is used)")
    xsd = Path(odmlib.__file__).parent / "schemas" / "odm" / "1.3.2" / "ODM1-3-2.xsd"
    return xmlschema.XMLSchema(str(xsd), allow="local")


def schema_errors(content: bytes) -> list[str]:
    import io

    schema = odm_schema()
    return [str(error)[:500] for error in schema.iter_errors(io.BytesIO(content))][:10]
