"""XML parsing that refuses entity expansion and external entities (untrusted input)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    """The bytes are not XML we accept: malformed, or carrying a DTD with entities."""


def parse_xml(data: bytes | str) -> Element:
    try:
        root: Element = fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException as exc:
        raise BadXml(f"refused XML: {type(exc).__name__} ({exc})") from None
    except ParseError as exc:
        raise BadXml(f"malformed XML: {exc}") from None


def text_of(element: Element | None) -> str:
    """The element's text with arXiv's hard wraps folded into single spaces."""
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())
