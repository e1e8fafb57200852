"""The two base classes of the seed's API: `Anonymizer` and `RecursiveAnonymizer`."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, Literal

from otel_anonymizer.names import keep_old_names
from otel_anonymizer.placeholders import CYCLE_PLACEHOLDER, MAX_DEPTH_PLACEHOLDER

OnMaxDepth = Literal["placeholder", "keep"]

_SCALARS = (int, float, bool, type(None))


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


#: Returned by `RecursiveAnonymizer._walk_entry` to delete a key from its dict.
DROP: Any = _Drop()


class _Walk:
    def __repr__(self) -> str:
        return "WALK"


#: Returned by `Anonymizer.rewrite` for a value that only `anonymize` can handle.
WALK: Any = _Walk()


class Anonymizer(abc.ABC):
    """Turns a value into its anonymized form.

    `anonymize` receives the value of one logical field (`input`, `output` or `metadata`)
    and keyword context: `field_name` (the field, dotted for nested content) and
    `object_type` (`trace`, `span` or `log`). Implementations should not mutate `data`
    in place when they can avoid it; the adapters always pass a private copy.
    """

    #: Whether the anonymizer treats values by their names (sensitive keys, field
    #: policies such as `output.*`) or changes keys: a field that holds one value (a
    #: text, the dict of a tracked function's arguments) is then handed over as
    #: `{name: value}`, where the name and the dict's keys are seen, instead of as the
    #: value alone (as Opik hands its `input` to the seed's anonymizers).
    reads_names: bool = False

    @abc.abstractmethod
    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        """Return the anonymized form of `data`."""

    def anonymize_keys(self, data: dict[Any, Any], field_name: str | None = None) -> dict[Any, Any]:
        """`data`, a dict this anonymizer returned, with its own keys anonymized: for a
        caller whose dict's keys are data, not names (a whole input's object, alone in
        its field). The default keeps them."""
        return data

    def anonymize_key(self, key: str) -> str:
        """The key of an attribute as it is to be exported.

        Attribute keys are names that instrumentations choose, so the default keeps them
        (as the seed keeps dict keys); `PIIAnonymizer` replaces what its detectors find
        in them (`f"user/{email}/plan"`). The adapters ask once per distinct key.
        """
        return key

    def may_change(self, value: Any, name: str) -> bool:
        """Whether `anonymize` could change `value`, an entry called `name` of a field.

        The adapters ask before parsing and walking a value: when every anonymizer of the
        chain answers False, the value is exported as it is, without that work. The
        default, True, is always correct. An implementation that answers False promises
        that its result for this entry does not depend on the field's other entries.
        """
        return True

    def screen(self, items: Sequence[tuple[Any, str]]) -> list[bool]:
        """`may_change` for each `(value, name)` of one telemetry object, in order.

        The adapters ask once per object; an implementation can then look at all its
        values in one go (`PIIAnonymizer` scans them as one text). It must answer True
        wherever `may_change` would.
        """
        return [bool(self.may_change(value, name)) for value, name in items]

    def rewrite(self, items: Sequence[tuple[Any, str]]) -> list[Any]:
        """For each `(value, name)` entry of one telemetry object: its anonymized form
        computed without the rest of its field, the value itself where it would not
        change, or `WALK` where it takes `anonymize` on the whole field.

        The adapters ask instead of `screen` when this anonymizer is the whole chain,
        and export what it returns instead of parsing, walking and re-encoding those
        entries. A value returned must be what `anonymize` would make of the entry, up
        to the formatting of JSON text. The default is `WALK` wherever `screen` says
        the value may change.
        """
        return [
            WALK if change else value
            for (value, _), change in zip(items, self.screen(items), strict=True)
        ]


class RecursiveAnonymizer(Anonymizer):
    """Walks dicts and lists and calls `anonymize_text` on every string.

    Dict keys are never changed (`_keys` is the hook for subclasses that do, for dicts
    nested in the data: the keys of the dict handed to `anonymize` are the names of its
    entries, attribute keys in the adapters); containers are rebuilt, so the caller's
    data is left untouched. Nested strings get dotted field names (`metadata.email`,
    `input.messages.0.content`).

    Anything nested `max_depth` containers deep is, by default, replaced by a placeholder
    rather than returned raw (the seed returns it unchanged, which exports raw data);
    `on_max_depth="keep"` restores the seed's behaviour. A container that contains itself
    is replaced by a placeholder where the cycle closes.
    """

    # Defaults for subclasses whose `__init__` sets `max_depth` without calling this one
    # (Opik's own needs nothing more).
    max_depth: int = 10
    on_max_depth: OnMaxDepth = "placeholder"

    def __init__(self, max_depth: int = 10, on_max_depth: OnMaxDepth = "placeholder") -> None:
        if not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 0:
            raise ValueError(f"max_depth must be a non-negative int, got {max_depth!r}")
        if on_max_depth not in ("placeholder", "keep"):
            raise ValueError(f"on_max_depth must be 'placeholder' or 'keep', got {on_max_depth!r}")
        self.max_depth = max_depth
        self.on_max_depth = on_max_depth

    @abc.abstractmethod
    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        """Return the anonymized form of one string found at `field_name`."""

    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        field_name = kwargs.pop("field_name", None)
        return self._walk(data, field_name, 0, set(), kwargs)

    def _walk(
        self,
        data: Any,
        field_name: str | None,
        depth: int,
        path_ids: set[int],
        kwargs: dict[str, Any],
    ) -> Any:
        if isinstance(data, _SCALARS):
            return self.anonymize_scalar(data, field_name=field_name, **kwargs)
        if depth >= self.max_depth:
            return data if self.on_max_depth == "keep" else MAX_DEPTH_PLACEHOLDER
        if isinstance(data, str):
            return self.anonymize_text(data, field_name=field_name, **kwargs)
        if isinstance(data, (dict, list, tuple)):
            if id(data) in path_ids:
                return CYCLE_PLACEHOLDER
            path_ids.add(id(data))
            try:
                if isinstance(data, dict):
                    walked = {}
                    for key, value in data.items():
                        new = self._walk_entry(key, value, field_name, depth, path_ids, kwargs)
                        if new is not DROP:
                            walked[key] = new
                    walked = keep_old_names(data, walked)
                    return self._keys(walked, field_name) if depth else walked
                items = [
                    self._walk(value, child_name(field_name, index), depth + 1, path_ids, kwargs)
                    for index, value in enumerate(data)
                ]
                return items if isinstance(data, list) else tuple(items)
            finally:
                path_ids.discard(id(data))
        return self.anonymize_scalar(data, field_name=field_name, **kwargs)

    def anonymize_scalar(self, data: Any, field_name: str | None = None, **kwargs: Any) -> Any:
        """Anonymize a leaf that is not a string (int, float, bool, None, bytes, ...).

        Returned unchanged, as in the seed; subclasses may check numbers too.
        """
        return data

    def _keys(self, walked: dict[Any, Any], field_name: str | None) -> dict[Any, Any]:
        """A walked dict with its keys anonymized: as it is here, as in the seed."""
        return walked

    def anonymize_keys(self, data: dict[Any, Any], field_name: str | None = None) -> dict[Any, Any]:
        """As those of the dicts nested in the data are (`_keys`)."""
        return self._keys(data, field_name)

    def _walk_entry(
        self,
        key: Any,
        value: Any,
        field_name: str | None,
        depth: int,
        path_ids: set[int],
        kwargs: dict[str, Any],
    ) -> Any:
        """The new value of one dict entry, or `DROP` to remove the key."""
        return self._walk(value, child_name(field_name, key), depth + 1, path_ids, kwargs)


#: The longest field name: longer ones are cut and end in `…`. Each name is copied into
#: its children's, and a request chooses how long its keys are and how many items a
#: list under one holds: uncut, the names alone would cost their product.
LONGEST_NAME = 512


def child_name(field_name: str | None, key: object) -> str:
    """The dotted name of `key` (a dict key or a list index) under `field_name`."""
    if field_name and len(field_name) >= LONGEST_NAME:
        return field_name  # cut already: what is under a cut name shares it
    name = f"{field_name}.{key}" if field_name else str(key)
    return name if len(name) <= LONGEST_NAME else name[: LONGEST_NAME - 1] + "…"
