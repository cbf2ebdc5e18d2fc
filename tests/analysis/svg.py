"""Reading the text of a figure the report made as SVG."""

from xml.etree import ElementTree

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def svg_texts(svg: bytes) -> list[str]:
    """The text elements of an SVG, in the order they are drawn (one per line of text:
    the figures keep their text as text, svg.fonttype "none")."""
    # the SVG is one matplotlib wrote in the test, not data from outside
    root = ElementTree.fromstring(svg)  # noqa: S314
    return [el.text for el in root.iter(SVG_TEXT) if el.text]
