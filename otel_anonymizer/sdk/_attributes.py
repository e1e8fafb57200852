"""Turning attribute mappings into sanitizer entries and back (shared by the adapters)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from otel_anonymizer.fields import Field
from otel_anonymizer.names import renamed
from otel_anonymizer.sanitizer import REMOVED, Entry, Kind, ObjectType, Sanitizer


def attribute_entries(
    attributes: Mapping[str, Any] | None,
    *,
    scope: str = "",
    kind: Kind = "attribute",
    default_field: Field = "metadata",
) -> list[Entry]:
    """One entry per attribute, in the mapping's order."""
    if not attributes:
        return []
    return [
        Entry(key, value, kind=kind, scope=scope, default_field=default_field)
        for key, value in attributes.items()
    ]


def rebuild_attributes(
    attributes: Mapping[str, Any] | None,
    values: Iterator[Any],
    sanitizer: Sanitizer,
    dropped: int = 0,
) -> Mapping[str, Any]:
    """The attributes with their sanitized values and keys (`Sanitizer.key`, kept
    distinct); removed and None values are dropped. Where the SDK's limits `dropped`
    some of the originals, the copy says how many, as they did (found by review: the
    backend was told nothing was dropped)."""
    rebuilt: dict[str, Any] = {}
    new_names: dict[str, str] = {}
    for key in attributes or ():
        value = next(values)
        if value is not REMOVED and value is not None:
            rebuilt[key] = value
            new = sanitizer.key(key)
            if new != key:
                new_names[key] = new
    if new_names:
        rebuilt = renamed(rebuilt, new_names)
    if not dropped:
        return rebuilt
    bounded = BoundedAttributes(attributes=rebuilt, extended_attributes=True)
    bounded.dropped = dropped
    return bounded


def text_value(value: Any) -> str:
    """A sanitized name or description; removed means empty."""
    return "" if value is REMOVED or value is None else str(value)


def sanitize_resource(
    resource: Resource, sanitizer: Sanitizer, object_type: ObjectType
) -> Resource:
    """The resource with anonymized attributes (`metadata.resource.<key>`).

    A resource is shared by every span or record of a provider, so it is anonymized as an
    object of its own, once per resource, object type and chain, not once per span.
    """

    def build() -> Resource:
        attributes = resource.attributes
        values = sanitizer.sanitize(attribute_entries(attributes, scope="resource"), object_type)
        return Resource(
            rebuild_attributes(attributes, iter(values), sanitizer), resource.schema_url
        )

    return sanitizer.shared(resource, object_type, build)


def sanitize_scope(
    scope: InstrumentationScope | None, sanitizer: Sanitizer, object_type: ObjectType
) -> InstrumentationScope | None:
    """The instrumentation scope with anonymized attributes (`metadata.scope.<key>`),
    once per scope, object type and chain, like resources."""
    if scope is None or not scope.attributes:
        return scope

    def build() -> InstrumentationScope:
        attributes = scope.attributes
        values = sanitizer.sanitize(attribute_entries(attributes, scope="scope"), object_type)
        return InstrumentationScope(
            scope.name,
            scope.version,
            scope.schema_url,
            rebuild_attributes(attributes, iter(values), sanitizer),
        )

    return sanitizer.shared(scope, object_type, build)
