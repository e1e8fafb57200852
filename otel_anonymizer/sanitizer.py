"""The core: run a chain of anonymizers over the values of one telemetry object.

Adapters describe an object (a span, a log record, an OTLP message) as a list of
`Entry`s. The `Sanitizer` groups them into the logical fields `input`, `output` and
`metadata` with the `FieldMapping`, parses JSON held in strings, calls every anonymizer
once per field as `anonymize(value, field_name=<field>, object_type=<type>)`, and returns
one exportable value per entry.

It fails closed: an anonymizer that raises or returns an unusable type is retried on one
entry at a time, so only the entries it fails on are replaced by a placeholder; the
failure is counted and logged without the value. Nothing here imports OpenTelemetry.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Literal, NamedTuple, TypeVar

from otel_anonymizer import hooks
from otel_anonymizer.anonymizer import Anonymizer
from otel_anonymizer.anonymizer.base import WALK
from otel_anonymizer.detectors.budget import end_budget, start_budget, time_budget
from otel_anonymizer.failures import failure_total, record_failure
from otel_anonymizer.fields import DEFAULT_MAPPING, FIELDS, WHOLE_FIELD_NAMES, Field, FieldMapping
from otel_anonymizer.jsontext import Shape, decode, encode, redecode
from otel_anonymizer.names import FreeNames
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER
from otel_anonymizer.values import UnusableValue, to_any_value, to_attribute_value

ObjectType = Literal["trace", "span", "log"]
#: How a value must come out: an attribute value, an AnyValue (log bodies and log
#: attributes), or a plain string (names, status descriptions).
Kind = Literal["attribute", "any", "text"]


class _Removed:
    def __repr__(self) -> str:
        return "REMOVED"


#: Returned for an entry whose key an anonymizer deleted: the adapter drops it.
REMOVED: Any = _Removed()


class Entry(NamedTuple):
    """One value of a telemetry object.

    `key` is an attribute key looked up in the mapping, unless `mapped` is false: then
    it is the name itself (`span.name`, `body`) and `default_field` is its field.
    `scope` prefixes the name for values that are not the object's own attributes
    (`events.0`, `links.1`, `resource`). Unknown keys go to `default_field`.
    """

    key: str
    value: Any
    kind: Kind = "attribute"
    scope: str = ""
    default_field: Field = "metadata"
    mapped: bool = True


class _Object(NamedTuple):
    """One object of a batch, looked up in the mapping."""

    entries: Sequence[Entry]
    object_type: ObjectType
    places: list[tuple[Field, str]]
    values: list[Any]  # replaced by the results as they come
    items: list[tuple[Any, str]]  # (value, name in its field)


class _Slot(NamedTuple):
    field: Field
    name: str
    original: Any  # what to export if the chain left the value unchanged
    decoded: Any
    shape: Shape


T = TypeVar("T")
_SHARED_LIMIT = 256
_PLACES_LIMIT = 8192
#: Entries with longer keys are placed each time: a request's keys must not fill memory.
_CACHED_KEY_LENGTH = 200


#: The adapters' default `timeout`, in seconds: per export call for the exporter
#: wrappers, per span or log record for the processor wrappers (which run on the
#: application's thread). Ordinary telemetry takes microseconds to milliseconds; the
#: bounds are for text built, or grown, to be slow.
EXPORT_TIMEOUT = 10.0
EMIT_TIMEOUT = 1.0


def checked_chain(anonymizers: Iterable[Anonymizer]) -> tuple[Anonymizer, ...]:
    """`anonymizers` as a tuple (an iterator is read once); a `TypeError` naming the
    index of one that is not an `Anonymizer`."""
    chain = tuple(anonymizers)
    for index, anonymizer in enumerate(chain):
        if not isinstance(anonymizer, Anonymizer):
            raise TypeError(
                f"anonymizers[{index}] is a {type(anonymizer).__name__}, not an "
                "Anonymizer; wrap rules or functions with create_anonymizer()"
            )
    return chain


class Sanitizer:
    """Applies anonymizers to the entries of telemetry objects.

    `anonymizers=None` means the registry in `hooks`, read on every call, so anonymizers
    registered later take effect. An empty chain returns the values unchanged. With
    `then_registry`, the given anonymizers come first and the registry's after them (the
    zero-code exporters: the operator's configuration stays when the application clears
    the registry).

    `timeout`: the most one `sanitize_many` call (a batch, or one object) may spend in
    the built-in detectors' scans, in seconds; what is not scanned by then is replaced
    by the placeholder (`budget.time_budget`). None: no bound of its own.
    """

    def __init__(
        self,
        anonymizers: Iterable[Anonymizer] | None = None,
        *,
        mapping: FieldMapping = DEFAULT_MAPPING,
        placeholder: str = FAILURE_PLACEHOLDER,
        timeout: float | None = None,
        then_registry: bool = False,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self._anonymizers = None if anonymizers is None else checked_chain(anonymizers)
        self._pinned: tuple[Anonymizer, ...] = ()
        if then_registry:  # read like the registry, with these first
            self._pinned, self._anonymizers = self._anonymizers or (), None
        self._mapping = mapping
        self.placeholder = placeholder
        self.timeout = timeout
        self._shared: dict[
            tuple[int, str, tuple[int, ...]], tuple[object, tuple[Anonymizer, ...], Any]
        ] = {}
        self._places: dict[tuple[str, str, Field, bool], tuple[Field, str]] = {}
        self._keys: dict[str, str] = {}  # for `_keys_chain` (the registry's may change)
        self._keys_chain: tuple[Anonymizer, ...] = ()
        self._shared_lock = threading.Lock()

    @property
    def mapping(self) -> FieldMapping:
        """Where keys go (read-only: the places of keys are cached)."""
        return self._mapping

    def chain(self) -> Sequence[Anonymizer]:
        """The anonymizers that the next call applies, in order."""
        if self._anonymizers is None:
            return [*self._pinned, *hooks.get_anonymizers()]
        return self._anonymizers

    def key(self, key: str) -> str:
        """An attribute key as it is to be exported: each anonymizer's `anonymize_key`
        in turn (cached: the same keys recur). A key an anonymizer fails on becomes the
        placeholder (not cached: the failure may pass)."""
        chain = self._anonymizers
        if chain is None:
            chain = (*self._pinned, *hooks.get_anonymizers())
            if chain != self._keys_chain:
                with self._shared_lock:
                    self._keys.clear()
                    self._keys_chain = chain
        new = self._keys.get(key)
        if new is not None:
            return new
        new = key
        for anonymizer in chain:
            try:
                new = anonymizer.anonymize_key(new)
                if not isinstance(new, str):
                    raise UnusableValue(new)
            except Exception as error:
                name = type(anonymizer).__name__
                record_failure(name, type(error).__name__, "metadata", "key")
                return self.placeholder
        if len(key) <= _CACHED_KEY_LENGTH:
            with self._shared_lock:  # not for a registry chain replaced meanwhile
                if self._anonymizers is not None or chain == self._keys_chain:
                    if len(self._keys) >= _PLACES_LIMIT:
                        self._keys.clear()
                    self._keys[key] = new
        return new

    def sanitize(self, entries: Sequence[Entry], object_type: ObjectType) -> list[Any]:
        """Return one exportable value per entry (or `REMOVED`), in the same order."""
        return self.sanitize_many([(entries, object_type)])[0]

    def sanitize_many(
        self,
        objects: Sequence[tuple[Sequence[Entry], ObjectType]],
        pending: Sequence[Collection[int] | None] | None = None,
    ) -> list[list[Any]]:
        """`sanitize` for each `(entries, object_type)` of a batch (the spans of an
        export request): with one anonymizer in the chain, it rewrites the values of
        all of them in one call (`Anonymizer.rewrite`), so that what that costs per
        call (one scan of all their texts) is paid once per batch.

        `pending`, per object, the indices of the entries that may change (None: all):
        for a caller that asked that one anonymizer beforehand which values it leaves
        as they are (the gateway's prescreen asks `PIIAnonymizer.text_screen`). The
        others are not handed to it again. With a longer chain it is ignored."""
        chain = self.chain()
        if not chain:
            return [[entry.value for entry in entries] for entries, _ in objects]
        if self.timeout is None:
            return self._sanitize_many(chain, objects, pending)
        token = start_budget(self.timeout)
        try:
            return self._sanitize_many(chain, objects, pending)
        finally:
            end_budget(token)

    def bounded(self) -> AbstractContextManager[None]:
        """A block whose scans share one `timeout` budget (no bound without one): for an
        adapter's whole call, whose attribute keys, resources and scopes are anonymized
        outside `sanitize_many` (found by review: 128 slow keys held a span for 100 s)."""
        return time_budget(self.timeout) if self.timeout is not None else nullcontext()

    def _sanitize_many(
        self,
        chain: Sequence[Anonymizer],
        objects: Sequence[tuple[Sequence[Entry], ObjectType]],
        pending: Sequence[Collection[int] | None] | None,
    ) -> list[list[Any]]:
        prepared = [self._prepare(entries, object_type) for entries, object_type in objects]
        rewritten = self._rewrite_pending(chain[0], prepared, pending) if len(chain) == 1 else []
        results = []
        end = 0
        for obj, (entries, object_type) in zip(prepared, objects, strict=True):
            start, end = end, end + (len(obj.items) if obj is not None else 0)
            try:
                if obj is None:
                    raise RuntimeError("the entries could not be looked up")
                results.append(self._sanitize(chain, obj, rewritten[start:end]))
            except Exception as error:  # a bug here must not export raw values either
                record_failure("sanitizer", type(error).__name__, "*", object_type)
                results.append([self.placeholder] * len(entries))
        return results

    def shared(self, owner: object, object_type: ObjectType, build: Callable[[], T]) -> T:
        """`build()`, cached per `owner` object, object type and current chain.

        For values shared by many objects, such as a span's resource: they are anonymized
        once (as an object of their own) instead of once per span. A result made while
        a failure was recorded (placeholders, perhaps for a passing reason) is not kept,
        nor one made while the registry's chain changed. An entry keeps its owner and
        anonymizers alive: a new anonymizer could otherwise get the id of a freed one.
        """
        chain = tuple(self.chain())
        key = (id(owner), object_type, tuple(map(id, chain)))
        with self._shared_lock:
            cached = self._shared.get(key)
        if cached is not None and cached[0] is owner:
            result: T = cached[2]
            return result
        failures = failure_total()
        result = build()
        if failure_total() != failures or tuple(self.chain()) != chain:
            return result
        with self._shared_lock:
            if len(self._shared) >= _SHARED_LIMIT:
                self._shared.clear()
            self._shared[key] = (owner, chain, result)
        return result

    def _prepare(self, entries: Sequence[Entry], object_type: ObjectType) -> _Object | None:
        """An object's entries looked up in the mapping; None if that fails (a bug)."""
        try:
            places = [self.place(entry) for entry in entries]
            values = [entry.value for entry in entries]
        except Exception:
            return None
        items = [(value, name) for value, (_, name) in zip(values, places, strict=True)]
        return _Object(entries, object_type, places, values, items)

    def _rewrite_pending(
        self,
        anonymizer: Anonymizer,
        prepared: Sequence[_Object | None],
        pending: Sequence[Collection[int] | None] | None,
    ) -> list[Any]:
        """`_rewritten` for the items of all objects, asked of `anonymizer` for the
        pending ones only (the others are given back as they are)."""
        if pending is None:
            return self._rewritten(anonymizer, [i for obj in prepared if obj for i in obj.items])
        results: list[Any] = []
        asked: list[tuple[Any, str]] = []
        places: list[int] = []
        for obj, indices in zip(prepared, pending, strict=True):
            if obj is None:
                continue
            if indices is None:
                indices = range(len(obj.items))
            offset = len(results)
            results += obj.values
            for index in indices:
                places.append(offset + index)
                asked.append(obj.items[index])
        for place, value in zip(places, self._rewritten(anonymizer, asked), strict=True):
            results[place] = value
        return results

    def _rewritten(self, anonymizer: Anonymizer, items: list[tuple[Any, str]]) -> list[Any]:
        """`anonymizer.rewrite(items)`, or `WALK` for each item where it raises or answers
        for a different number of items (the walk then fails closed on them if the
        anonymizer fails there too)."""
        try:
            rewritten = anonymizer.rewrite(items)
            if len(rewritten) == len(items):
                return rewritten
        except Exception:
            pass
        return [WALK] * len(items)

    def _sanitize(
        self, chain: Sequence[Anonymizer], obj: _Object, rewritten: list[Any]
    ) -> list[Any]:
        """The values of one object: what `rewrite` made of them, the walk for the rest
        (for a longer chain: for those that `screen` says may change)."""
        entries, places, values = obj.entries, obj.places, obj.values
        if len(chain) == 1:
            walking = [False] * len(entries)
            for index, value in enumerate(rewritten):
                if value is values[index]:
                    continue
                if value is WALK:
                    walking[index] = True
                elif not _same(value, values[index]):
                    field = places[index][0]
                    values[index] = self._coerce(entries[index], value, field, obj.object_type)
        else:
            walking = _screen(chain, obj.items)
        if not any(walking):
            return values
        fields: dict[Field, dict[str, Any]] = {field: {} for field in FIELDS}
        names = {field: FreeNames(set(), form="#{}") for field in FIELDS}
        slots = [
            self._slot(entry, field, name, fields, names) if walk else None
            for entry, (field, name), walk in zip(entries, places, walking, strict=True)
        ]
        sizes = Counter(field for field, _ in places)
        results = {
            field: self._run_chain(chain, data, field, obj.object_type, sizes[field] == 1)
            for field, data in fields.items()
            if data
        }
        for index, (entry, slot) in enumerate(zip(entries, slots, strict=True)):
            if slot is not None:
                result = results[slot.field]
                values[index] = self._export_value(entry, slot, result, obj.object_type)
        return values

    def place(self, entry: Entry) -> tuple[Field, str]:
        """The field of an entry and the name its value has there, which anonymizers
        see (cached: the same keys recur)."""
        key = (entry.key, entry.scope, entry.default_field, entry.mapped)
        place = self._places.get(key)
        if place is None:
            if entry.mapped:
                field, name = self._mapping.locate(entry.key, entry.default_field)
            else:
                field, name = entry.default_field, entry.key
            place = field, f"{entry.scope}.{name}" if entry.scope else name
            if len(entry.key) <= _CACHED_KEY_LENGTH:
                if len(self._places) >= _PLACES_LIMIT:
                    self._places.clear()
                self._places[key] = place
        return place

    def _slot(
        self,
        entry: Entry,
        field: Field,
        name: str,
        fields: dict[Field, dict[str, Any]],
        names: dict[Field, FreeNames],
    ) -> _Slot:
        """Where the entry goes in its field, decoded. A name taken gets the first free
        `#2`, `#3`... suffix (`names`, one per field: many entries of one key, which
        OTLP allows, cost linear time)."""
        data = fields[field]
        unique = names[field](name)
        original = entry.value
        try:
            decoded, shape = decode(original)
        except RecursionError:
            original = decoded = self.placeholder
            shape = None
        data[unique] = decoded
        return _Slot(field, unique, original, decoded, shape)

    def _run_chain(
        self,
        chain: Sequence[Anonymizer],
        data: dict[str, Any],
        field: Field,
        object_type: ObjectType,
        alone: bool,
    ) -> dict[str, Any]:
        """The chain's results for one field of an object; `alone` says that the object
        has no other entry in that field (whether or not those take the walk)."""
        [(name, value)] = data.items() if alone else [("", None)]
        whole = isinstance(value, str) or name in WHOLE_FIELD_NAMES
        if field != "metadata" and alone and "." not in name and whole:
            # A field that is one text, or one whole value (a tracked function's
            # arguments, a plain `output.value`, JSON text decoded) is passed as that,
            # as Opik passes `input` and `output` and the seed's examples expect: a dict
            # of arguments, not `{"value": {...}}` (but `{"messages": [...]}` stays).
            # Not a flattened part (`prompt.0.api_key`): its path is kept for the
            # anonymizers, which may replace values by their key. Nor to an anonymizer
            # that reads names (sensitive keys, field policies, the keys of the dict).
            for anonymizer in chain:
                if anonymizer.reads_names:
                    data = self._apply(anonymizer, data, field, object_type)
                    if name not in data:  # dropped
                        return data
                else:
                    data = {name: self._apply_value(anonymizer, data[name], field, object_type)}
            return data
        for anonymizer in chain:
            data = self._apply(anonymizer, data, field, object_type)
        return data

    def _apply_value(
        self, anonymizer: Anonymizer, value: Any, field: Field, object_type: ObjectType
    ) -> Any:
        """`anonymizer` on a field's one value. A dict's keys are data here, not names
        (an object of JSON text, a map): they are anonymized as those of the dicts
        nested in it (`Anonymizer.anonymize_keys`). A structure must come back as one of
        its kind, or as JSON text of one (a wrapper that serializes), read again: a
        later anonymizer would not see the keys in other text."""
        try:
            result = anonymizer.anonymize(value, field_name=field, object_type=object_type)
            kind = dict if isinstance(value, dict) else list if isinstance(value, list) else None
            if kind is not None and not isinstance(result, kind):
                decoded = decode(result)[0] if isinstance(result, str) else None
                if not isinstance(decoded, kind):
                    raise UnusableValue(result)
                result = decoded
            if result is None:
                raise UnusableValue(result)
            if isinstance(result, dict):
                result = anonymizer.anonymize_keys(result, field)
            return result
        except Exception as error:
            self._failed(anonymizer, error, field, object_type)
            return self.placeholder

    def _apply(
        self,
        anonymizer: Anonymizer,
        data: dict[str, Any],
        field: Field,
        object_type: ObjectType,
    ) -> dict[str, Any]:
        def call(value: dict[str, Any]) -> dict[str, Any]:
            result = anonymizer.anonymize(value, field_name=field, object_type=object_type)
            if not isinstance(result, dict):
                raise UnusableValue(result)
            return result

        try:
            return call(dict(data))
        except Exception as error:
            self._failed(anonymizer, error, field, object_type)
        # Isolate the failure: retry one entry at a time.
        isolated: dict[str, Any] = {}
        for name, value in data.items():
            try:
                isolated.update(call({name: value}))
            except Exception:
                isolated[name] = self.placeholder
        return isolated

    def _export_value(
        self, entry: Entry, slot: _Slot, result: dict[str, Any], object_type: ObjectType
    ) -> Any:
        if slot.name not in result:
            return REMOVED
        value = result[slot.name]
        # Only immutable values can be compared with what went in: a container may have
        # been changed in place, so it is always encoded from what the chain returned.
        if slot.shape is None:
            unchanged = isinstance(slot.decoded, _IMMUTABLE) and _same(value, slot.decoded)
        else:  # JSON text: parsed again, as the chain may have changed the first parse
            unchanged = _same(value, redecode(slot.original, slot.shape))
        if unchanged:
            return slot.original
        try:
            value = encode(value, slot.shape)
        except (TypeError, ValueError, RecursionError) as error:
            record_failure("coercion", type(error).__name__, slot.field, object_type)
            return self.placeholder
        return self._coerce(entry, value, slot.field, object_type)

    def _coerce(self, entry: Entry, value: Any, field: Field, object_type: ObjectType) -> Any:
        """`value` as the entry's kind of value, or the placeholder if it cannot be one."""
        try:
            return _COERCE[entry.kind](value)
        except (UnusableValue, TypeError, ValueError, RecursionError) as error:
            record_failure("coercion", type(error).__name__, field, object_type)
            return self.placeholder

    def _failed(
        self, anonymizer: Anonymizer, error: BaseException, field: Field, object_type: ObjectType
    ) -> None:
        record_failure(type(anonymizer).__name__, type(error).__name__, field, object_type)


def _screen(chain: Sequence[Anonymizer], items: list[tuple[Any, str]]) -> list[bool]:
    """Which items some anonymizer of `chain` may change (`Anonymizer.screen`). An error,
    or an answer of the wrong length, means all of them: the full walk then handles the
    values (and fails closed on them if the anonymizer fails there too)."""
    changing = [False] * len(items)
    for anonymizer in chain:
        try:
            answers = anonymizer.screen(items)
            if len(answers) != len(items):
                raise ValueError("screen() answered for a different number of items")
        except Exception:
            return [True] * len(items)
        changing = [old or bool(new) for old, new in zip(changing, answers, strict=True)]
        if all(changing):
            break
    return changing


_IMMUTABLE = (str, bytes, int, float, bool, type(None))


def _same(new: Any, old: Any) -> bool:
    return type(new) is type(old) and bool(new == old)


def _to_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UnusableValue(value)


_COERCE: dict[Kind, Callable[[Any], Any]] = {
    "attribute": to_attribute_value,
    "any": to_any_value,
    "text": _to_text,
}
