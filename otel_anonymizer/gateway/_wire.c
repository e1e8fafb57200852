/* Reads the values of an OTLP export request straight from its protobuf bytes, and says
 * which spans or log records the anonymizer may change: the others are passed by
 * without being read into Python (`otel_anonymizer.gateway.prescreen`).
 *
 * It reads exactly the values the protobuf adapter (`otlp.py`) hands to the Sanitizer:
 * a span's name, status message, attributes, event names and attributes, link
 * attributes and trace states (the span's, its links'); a log record's body, attributes, event name and severity text (the last
 * two are read from the bytes only to screen them). Each string goes to the anonymizer's
 * `TextScreen` (`detectors/_native.c`), each attribute key to a Python callable
 * (`passes`, its answers cached in a `NameCache`), each integer of six digits or more to the
 * screen as well. Whatever it cannot vouch for (maps, nested arrays, JSON text in an
 * array, anything that does not read as it expects) makes the item "dirty": the
 * adapter then handles it in full, so a wrong guess here can only cost time.
 *
 * The request was parsed (and so validated) before; this walk still checks every
 * length against the buffer, and gives up (returns None) on anything malformed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../detectors/_native_api.h"

/* The verdicts on names are dropped when there are more than this many. */
#define NAME_CACHE_LIMIT 8192
/* Longer keys are asked each time: a request's keys must not fill the memory. */
#define CACHED_NAME_LENGTH 200

enum { DIRTY = 0, CLEAN = 1, FAILED = -1, MALFORMED = -2 };

enum { VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5 };

static const NativeAPI *native;

typedef struct {
    const uint8_t *at, *end;
} Reader;

typedef struct {
    PyObject *screen;  /* a `TextScreen` */
    PyObject *passes;  /* passes(key, scope, mapped) -> bool */
    struct NameCacheObject *names; /* the cache of `passes` */
    /* What the screen found in the last string it said may change, when the anonymizer
     * rewrites that string from it (`screen_text_scanned`): `(text, how, findings)`,
     * or NULL; and where the string's bytes are. */
    PyObject *scanned;
    Reader scanned_bytes;
    /* `scanned`, once found to be the only value of the entry being screened, whose
     * name passes: `note` hands it over with the entry. */
    PyObject *record;
} Walk;

/* The field readers are inlined: every walk reads each field through them, and the
 * calls cost about 4% of a worker's instructions per anonymized span. */
#if defined(__GNUC__) || defined(__clang__)
#define FIELD_READER static inline __attribute__((always_inline)) int
#else
#define FIELD_READER static inline int
#endif

FIELD_READER
read_varint(Reader *reader, uint64_t *value)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && reader->at < reader->end; shift += 7) {
        uint8_t byte = *reader->at++;
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return 1;
        }
    }
    return 0;
}

/* The next field's number and wire type; 0 at the end, MALFORMED if it cannot be read. */
FIELD_READER
next_field(Reader *reader, uint32_t *field, int *wire)
{
    if (reader->at >= reader->end) {
        return 0;
    }
    uint64_t tag;
    if (!read_varint(reader, &tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) {
        return MALFORMED;
    }
    *field = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    return 1;
}

/* Reads a field's value: the bytes of a LEN field into `inner`, a varint into `value`,
 * or skips a fixed one. 1, or MALFORMED (groups, which OTLP does not use, included). */
FIELD_READER
read_value(Reader *reader, int wire, Reader *inner, uint64_t *value)
{
    switch (wire) {
    case VARINT:
        return read_varint(reader, value) ? 1 : MALFORMED;
    case FIXED64:
    case FIXED32: {
        Py_ssize_t size = wire == FIXED64 ? 8 : 4;
        if (reader->end - reader->at < size) {
            return MALFORMED;
        }
        *value = 0; /* little-endian on the wire */
        for (Py_ssize_t i = size - 1; i >= 0; i--) {
            *value = *value << 8 | reader->at[i];
        }
        reader->at += size;
        return 1;
    }
    case LEN: {
        uint64_t size;
        if (!read_varint(reader, &size) || size > (uint64_t)(reader->end - reader->at)) {
            return MALFORMED;
        }
        inner->at = reader->at;
        inner->end = reader->at + size;
        reader->at += size;
        return 1;
    }
    default:
        return MALFORMED;
    }
}

/* Iterates the fields of a message: `field`, `wire`, the LEN bytes in `inner`. */
#define FOR_EACH_FIELD(reader, field, wire, inner, number, status)                         \
    for (;;)                                                                              \
        if ((status = next_field(&(reader), &(field), &(wire))) <= 0 ||                   \
            (status = read_value(&(reader), (wire), &(inner), &(number))) <= 0) {         \
            break;                                                                        \
        }                                                                                 \
        else

/* A str from UTF-8 bytes; NULL without an error set if they are not UTF-8. */
static PyObject *
decode(const Reader *bytes)
{
    PyObject *text = PyUnicode_DecodeUTF8((const char *)bytes->at, bytes->end - bytes->at,
                                          "strict");
    if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
    }
    return text;
}

/* ---- The cache of `passes` ------------------------------------------------------ */

/* A name's verdict by its bytes (`mapped`, the scope, a NUL, the key's UTF-8), for
 * names that fit: most requests carry the same few dozen keys, and a slot is found
 * without decoding the key or hashing a str. Direct-mapped; the dict holds every
 * verdict, also of names too long for a slot. */
#define NAME_SLOTS 512
#define NAME_SLOT_BYTES 62

typedef struct {
    uint64_t hash; /* 0: an unused slot */
    uint8_t length, clean;
    char bytes[NAME_SLOT_BYTES];
} NameSlot;

typedef struct NameCacheObject {
    PyObject_HEAD
    PyObject *verdicts; /* dict: key, or (key, scope or None, mapped) -> bool */
    NameSlot slots[NAME_SLOTS];
} NameCacheObject;

static PyTypeObject NameCacheType;

/* The slot for a name and, in `probe`, the name as a slot holds it; NULL where the
 * name does not fit one. */
static NameSlot *
name_slot(NameCacheObject *cache, Reader key, const char *scope, int mapped, NameSlot *probe)
{
    size_t scope_size = scope == NULL ? 0 : strlen(scope);
    size_t key_size = (size_t)(key.end - key.at);
    if (2 + scope_size + key_size > NAME_SLOT_BYTES) {
        return NULL;
    }
    probe->bytes[0] = (char)mapped;
    memcpy(probe->bytes + 1, scope == NULL ? "" : scope, scope_size);
    probe->bytes[1 + scope_size] = '\0';
    memcpy(probe->bytes + 2 + scope_size, key.at, key_size);
    probe->length = (uint8_t)(2 + scope_size + key_size);
    /* Eight bytes a step (names are tens of bytes), then FNV-1a over the rest. */
    uint64_t hash = UINT64_C(14695981039346656037);
    size_t i = 0;
    for (; i + 8 <= probe->length; i += 8) {
        uint64_t word;
        memcpy(&word, probe->bytes + i, 8);
        hash = (hash ^ word) * UINT64_C(0x9E3779B97F4A7C15);
        hash ^= hash >> 29;
    }
    for (; i < probe->length; i++) {
        hash = (hash ^ (uint8_t)probe->bytes[i]) * UINT64_C(1099511628211);
    }
    probe->hash = hash | 1;
    return &cache->slots[hash % NAME_SLOTS];
}

/* Whether `passes(key, scope, mapped)` says so, cached: CLEAN, DIRTY or FAILED. `key`
 * is UTF-8 (a key that is not is DIRTY); `scope` NULL for none. */
static int
name_passes(Walk *walk, Reader key, const char *scope, int mapped)
{
    NameSlot probe = {0}; /* whole: a slot must not keep bytes of another name */
    NameSlot *slot = name_slot(walk->names, key, scope, mapped, &probe);
    if (slot != NULL && slot->hash == probe.hash && slot->length == probe.length &&
        memcmp(slot->bytes, probe.bytes, probe.length) == 0) {
        return slot->clean ? CLEAN : DIRTY;
    }
    PyObject *name = decode(&key);
    if (name == NULL) {
        return PyErr_Occurred() ? FAILED : DIRTY;
    }
    PyObject *scope_text = PyUnicode_FromString(scope == NULL ? "" : scope);
    PyObject *cache_key =
        scope_text == NULL        ? NULL
        : scope == NULL && mapped ? Py_NewRef(name)
                                  : Py_BuildValue("(OOO)", name, scope ? scope_text : Py_None,
                                                  mapped ? Py_True : Py_False);
    int passes = -1;
    if (cache_key != NULL) {
        PyObject *verdicts = walk->names->verdicts;
        PyObject *cached = PyDict_GetItemWithError(verdicts, cache_key);
        if (cached != NULL) {
            passes = cached == Py_True;
        }
        else if (!PyErr_Occurred()) {
            PyObject *verdict = PyObject_CallFunctionObjArgs(walk->passes, name, scope_text,
                                                             mapped ? Py_True : Py_False, NULL);
            passes = verdict == NULL ? -1 : PyObject_IsTrue(verdict);
            Py_XDECREF(verdict);
            if (passes >= 0 && PyUnicode_GET_LENGTH(name) <= CACHED_NAME_LENGTH) {
                if (PyDict_GET_SIZE(verdicts) >= NAME_CACHE_LIMIT) {
                    PyDict_Clear(verdicts); /* and the slots: keys are kept no longer */
                    memset(walk->names->slots, 0, sizeof walk->names->slots);
                }
                if (PyDict_SetItem(verdicts, cache_key, passes ? Py_True : Py_False) < 0) {
                    passes = -1;
                }
            }
        }
        Py_DECREF(cache_key);
    }
    Py_XDECREF(scope_text);
    Py_DECREF(name);
    if (passes >= 0 && slot != NULL) {
        probe.clean = (uint8_t)passes;
        *slot = probe;
    }
    return passes < 0 ? FAILED : passes ? CLEAN : DIRTY;
}

/* Whether the bytes are all ASCII: 32 at a time, as most texts are long (a loop of
 * eight at a time, the compiler did not make vector operations of). */
static int
is_ascii(const Reader *bytes)
{
    const uint8_t *at = bytes->at;
    size_t size = (size_t)(bytes->end - at), i = 0;
    uint64_t high = 0;
    for (; i + 32 <= size; i += 32) {
        uint64_t words[4];
        memcpy(words, at + i, 32);
        high |= words[0] | words[1] | words[2] | words[3];
    }
    for (; i < size; i++) {
        high |= at[i];
    }
    return !(high & UINT64_C(0x8080808080808080));
}

/* The screen's verdict on a string; `in_array`: text that looks like JSON is dirty
 * there (the anonymizer leaves JSON in a list to the walk). */
static int
screen_string(Walk *walk, const Reader *bytes, int in_array)
{
    Py_CLEAR(walk->scanned);
    Text text;
    if (is_ascii(bytes)) {
        text = (Text){PyUnicode_1BYTE_KIND, bytes->at, bytes->end - bytes->at, NULL};
    }
    else {
        PyObject *object = decode(bytes);
        if (object == NULL) {
            return PyErr_Occurred() ? FAILED : DIRTY;
        }
        text = (Text){PyUnicode_KIND(object), PyUnicode_DATA(object),
                      PyUnicode_GET_LENGTH(object), object};
    }
    if (in_array) {
        Py_ssize_t i = 0;
        while (i < text.n && Py_UNICODE_ISSPACE(PyUnicode_READ(text.kind, text.data, i))) {
            i++;
        }
        Py_UCS4 first = i < text.n ? PyUnicode_READ(text.kind, text.data, i) : 0;
        if (first == '{' || first == '[' || first == '"') {
            Py_CLEAR(text.object);
            return DIRTY;
        }
    }
    int clean = in_array ? native->screen_text(walk->screen, &text)
                         : native->screen_text_scanned(walk->screen, &text, &walk->scanned);
    walk->scanned_bytes = *bytes;
    return clean < 0 ? FAILED : clean ? CLEAN : DIRTY;
}

/* An AnyValue: strings screened, integers of seven digits or more screened, and
 * doubles that are such integers; booleans clean, bytes dirty (rare: the anonymizer
 * reads them as text); maps dirty, arrays item by item (an array in one dirty). */
static int
screen_any_value(Walk *walk, Reader reader, int in_array)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        int verdict = CLEAN;
        if (field == 1 && wire == LEN) { /* string_value */
            verdict = screen_string(walk, &inner, in_array);
        }
        else if (field == 3 && wire == VARINT) { /* int_value */
            int clean = native->screen_integer(walk->screen, (long long)(int64_t)number);
            verdict = clean < 0 ? FAILED : clean ? CLEAN : DIRTY;
        }
        else if (field == 4 && wire == FIXED64) { /* double_value */
            double value;
            memcpy(&value, &number, sizeof value);
            /* `PIIAnonymizer._number_detector`: whole, up to 2**53 (exact digits). */
            if (value == floor(value) && fabs(value) < 9007199254740992.0) {
                int clean = native->screen_integer(walk->screen, (long long)value);
                verdict = clean < 0 ? FAILED : clean ? CLEAN : DIRTY;
            }
        }
        else if (field == 5 && wire == LEN) { /* array_value */
            if (in_array) {
                return DIRTY;
            }
            uint32_t item_field;
            int item_wire, item_status;
            Reader item;
            uint64_t item_number;
            FOR_EACH_FIELD(inner, item_field, item_wire, item, item_number, item_status)
            {
                if (item_field == 1 && item_wire == LEN) {
                    int clean = screen_any_value(walk, item, 1);
                    if (clean != CLEAN) {
                        return clean;
                    }
                }
            }
            verdict = item_status == 0 ? CLEAN : item_status;
        }
        else if ((field == 6 || field == 7) && wire == LEN) { /* kvlist_value, bytes_value */
            return DIRTY;
        }
        if (verdict != CLEAN) {
            return verdict;
        }
    }
    return status == 0 ? CLEAN : status;
}

static int single_field(Reader reader, uint32_t number, Reader *found);
static int string_field(Reader any_value, Reader *text);

/* Makes `walk->scanned` the entry's record where the AnyValue in field `number` of
 * `message` is the entry's only value and holds its only string, the one scanned (the
 * value the adapter reads, `entry_values`); else drops it. */
static void
keep_record(Walk *walk, Reader message, uint32_t number)
{
    Reader value, text;
    if (walk->scanned != NULL && single_field(message, number, &value) &&
        string_field(value, &text) && text.at == walk->scanned_bytes.at &&
        text.end == walk->scanned_bytes.end) {
        Py_XSETREF(walk->record, walk->scanned);
        walk->scanned = NULL;
    }
    Py_CLEAR(walk->scanned);
}

/* A KeyValue: dirty unless `passes` accepts its key and its value is clean. */
static int
screen_attribute(Walk *walk, Reader reader, const char *scope)
{
    Reader key_value = reader;
    uint32_t field;
    int wire, status;
    Reader inner, key = {reader.at, reader.at};
    uint64_t number;
    Reader values = reader;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (field == 1 && wire == LEN) {
            key = inner; /* the last one counts */
        }
    }
    if (status != 0) {
        return status;
    }
    int verdict = name_passes(walk, key, scope, 1);
    if (verdict != CLEAN) {
        return verdict;
    }
    FOR_EACH_FIELD(values, field, wire, inner, number, status)
    {
        if (field == 2 && wire == LEN) {
            verdict = screen_any_value(walk, inner, 0);
            if (verdict != CLEAN) {
                Reader only_key;
                if (verdict == DIRTY && single_field(key_value, 1, &only_key)) {
                    keep_record(walk, key_value, 2);
                }
                return verdict;
            }
        }
    }
    return status == 0 ? CLEAN : status;
}

/* Whether a name the adapter gives a value of its own (`span.name`, `body`) passes:
 * asked whether or not the value is there, as the adapter hands such values over even
 * when empty. */
static int
own_name_passes(Walk *walk, const char *name)
{
    Reader key = {(const uint8_t *)name, (const uint8_t *)name + strlen(name)};
    return name_passes(walk, key, NULL, 0);
}

/* The entries of an item that may change, by their index in the list the adapter
 * makes of its values (`otlp._span_entries`, `otlp._log_entries`), and for some what
 * the screen found in them. */
typedef struct {
    PyObject *indices; /* a list of int */
    PyObject *records; /* a list of `(index, text, how, findings)`, or NULL: none yet */
} Dirty;

/* Takes a verdict on the entry at `index`: a dirty one is added to `dirty`, with the
 * walk's record of it if there is one. Returns CLEAN to go on, or an error (FAILED,
 * MALFORMED). */
static int
note(Walk *walk, Dirty *dirty, int verdict, Py_ssize_t index)
{
    PyObject *record = walk->record;
    walk->record = NULL;
    Py_CLEAR(walk->scanned);
    if (verdict != DIRTY) {
        Py_XDECREF(record);
        return verdict;
    }
    PyObject *number = PyLong_FromSsize_t(index);
    if (number == NULL || PyList_Append(dirty->indices, number) < 0) {
        Py_XDECREF(number);
        Py_XDECREF(record);
        return FAILED;
    }
    if (record != NULL) {
        PyObject *entry = PyTuple_Pack(4, number, PyTuple_GET_ITEM(record, 0),
                                       PyTuple_GET_ITEM(record, 1), PyTuple_GET_ITEM(record, 2));
        Py_DECREF(record);
        if (entry == NULL || (dirty->records == NULL && (dirty->records = PyList_New(0)) == NULL) ||
            PyList_Append(dirty->records, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(number);
            return FAILED;
        }
        Py_DECREF(entry);
    }
    Py_DECREF(number);
    return CLEAN;
}

/* An event's name and attributes, or a link's attributes (`name_field` 0), under the
 * scope `events.N` or `links.N`; their entries start at `base`. Stores in `entries`
 * how many there are. */
static int
screen_part(Walk *walk, Reader reader, const char *kind, Py_ssize_t index,
            uint32_t name_field, uint32_t attributes_field, Dirty *dirty, Py_ssize_t base,
            Py_ssize_t *entries)
{
    Py_ssize_t first_attribute = base + (name_field ? 1 : 0), attributes = 0;
    int verdict = CLEAN;
    if (name_field) {
        char name[64];
        PyOS_snprintf(name, sizeof(name), "%s.%zd.name", kind, index);
        verdict = note(walk, dirty, own_name_passes(walk, name), base);
        if (verdict != CLEAN) {
            return verdict;
        }
    }
    char scope[64];
    PyOS_snprintf(scope, sizeof(scope), "%s.%zd", kind, index);
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (field == name_field && wire == LEN) {
            verdict = note(walk, dirty, screen_string(walk, &inner, 0), base);
        }
        else if (field == attributes_field && wire == LEN) {
            verdict = note(walk, dirty, screen_attribute(walk, inner, scope),
                           first_attribute + attributes++);
        }
        if (verdict != CLEAN) {
            break;
        }
    }
    *entries = first_attribute - base + attributes;
    return verdict != CLEAN ? verdict : status == 0 ? CLEAN : status;
}

/* A text field handed over as an entry of its own when not empty: a log record's
 * `event_name` and `severity_text`, a span's or link's `trace_state`. */
static int
screen_own_text(Walk *walk, Reader *text, const char *name)
{
    int verdict = own_name_passes(walk, name);
    return verdict == CLEAN ? screen_string(walk, text, 0) : verdict;
}

/* How many fields `number` a message holds. */
static int
count_fields(Reader reader, uint32_t number, Py_ssize_t *count)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t value;
    *count = 0;
    FOR_EACH_FIELD(reader, field, wire, inner, value, status)
    {
        *count += field == number && wire == LEN;
    }
    return status;
}

/* What a span's entries are made of: whether its status message is handed over (not
 * empty: the last one wins), how many attributes, how many entries its events make (a
 * name and the attributes of each) and its links (their attributes), and whether its
 * trace state is handed over (not empty, the last one). */
typedef struct {
    int message;
    Py_ssize_t attributes, event_entries, link_entries;
    int trace_state;
} SpanLayout;

/* The last field `number` of a message: whether it is handed over (not empty), in
 * `found`, and where, in `text`. Returns 0, or MALFORMED. */
static int
last_text(Reader message, uint32_t number, Reader *text, int *found)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t value;
    *found = 0;
    FOR_EACH_FIELD(message, field, wire, inner, value, status)
    {
        if (field == number && wire == LEN) {
            *text = inner;
            *found = inner.at < inner.end;
        }
    }
    return status;
}

static int
span_layout(Reader reader, SpanLayout *layout)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    *layout = (SpanLayout){0, 0, 0, 0, 0};
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (wire != LEN) {
            continue;
        }
        if (field == 9) {
            layout->attributes++;
        }
        else if (field == 11) {
            Py_ssize_t attributes;
            int counted = count_fields(inner, 3, &attributes);
            if (counted != 0) {
                return counted;
            }
            layout->event_entries += 1 + attributes;
        }
        else if (field == 13) {
            Py_ssize_t attributes;
            int counted = count_fields(inner, 4, &attributes);
            if (counted != 0) {
                return counted;
            }
            layout->link_entries += attributes;
        }
        else if (field == 3) {
            layout->trace_state = inner.at < inner.end;
        }
        else if (field == 15) {
            uint32_t status_field;
            int status_wire, status_status;
            Reader message;
            uint64_t status_number;
            FOR_EACH_FIELD(inner, status_field, status_wire, message, status_number, status_status)
            {
                if (status_field == 2 && status_wire == LEN) {
                    layout->message = message.at < message.end;
                }
            }
            if (status_status != 0) {
                return status_status;
            }
        }
    }
    return status;
}

/* A span's entries: its name (0), its status message (1, when handed over), its
 * attributes, each event's name and attributes, each link's attributes, then its trace
 * state and each link's, when handed over. */
static int
screen_span(Walk *walk, Reader reader, Dirty *dirty)
{
    SpanLayout layout;
    int status = span_layout(reader, &layout);
    if (status != 0) {
        return status;
    }
    Py_ssize_t attributes = 1 + layout.message, attribute = 0;
    Py_ssize_t event_base = attributes + layout.attributes;
    Py_ssize_t link_base = event_base + layout.event_entries;
    Py_ssize_t trace_base = link_base + layout.link_entries;
    Py_ssize_t link_states = trace_base + layout.trace_state;
    Py_ssize_t events = 0, links = 0, entries = 0;
    int verdict = note(walk, dirty, own_name_passes(walk, "span.name"), 0);
    if (verdict != CLEAN) {
        return verdict;
    }
    uint32_t field;
    int wire;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (wire != LEN) {
            continue;
        }
        switch (field) {
        case 5: /* name */
            verdict = note(walk, dirty, screen_string(walk, &inner, 0), 0);
            break;
        case 9: /* attributes */
            verdict = note(walk, dirty, screen_attribute(walk, inner, NULL),
                           attributes + attribute++);
            break;
        case 11: /* events: name 2, attributes 3 */
            verdict = screen_part(walk, inner, "events", events++, 2, 3, dirty, event_base,
                                  &entries);
            event_base += entries;
            break;
        case 3: /* trace_state */
            if (layout.trace_state && inner.at < inner.end) {
                verdict =
                    note(walk, dirty, screen_own_text(walk, &inner, "trace_state"), trace_base);
            }
            break;
        case 13: { /* links: attributes 4, trace_state 3 */
            verdict = screen_part(walk, inner, "links", links, 0, 4, dirty, link_base, &entries);
            link_base += entries;
            Reader state;
            int found = 0;
            if (verdict == CLEAN) {
                int read = last_text(inner, 3, &state, &found);
                verdict = read == 0 ? CLEAN : read;
            }
            if (verdict == CLEAN && found) {
                char name[64];
                PyOS_snprintf(name, sizeof(name), "links.%zd.trace_state", links);
                verdict = note(walk, dirty, screen_own_text(walk, &state, name), link_states++);
            }
            links++;
            break;
        }
        case 15: { /* status: its last message, when not empty */
            if (!layout.message) {
                break;
            }
            uint32_t status_field;
            int status_wire, status_status;
            Reader message;
            uint64_t status_number;
            FOR_EACH_FIELD(inner, status_field, status_wire, message, status_number, status_status)
            {
                if (status_field == 2 && status_wire == LEN && message.at < message.end) {
                    verdict = own_name_passes(walk, "status.description");
                    if (verdict == CLEAN) {
                        verdict = screen_string(walk, &message, 0);
                    }
                    verdict = note(walk, dirty, verdict, 1);
                    if (verdict != CLEAN) {
                        break;
                    }
                }
            }
            if (verdict == CLEAN && status_status != 0) {
                verdict = status_status;
            }
            break;
        }
        }
        if (verdict != CLEAN) {
            return verdict;
        }
    }
    return status == 0 ? CLEAN : status;
}

/* A log record's entries: its body (0), its attributes, then its event name and its
 * severity text, each when handed over (not empty: the last one wins). */
static int
screen_log_record(Walk *walk, Reader reader, Dirty *dirty)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    Py_ssize_t attributes = 0, attribute = 0;
    int event_name = 0, severity_text = 0;
    Reader layout = reader; /* the loop reads its reader through */
    FOR_EACH_FIELD(layout, field, wire, inner, number, status)
    {
        if (wire == LEN) {
            attributes += field == 6;
            event_name = field == 12 ? inner.at < inner.end : event_name;
            severity_text = field == 3 ? inner.at < inner.end : severity_text;
        }
    }
    if (status != 0) {
        return status;
    }
    int body_name = own_name_passes(walk, "body");
    int verdict = note(walk, dirty, body_name, 0);
    if (verdict != CLEAN) {
        return verdict;
    }
    Reader whole = reader;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (field == 5 && wire == LEN) { /* body */
            int value = screen_any_value(walk, inner, 0);
            if (value == DIRTY && body_name == CLEAN) {
                keep_record(walk, whole, 5);
            }
            verdict = note(walk, dirty, value, 0);
        }
        else if (field == 6 && wire == LEN) { /* attributes */
            verdict = note(walk, dirty, screen_attribute(walk, inner, NULL), 1 + attribute++);
        }
        else if (field == 12 && wire == LEN && event_name && inner.at < inner.end) {
            verdict =
                note(walk, dirty, screen_own_text(walk, &inner, "event_name"), 1 + attributes);
        }
        else if (field == 3 && wire == LEN && severity_text && inner.at < inner.end) {
            verdict = note(walk, dirty, screen_own_text(walk, &inner, "severity_text"),
                           1 + attributes + event_name);
        }
        if (verdict != CLEAN) {
            return verdict;
        }
    }
    return status == 0 ? CLEAN : status;
}

/* What every function here starts with: `nargs` arguments, the first a serialized
 * request (read by `reader`), the second whether it holds logs, the one at `dict_at` a
 * dict (none if -1). 0, or -1 with a TypeError that shows `usage`. */
static int
request_arguments(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected,
                  Py_ssize_t dict_at, const char *usage, int *logs, Reader *reader)
{
    if (nargs != expected || !PyBytes_Check(args[0]) ||
        (dict_at >= 0 && !PyDict_Check(args[dict_at]))) {
        PyErr_SetString(PyExc_TypeError, usage);
        return -1;
    }
    *logs = PyObject_IsTrue(args[1]);
    if (*logs < 0) {
        return -1;
    }
    const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(args[0]);
    *reader = (Reader){data, data + PyBytes_GET_SIZE(args[0])};
    return 0;
}

/* Calls `visit` for each item of the request with its ordinal; stops at an error. */
typedef int (*ItemVisitor)(void *context, Py_ssize_t ordinal, Reader item);

static int
visit_items(Reader reader, ItemVisitor visit, void *context)
{
    Py_ssize_t ordinal = 0;
    uint32_t field, scope_field, item_field;
    int wire, status, scope_wire, scope_status, item_wire, item_status;
    Reader resource, scope, item;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, resource, number, status)
    {
        if (field != 1 || wire != LEN) {
            continue;
        }
        FOR_EACH_FIELD(resource, scope_field, scope_wire, scope, number, scope_status)
        {
            if (scope_field != 2 || scope_wire != LEN) {
                continue;
            }
            FOR_EACH_FIELD(scope, item_field, item_wire, item, number, item_status)
            {
                if (item_field != 2 || item_wire != LEN) {
                    continue;
                }
                int result = visit(context, ordinal++, item);
                if (result < 0) {
                    return result;
                }
            }
            if (item_status != 0) {
                return item_status;
            }
        }
        if (scope_status != 0) {
            return scope_status;
        }
    }
    return status;
}

typedef struct {
    Walk *walk;
    int logs;
    PyObject *dirty; /* a list of (ordinal, entries) */
} Screening;

/* An item visitor: adds `(ordinal, entries)` to `dirty` for an item with entries that
 * may change. */
static int
screen_item(void *context, Py_ssize_t ordinal, Reader item)
{
    Screening *screening = context;
    Dirty entries = {PyList_New(0), NULL};
    if (entries.indices == NULL) {
        return FAILED;
    }
    int verdict = screening->logs ? screen_log_record(screening->walk, item, &entries)
                                  : screen_span(screening->walk, item, &entries);
    if (verdict == CLEAN && PyList_GET_SIZE(entries.indices) > 0) {
        PyObject *found = Py_BuildValue("(nOO)", ordinal, entries.indices,
                                        entries.records ? entries.records : Py_None);
        if (found == NULL || PyList_Append(screening->dirty, found) < 0) {
            verdict = FAILED;
        }
        Py_XDECREF(found);
    }
    Py_DECREF(entries.indices);
    Py_XDECREF(entries.records);
    return verdict;
}

PyDoc_STRVAR(dirty_items_doc,
             "dirty_items(body, logs, screen, passes, names, /)\n--\n\n"
             "The spans (log records if `logs`) of the serialized export request `body` that\n"
             "the anonymizer behind `screen` (a `TextScreen`) may change, as `(ordinal,\n"
             "entries, scanned)`: the item's place in the request (from 0), the indices of\n"
             "its entries that may change, in the adapter's order, and for those whose only\n"
             "value is a string the screen scanned and found something in (under a name\n"
             "that passes), `(index, text, how, findings)`: the text, how the anonymizer\n"
             "rewrites it from its findings (0 as text, 1 as JSON text in place), and the\n"
             "findings (None if there are none of these). None if `body` does not read as a\n"
             "request. `passes(key, scope, mapped)` says whether a value's name is no\n"
             "reason to change it; its answers are cached in `names` (a `NameCache`).");

static PyObject *
dirty_items(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char usage[] =
        "dirty_items(body: bytes, logs: bool, screen: TextScreen, passes, names: NameCache)";
    int logs;
    Reader reader;
    if (request_arguments(args, nargs, 5, -1, usage, &logs, &reader) < 0) {
        return NULL;
    }
    if (!PyObject_TypeCheck(args[2], native->text_screen_type) ||
        !PyObject_TypeCheck(args[4], &NameCacheType)) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    Walk walk = {args[2], args[3], (NameCacheObject *)args[4]};
    PyObject *dirty = PyList_New(0);
    if (dirty == NULL) {
        return NULL;
    }
    Screening screening = {&walk, logs, dirty};
    int status = visit_items(reader, screen_item, &screening);
    Py_CLEAR(walk.scanned);
    Py_CLEAR(walk.record);
    if (status == FAILED) {
        Py_DECREF(dirty);
        return NULL;
    }
    if (status == MALFORMED) {
        Py_DECREF(dirty);
        Py_RETURN_NONE;
    }
    return dirty;
}

/* ---- Reading the pending values of dirty items ---------------------------------- */

/* A field of a message that occurs exactly once: 1 with its bytes in `found`, 0 if it
 * is absent or repeated (a repeated singular field merges: no single value to read). */
static int
single_field(Reader reader, uint32_t number, Reader *found)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t value;
    int count = 0;
    FOR_EACH_FIELD(reader, field, wire, inner, value, status)
    {
        if (field == number) {
            count++;
            *found = inner;
            if (wire != LEN) {
                return 0;
            }
        }
    }
    return status == 0 && count == 1;
}

/* Whether an AnyValue holds a string and nothing else, with the string's bytes. */
static int
string_field(Reader any_value, Reader *text)
{
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    int fields = 0;
    text->at = NULL;
    FOR_EACH_FIELD(any_value, field, wire, inner, number, status)
    {
        fields++;
        if (field == 1 && wire == LEN) {
            *text = inner;
        }
    }
    return status == 0 && fields == 1 && text->at != NULL;
}

/* The text of an AnyValue that holds a string and nothing else; NULL without an error
 * set for any other value. */
static PyObject *
string_value(Reader any_value)
{
    Reader text;
    return string_field(any_value, &text) ? decode(&text) : NULL;
}

/* Whether `string_value` reads a text from an AnyValue: 1 yes, 0 no, -1 on an error.
 * Without making the str where the bytes are ASCII (a splice only checks the layout). */
static int
holds_string(Reader any_value)
{
    Reader text;
    if (!string_field(any_value, &text)) {
        return 0;
    }
    if (is_ascii(&text)) {
        return 1;
    }
    PyObject *decoded = decode(&text);
    Py_XDECREF(decoded);
    return decoded != NULL ? 1 : PyErr_Occurred() ? -1 : 0;
}

/* `(index, text, key, scope, mapped)` for a wanted entry: its text, or None where it is
 * not one plain string (the adapter's full path handles it); what the name is made of. */
static int
add_value(PyObject *values, PyObject *wanted, Py_ssize_t index, PyObject *text,
          PyObject *key, const char *scope, int mapped)
{
    PyObject *number = PyLong_FromSsize_t(index);
    if (number == NULL) {
        return FAILED;
    }
    int contains = PySet_Contains(wanted, number);
    int result = contains < 0 ? FAILED : CLEAN;
    if (contains == 1) {
        PyObject *entry = Py_BuildValue("(OOOsO)", number, text ? text : Py_None, key,
                                        scope ? scope : "", mapped ? Py_True : Py_False);
        if (entry == NULL || PyList_Append(values, entry) < 0) {
            result = FAILED;
        }
        Py_XDECREF(entry);
    }
    Py_DECREF(number);
    return result;
}

/* A text field read for an entry: the text of its only occurrence, "" when absent,
 * None (a new reference to it) when repeated or not UTF-8. */
static PyObject *
text_field(Reader message, uint32_t number)
{
    Reader found;
    if (single_field(message, number, &found)) {
        PyObject *text = decode(&found);
        return text != NULL || PyErr_Occurred() ? text : Py_NewRef(Py_None);
    }
    Py_ssize_t count;
    if (count_fields(message, number, &count) != 0 || count > 0) {
        return Py_NewRef(Py_None);
    }
    return PyUnicode_FromStringAndSize("", 0);
}

static int
add_own_value(PyObject *values, PyObject *wanted, Py_ssize_t index, PyObject *text,
              const char *name)
{
    PyObject *key = PyUnicode_FromString(name);
    if (key == NULL || text == NULL) {
        Py_XDECREF(key);
        return FAILED;
    }
    int result = add_value(values, wanted, index, text == Py_None ? NULL : text, key, NULL, 0);
    Py_DECREF(key);
    return result;
}

/* An attribute's entry: the key and the plain string value of a KeyValue. */
static int
add_attribute(PyObject *values, PyObject *wanted, Py_ssize_t index, Reader key_value,
              const char *scope)
{
    Reader key_bytes, any_value;
    PyObject *key = single_field(key_value, 1, &key_bytes) ? decode(&key_bytes) : NULL;
    if (key == NULL) {
        if (PyErr_Occurred()) {
            return FAILED;
        }
        key = PyUnicode_FromStringAndSize("", 0); /* the full path reads it */
        if (key == NULL) {
            return FAILED;
        }
        int result = add_value(values, wanted, index, NULL, key, scope, 1);
        Py_DECREF(key);
        return result;
    }
    PyObject *text = single_field(key_value, 2, &any_value) ? string_value(any_value) : NULL;
    if (text == NULL && PyErr_Occurred()) {
        Py_DECREF(key);
        return FAILED;
    }
    int result = add_value(values, wanted, index, text, key, scope, 1);
    Py_XDECREF(text);
    Py_DECREF(key);
    return result;
}

/* The wanted entries of an event (a name, attributes) or a link (attributes), from
 * `base`; stores in `entries` how many it has. */
static int
read_part(PyObject *values, PyObject *wanted, Reader part, const char *kind, Py_ssize_t index,
          uint32_t name_field, uint32_t attributes_field, Py_ssize_t base, Py_ssize_t *entries)
{
    char scope[48];
    PyOS_snprintf(scope, sizeof(scope), "%s.%zd", kind, index);
    Py_ssize_t attribute = base + (name_field ? 1 : 0);
    if (name_field) {
        char name[64];
        PyOS_snprintf(name, sizeof(name), "%s.name", scope);
        PyObject *text = text_field(part, name_field);
        int result = add_own_value(values, wanted, base, text, name);
        Py_XDECREF(text);
        if (result != CLEAN) {
            return result;
        }
    }
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(part, field, wire, inner, number, status)
    {
        if (field == attributes_field && wire == LEN) {
            int result = add_attribute(values, wanted, attribute++, inner, scope);
            if (result != CLEAN) {
                return result;
            }
        }
    }
    *entries = attribute - base;
    return status == 0 ? CLEAN : status;
}

static int
read_span(PyObject *values, PyObject *wanted, Reader span)
{
    SpanLayout layout;
    int status = span_layout(span, &layout);
    if (status != 0) {
        return status;
    }
    PyObject *name = text_field(span, 5);
    int result = add_own_value(values, wanted, 0, name, "span.name");
    Py_XDECREF(name);
    if (result != CLEAN) {
        return result;
    }
    if (layout.message) {
        Reader status_message;
        PyObject *message = single_field(span, 15, &status_message) ? text_field(status_message, 2)
                                                                     : Py_NewRef(Py_None);
        result = add_own_value(values, wanted, 1, message, "status.description");
        Py_XDECREF(message);
        if (result != CLEAN) {
            return result;
        }
    }
    Py_ssize_t attribute = 1 + layout.message;
    Py_ssize_t event_base = attribute + layout.attributes;
    Py_ssize_t link_base = event_base + layout.event_entries;
    Py_ssize_t events = 0, links = 0, entries = 0;
    uint32_t field;
    int wire;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(span, field, wire, inner, number, status)
    {
        if (wire != LEN) {
            continue;
        }
        if (field == 9) {
            result = add_attribute(values, wanted, attribute++, inner, NULL);
        }
        else if (field == 11) {
            result = read_part(values, wanted, inner, "events", events++, 2, 3, event_base,
                               &entries);
            event_base += entries;
        }
        else if (field == 13) {
            result = read_part(values, wanted, inner, "links", links++, 0, 4, link_base, &entries);
            link_base += entries;
        }
        if (result != CLEAN) {
            return result;
        }
    }
    return status == 0 ? CLEAN : status;
}

static int
read_log_record(PyObject *values, PyObject *wanted, Reader record)
{
    Reader body;
    PyObject *text = single_field(record, 5, &body) ? string_value(body) : NULL;
    if (text == NULL && PyErr_Occurred()) {
        return FAILED;
    }
    PyObject *value = text != NULL ? text : Py_NewRef(Py_None);
    int result = add_own_value(values, wanted, 0, value, "body");
    Py_DECREF(value);
    if (result != CLEAN) {
        return result;
    }
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    Py_ssize_t attribute = 1;
    FOR_EACH_FIELD(record, field, wire, inner, number, status)
    {
        if (field == 6 && wire == LEN) {
            result = add_attribute(values, wanted, attribute++, inner, NULL);
            if (result != CLEAN) {
                return result;
            }
        }
    }
    return status == 0 ? CLEAN : status;
}

typedef struct {
    int logs;
    PyObject *wanted; /* dict: ordinal -> set of entry indices */
    PyObject *found;  /* dict: ordinal -> list of values */
} ValueRead;

static int
read_item(void *context, Py_ssize_t ordinal, Reader item)
{
    ValueRead *read = context;
    PyObject *key = PyLong_FromSsize_t(ordinal);
    PyObject *wanted = key == NULL ? NULL : PyDict_GetItemWithError(read->wanted, key);
    if (wanted == NULL) {
        Py_XDECREF(key);
        return PyErr_Occurred() ? FAILED : CLEAN;
    }
    PyObject *values = PyList_New(0);
    int result = values == NULL || !PyAnySet_Check(wanted) ? FAILED
                 : read->logs                             ? read_log_record(values, wanted, item)
                                                          : read_span(values, wanted, item);
    if (result == CLEAN && PyDict_SetItem(read->found, key, values) < 0) {
        result = FAILED;
    }
    if (result == FAILED && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "wanted entries must be sets of int");
    }
    Py_XDECREF(values);
    Py_DECREF(key);
    return result;
}

PyDoc_STRVAR(entry_values_doc,
             "entry_values(body, logs, wanted, /)\n--\n\n"
             "For each item of the serialized export request `body` named in `wanted` (a\n"
             "dict: ordinal -> set of entry indices, as `dirty_items` gives them), those\n"
             "entries as `(index, text, key, scope, mapped)`: the text of a value that is\n"
             "one plain string (None for any other), and what its name is made of. None if\n"
             "`body` does not read as a request.");

static PyObject *
entry_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int logs;
    Reader reader;
    if (request_arguments(args, nargs, 3, 2, "entry_values(body: bytes, logs: bool, wanted: dict)",
                          &logs, &reader) < 0) {
        return NULL;
    }
    ValueRead read = {logs, args[2], PyDict_New()};
    if (read.found == NULL) {
        return NULL;
    }
    int status = visit_items(reader, read_item, &read);
    if (status == FAILED) {
        Py_DECREF(read.found);
        return NULL;
    }
    if (status == MALFORMED) {
        Py_DECREF(read.found);
        Py_RETURN_NONE;
    }
    return read.found;
}

/* ---- Writing rewritten texts back into the request's bytes ---------------------- */

/* A new body, as the pieces it is made of, in order: ranges of the request's bytes,
 * the new texts, and the tags and lengths of the messages rebuilt around them. A
 * message's tag and length go into a piece left open in front of it once it is
 * written, so the request is walked once. A patch (`splice_patch`) is the same as
 * bytes, for a process that holds the request's bytes to make the new body by copying
 * (`apply_patch`): a worker process walks the request, the gateway process copies. */
#define OPEN SIZE_MAX /* the length of a piece not written yet */

typedef struct {
    const uint8_t *at; /* the bytes (the request's, or a new text's), or NULL: `own` */
    size_t length;
    uint8_t own[16]; /* a tag and a length */
} Piece;

typedef struct {
    const uint8_t *body;
    size_t body_size;
    Piece *pieces;
    Py_ssize_t count, capacity;
    size_t size; /* of the new body so far */
} Patch;

static Piece *
add_piece(Patch *patch)
{
    if (patch->count == patch->capacity) {
        Py_ssize_t capacity = patch->capacity ? patch->capacity * 2 : 64;
        Piece *pieces = PyMem_Realloc(patch->pieces, sizeof(Piece) * (size_t)capacity);
        if (pieces == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        patch->pieces = pieces;
        patch->capacity = capacity;
    }
    return &patch->pieces[patch->count++];
}

/* `size` bytes at `bytes` (the request's, or a new text's: they stay where they are
 * while the patch is made) next in the new body; bytes that continue the last piece
 * lengthen it. */
static int
put(Patch *patch, const void *bytes, size_t size)
{
    if (size == 0) {
        return CLEAN;
    }
    Piece *last = patch->count ? &patch->pieces[patch->count - 1] : NULL;
    if (last != NULL && last->at != NULL && last->at + last->length == (const uint8_t *)bytes) {
        last->length += size;
    }
    else {
        Piece *piece = add_piece(patch);
        if (piece == NULL) {
            return FAILED;
        }
        piece->at = bytes;
        piece->length = size;
    }
    patch->size += size;
    return CLEAN;
}

static size_t
encode_varint(uint8_t *bytes, uint64_t value)
{
    size_t size = 0;
    do {
        bytes[size] = (uint8_t)(value & 0x7f);
        value >>= 7;
        bytes[size] |= value ? 0x80 : 0;
        size++;
    } while (value);
    return size;
}

/* The tag and the length of a LEN field, into `piece`. */
static void
put_header(Patch *patch, Piece *piece, uint32_t field, size_t size)
{
    piece->at = NULL;
    piece->length = encode_varint(piece->own, (uint64_t)field << 3 | LEN);
    piece->length += encode_varint(piece->own + piece->length, size);
    patch->size += piece->length;
}

/* A LEN field whose message is written next, after `open_field`: `close_field` then
 * writes its tag and length in front. */
typedef struct {
    Py_ssize_t slot; /* the piece left open for them */
    size_t start;    /* the size of the new body at the message's start */
    uint32_t field;
} OpenField;

static int
open_field(Patch *patch, uint32_t field, OpenField *open)
{
    *open = (OpenField){patch->count, patch->size, field};
    Piece *piece = add_piece(patch);
    if (piece == NULL) {
        return FAILED;
    }
    *piece = (Piece){NULL, OPEN, {0}};
    return CLEAN;
}

static void
close_field(Patch *patch, const OpenField *open)
{
    put_header(patch, &patch->pieces[open->slot], open->field, patch->size - open->start);
}

/* How many bytes `a` and `b` begin with alike, of the first `size`. */
static size_t
common_head(const uint8_t *a, const uint8_t *b, size_t size)
{
    size_t same = 0;
    for (uint64_t x, y; same + 8 <= size; same += 8) {
        memcpy(&x, a + same, 8);
        memcpy(&y, b + same, 8);
        if (x != y) {
            break;
        }
    }
    while (same < size && a[same] == b[same]) {
        same++;
    }
    return same;
}

/* How many bytes `a` and `b` (`size` bytes before each) end with alike. */
static size_t
common_tail(const uint8_t *a, const uint8_t *b, size_t size)
{
    size_t same = 0;
    for (uint64_t x, y; same + 8 <= size; same += 8) {
        memcpy(&x, a - same - 8, 8);
        memcpy(&y, b - same - 8, 8);
        if (x != y) {
            break;
        }
    }
    while (same < size && a[-(Py_ssize_t)same - 1] == b[-(Py_ssize_t)same - 1]) {
        same++;
    }
    return same;
}

/* The new `text` (UTF-8 bytes) of a LEN field `field` whose text was `old` (the
 * request's bytes): what both begin and end with is taken from the request's bytes,
 * so that a patch carries only what changed (a placeholder where an email was, not the
 * kilobytes of prompt around it). */
static int
put_text(Patch *patch, uint32_t field, PyObject *text, Reader old)
{
    const uint8_t *new = (const uint8_t *)PyBytes_AS_STRING(text);
    size_t size = (size_t)PyBytes_GET_SIZE(text), old_size = (size_t)(old.end - old.at);
    size_t head = common_head(new, old.at, size < old_size ? size : old_size);
    size_t rest = size - head < old_size - head ? size - head : old_size - head;
    size_t tail = common_tail(new + size, old.end, rest);
    Piece *header = add_piece(patch);
    if (header == NULL) {
        return FAILED;
    }
    put_header(patch, header, field, size);
    if (put(patch, old.at, head) != CLEAN || put(patch, new + head, size - head - tail) != CLEAN) {
        return FAILED;
    }
    return put(patch, old.end - tail, tail);
}

/* An AnyValue holding `text` as a LEN field `field`, where one held `old` (see
 * `put_text`). */
static int
put_string_value(Patch *patch, uint32_t field, PyObject *text, Reader old)
{
    OpenField any_value;
    if (open_field(patch, field, &any_value) != CLEAN || put_text(patch, 1, text, old) != CLEAN) {
        return FAILED;
    }
    close_field(patch, &any_value);
    return CLEAN;
}

/* The replacement for entry `index` of an item: bytes (borrowed), or NULL. */
static PyObject *
replacement(PyObject *replacements, Py_ssize_t index, int *error)
{
    PyObject *key = PyLong_FromSsize_t(index);
    PyObject *found = key == NULL ? NULL : PyDict_GetItemWithError(replacements, key);
    Py_XDECREF(key);
    *error = found == NULL && PyErr_Occurred();
    return found; /* bytes: `check_replacements` */
}

/* Whether a KeyValue keeps its place when the adapter writes an item back: it drops
 * attributes without a value (and so the splice gives up on items that hold one). */
static int
has_value(Reader key_value)
{
    Reader any_value;
    if (!single_field(key_value, 2, &any_value)) {
        return 0;
    }
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    int set = 0;
    FOR_EACH_FIELD(any_value, field, wire, inner, number, status)
    {
        set |= field >= 1 && field <= 7 &&
               wire == (field == 2 || field == 3 ? VARINT : field == 4 ? FIXED64 : LEN);
    }
    return status == 0 && set;
}

/* The message `message` as the LEN field `number`: its fields as they are, but its
 * field 2 (found single: a string, or an AnyValue holding one if `any_value`) written
 * as `text`. A span's status with a new message, an attribute with a new value. */
static int
write_replacing(Patch *out, uint32_t number, Reader message, PyObject *text, int any_value)
{
    OpenField rebuilt;
    if (open_field(out, number, &rebuilt) != CLEAN) {
        return FAILED;
    }
    const uint8_t *start = message.at;
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t value;
    FOR_EACH_FIELD(message, field, wire, inner, value, status)
    {
        int result;
        if (field == 2 && wire == LEN) {
            Reader old = inner;
            if (any_value) {
                string_field(inner, &old); /* as `holds_string` found */
            }
            result = any_value ? put_string_value(out, 2, text, old) : put_text(out, 2, text, old);
        }
        else {
            result = put(out, start, (size_t)(message.at - start));
        }
        if (result != CLEAN) {
            return result;
        }
        start = message.at;
    }
    if (status != 0) {
        return status;
    }
    close_field(out, &rebuilt);
    return CLEAN;
}

/* An attribute (the LEN field `number` from `start` to `end`, holding `key_value`), its
 * value replaced by `text` if given. DIRTY (give up) where its layout is not the plain
 * one the replacement assumes. */
static int
write_attribute(Patch *out, uint32_t number, Reader key_value, PyObject *text,
                const uint8_t *start, const uint8_t *end)
{
    Reader any_value;
    if (!has_value(key_value)) {
        return DIRTY;
    }
    if (text == NULL) {
        return put(out, start, (size_t)(end - start));
    }
    Reader key;
    int holds = single_field(key_value, 1, &key) && single_field(key_value, 2, &any_value)
                    ? holds_string(any_value)
                    : 0;
    if (holds <= 0) {
        return holds < 0 ? FAILED : DIRTY;
    }
    return write_replacing(out, number, key_value, text, 1);
}

/* An event or a link rewritten: its name (entry `base`) and attributes. */
typedef struct {
    PyObject *replacements;
    Py_ssize_t base;
    uint32_t name_field, attributes_field;
    Py_ssize_t entries; /* of the part last written */
    Py_ssize_t written; /* replacements written, over all parts */
} PartWrite;

static int
write_part(PartWrite *part, Patch *out, Reader reader)
{
    int error;
    PyObject *name = part->name_field ? replacement(part->replacements, part->base, &error) : NULL;
    if (part->name_field && error) {
        return FAILED;
    }
    if (name != NULL) {
        Reader found;
        if (!single_field(reader, part->name_field, &found)) {
            return DIRTY;
        }
    }
    Py_ssize_t attribute = part->base + (part->name_field ? 1 : 0);
    const uint8_t *start = reader.at;
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        int result;
        if (part->name_field && field == part->name_field && wire == LEN && name != NULL) {
            result = put_text(out, field, name, inner);
            part->written++;
        }
        else if (field == part->attributes_field && wire == LEN) {
            PyObject *text = replacement(part->replacements, attribute++, &error);
            result = error ? FAILED : write_attribute(out, field, inner, text, start, reader.at);
            part->written += text != NULL;
        }
        else {
            result = put(out, start, (size_t)(reader.at - start));
        }
        if (result != CLEAN) {
            return result;
        }
        start = reader.at;
    }
    part->entries = attribute - part->base;
    return status == 0 ? CLEAN : status;
}

static int
write_span(Patch *out, Reader span, PyObject *replacements)
{
    SpanLayout layout;
    int status = span_layout(span, &layout), error;
    if (status != 0) {
        return status;
    }
    PyObject *name = replacement(replacements, 0, &error);
    /* Entry 1 is the status message when it is handed over, else the first attribute. */
    PyObject *message = error || !layout.message ? NULL : replacement(replacements, 1, &error);
    if (error) {
        return FAILED;
    }
    Reader found;
    if ((name != NULL && !single_field(span, 5, &found)) ||
        (message != NULL && (!single_field(span, 15, &found) || !single_field(found, 2, &found)))) {
        return DIRTY;
    }
    Py_ssize_t attribute = 1 + layout.message, written = 0;
    PartWrite event = {replacements, attribute + layout.attributes, 2, 3, 0, 0};
    PartWrite link = {replacements, event.base + layout.event_entries, 0, 4, 0, 0};
    const uint8_t *start = span.at;
    uint32_t field;
    int wire;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(span, field, wire, inner, number, status)
    {
        int result;
        if (wire == LEN && field == 5 && name != NULL) {
            result = put_text(out, 5, name, inner);
            written++;
        }
        else if (wire == LEN && field == 9) {
            PyObject *text = replacement(replacements, attribute++, &error);
            result = error ? FAILED : write_attribute(out, 9, inner, text, start, span.at);
            written += text != NULL;
        }
        else if (wire == LEN && (field == 11 || field == 13)) {
            PartWrite *part = field == 11 ? &event : &link;
            OpenField rebuilt;
            result = open_field(out, field, &rebuilt);
            if (result == CLEAN) {
                result = write_part(part, out, inner);
            }
            if (result == CLEAN) {
                close_field(out, &rebuilt);
            }
            part->base += part->entries;
        }
        else if (wire == LEN && field == 15 && message != NULL) {
            result = write_replacing(out, 15, inner, message, 0);
            written++;
        }
        else {
            result = put(out, start, (size_t)(span.at - start));
        }
        if (result != CLEAN) {
            return result;
        }
        start = span.at;
    }
    if (status != 0) {
        return status;
    }
    /* Every replacement written once, or none of them: never a value left as it was. */
    written += event.written + link.written;
    return written == PyDict_GET_SIZE(replacements) ? CLEAN : DIRTY;
}

static int
write_log_record(Patch *out, Reader record, PyObject *replacements)
{
    int error;
    PyObject *body = replacement(replacements, 0, &error);
    if (error) {
        return FAILED;
    }
    Reader found;
    if (body != NULL) {
        int holds = single_field(record, 5, &found) ? holds_string(found) : 0;
        if (holds <= 0) {
            return holds < 0 ? FAILED : DIRTY;
        }
    }
    Py_ssize_t attribute = 1, written = 0;
    const uint8_t *start = record.at;
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(record, field, wire, inner, number, status)
    {
        int result;
        if (wire == LEN && field == 5 && body != NULL) {
            Reader old;
            string_field(inner, &old); /* as `holds_string` found */
            result = put_string_value(out, 5, body, old);
            written++;
        }
        else if (wire == LEN && field == 6) {
            PyObject *text = replacement(replacements, attribute++, &error);
            result = error ? FAILED : write_attribute(out, 6, inner, text, start, record.at);
            written += text != NULL;
        }
        else {
            result = put(out, start, (size_t)(record.at - start));
        }
        if (result != CLEAN) {
            return result;
        }
        start = record.at;
    }
    if (status != 0) {
        return status;
    }
    return written == PyDict_GET_SIZE(replacements) ? CLEAN : DIRTY;
}

typedef struct {
    int logs;
    PyObject *replacements; /* dict: ordinal -> dict: entry index -> bytes */
    Py_ssize_t ordinal;
    Py_ssize_t *ordinals; /* the replaced items' ordinals, sorted */
    Py_ssize_t count;
    Py_ssize_t rebuilt; /* items rebuilt with their replacements */
} Splice;

static int
compare_ordinals(const void *a, const void *b)
{
    Py_ssize_t left = *(const Py_ssize_t *)a, right = *(const Py_ssize_t *)b;
    return (left > right) - (left < right);
}

/* Whether `replacements` holds exact ints mapped to exact dicts of exact ints mapped to
 * bytes: looking up an exact int in an exact dict runs no Python code, which could
 * free a text the splice holds a borrowed reference to (found by review with an int
 * subclass whose __eq__ replaced a value). */
static int
check_replacements(PyObject *replacements)
{
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (PyDict_Next(replacements, &position, &key, &value)) {
        Py_ssize_t inner = 0;
        PyObject *index, *text;
        int valid = PyLong_CheckExact(key) && PyDict_CheckExact(value);
        while (valid && PyDict_Next(value, &inner, &index, &text)) {
            valid = PyLong_CheckExact(index) && PyBytes_CheckExact(text);
        }
        if (!valid) {
            PyErr_SetString(PyExc_TypeError,
                            "replacements must map ints to dicts mapping ints to bytes");
            return FAILED;
        }
    }
    return CLEAN;
}

/* Fills `ordinals` with the keys of `replacements`, sorted. */
static int
sort_ordinals(Splice *splice)
{
    splice->count = PyDict_GET_SIZE(splice->replacements);
    splice->ordinals = PyMem_Calloc(splice->count ? splice->count : 1, sizeof(Py_ssize_t));
    if (splice->ordinals == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
    Py_ssize_t position = 0, next = 0;
    PyObject *key, *value;
    while (PyDict_Next(splice->replacements, &position, &key, &value)) {
        Py_ssize_t ordinal = PyLong_AsSsize_t(key);
        if (ordinal == -1 && PyErr_Occurred()) {
            return FAILED;
        }
        splice->ordinals[next++] = ordinal;
    }
    qsort(splice->ordinals, (size_t)splice->count, sizeof(Py_ssize_t), compare_ordinals);
    return CLEAN;
}

/* How many items a resource's (`depth` 1) or a scope's (2) message holds. */
static int
items_in(Reader reader, int depth, Py_ssize_t *count)
{
    if (depth == 2) {
        return count_fields(reader, 2, count);
    }
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    *count = 0;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        Py_ssize_t items;
        if (field == 2 && wire == LEN) {
            int counted = count_fields(inner, 2, &items);
            if (counted != 0) {
                return counted;
            }
            *count += items;
        }
    }
    return status;
}

/* Whether a replacement names an item with an ordinal in [first, first + count): a
 * binary search, as a request may hold very many resources. */
static int
replaces_any(const Splice *splice, Py_ssize_t first, Py_ssize_t count)
{
    Py_ssize_t low = 0, high = splice->count;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (splice->ordinals[middle] < first) {
            low = middle + 1;
        }
        else {
            high = middle;
        }
    }
    return low < splice->count && splice->ordinals[low] < first + count;
}

static int write_nested(Splice *splice, Patch *out, Reader reader, int depth);

/* Writes the message `inner` at `depth` (1 a resource's, 2 a scope's, 3 an item, with
 * its replacements `item`) rebuilt, as the LEN field `field`. */
static int
write_rebuilt(Splice *splice, Patch *out, uint32_t field, Reader inner, int depth, PyObject *item)
{
    OpenField rebuilt;
    if (open_field(out, field, &rebuilt) != CLEAN) {
        return FAILED;
    }
    int result = depth < 3         ? write_nested(splice, out, inner, depth)
                 : splice->logs    ? write_log_record(out, inner, item)
                                   : write_span(out, inner, item);
    if (result == CLEAN) {
        close_field(out, &rebuilt);
    }
    return result;
}

/* Copies a message at `depth` (0 the request, 1 a resource's, 2 a scope's), rebuilding
 * the fields that hold items down to the items that replacements name; the rest keeps
 * its bytes. */
static int
write_nested(Splice *splice, Patch *out, Reader reader, int depth)
{
    const uint8_t *start = reader.at;
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        uint32_t nested_field = depth == 0 ? 1 : 2;
        int result;
        if (field != nested_field || wire != LEN) {
            result = put(out, start, (size_t)(reader.at - start));
        }
        else if (depth < 2) {
            Py_ssize_t items;
            result = items_in(inner, depth + 1, &items);
            int replaced = result == 0 ? replaces_any(splice, splice->ordinal, items) : result;
            if (replaced == 0) { /* nothing to replace in there: its bytes as they are */
                splice->ordinal += items;
                result = put(out, start, (size_t)(reader.at - start));
            }
            else {
                result = replaced < 0 ? replaced
                                      : write_rebuilt(splice, out, field, inner, depth + 1, NULL);
            }
        }
        else {
            PyObject *key = PyLong_FromSsize_t(splice->ordinal);
            PyObject *item = key == NULL ? NULL
                                         : PyDict_GetItemWithError(splice->replacements, key);
            Py_XDECREF(key);
            if (item == NULL) {
                result = PyErr_Occurred() ? FAILED : put(out, start, (size_t)(reader.at - start));
            }
            else {
                result = write_rebuilt(splice, out, field, inner, 3, item);
                splice->rebuilt++;
            }
            splice->ordinal++;
        }
        if (result != CLEAN) {
            return result;
        }
        start = reader.at;
    }
    return status == 0 ? CLEAN : status;
}

/* The pieces of the new body with `replacements` written into the request `body`
 * (`Patch`): CLEAN, DIRTY where an entry is not laid out to be replaced alone, or
 * FAILED with an error set. */
static int
make_patch(Reader body, int logs, PyObject *replacements, Patch *patch)
{
    *patch = (Patch){body.at, (size_t)(body.end - body.at), NULL, 0, 0, 0};
    Splice state = {logs, replacements, 0, NULL, 0, 0};
    int status = check_replacements(replacements);
    if (status == CLEAN) {
        status = sort_ordinals(&state);
    }
    if (status == CLEAN) {
        status = write_nested(&state, patch, body, 0);
    }
    PyMem_Free(state.ordinals);
    if (status == CLEAN && state.rebuilt != state.count) {
        status = DIRTY; /* a replacement for an item the request does not hold */
    }
    if (status == CLEAN) {
        /* Every message closed, and the pieces make the size counted: what the copies
         * that make the body rely on. */
        size_t size = 0;
        for (Py_ssize_t p = 0; p < patch->count; p++) {
            size_t length = patch->pieces[p].length;
            if (length == OPEN || length > patch->size - size) {
                PyErr_SetString(PyExc_RuntimeError, "splice: a message was left unwritten");
                return FAILED;
            }
            size += length;
        }
        if (size != patch->size) {
            PyErr_SetString(PyExc_RuntimeError, "splice: the pieces miss bytes");
            return FAILED;
        }
    }
    return status == CLEAN || status == FAILED ? status : DIRTY;
}

PyDoc_STRVAR(splice_doc,
             "splice(body, logs, replacements, /)\n--\n\n"
             "`body` (a serialized export request) with the texts of some entries replaced,\n"
             "everything else keeping its bytes: `replacements` maps an item's ordinal to a\n"
             "dict of entry index -> UTF-8 bytes. None where an entry or an item is not\n"
             "there, or not laid out as one plain string that can be replaced alone (an\n"
             "attribute without a value, which the adapter would drop, makes it give up).");

static PyObject *
splice(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int logs;
    Reader body;
    if (request_arguments(args, nargs, 3, 2, "splice(body: bytes, logs: bool, replacements: dict)",
                          &logs, &body) < 0) {
        return NULL;
    }
    Patch patch;
    int status = make_patch(body, logs, args[2], &patch);
    PyObject *result = status == DIRTY ? Py_NewRef(Py_None) : NULL;
    if (status == CLEAN) {
        result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)patch.size);
        uint8_t *to = result == NULL ? NULL : (uint8_t *)PyBytes_AS_STRING(result);
        for (Py_ssize_t p = 0; to != NULL && p < patch.count; p++) {
            const Piece *piece = &patch.pieces[p];
            memcpy(to, piece->at != NULL ? piece->at : piece->own, piece->length);
            to += piece->length;
        }
    }
    PyMem_Free(patch.pieces);
    return result;
}

/* A patch as bytes: a header (the new body's size, the request's, the count of
 * segments), the segments (each where its bytes are, `from`, and their length), then
 * the bytes of the pieces that are not the request's (the literals), in order. A
 * segment's `from` is an offset into the request's bytes, or, with `LITERAL`, into the
 * literals. */
#define LITERAL ((uint64_t)1 << 63)

typedef struct {
    uint64_t size, body_size, count;
} PatchHeader;

typedef struct {
    uint64_t from, length;
} Segment;

/* Whether a piece is a range of the request's bytes. */
static int
in_body(const Patch *patch, const Piece *piece)
{
    uintptr_t at = (uintptr_t)piece->at, body = (uintptr_t)patch->body;
    return piece->at != NULL && at >= body && at - body <= patch->body_size &&
           piece->length <= patch->body_size - (at - body);
}

/* The segments of `patch` into `table` (NULL: only counted), and its literals into
 * `literals`: consecutive literals make one segment. Returns the count of segments. */
static Py_ssize_t
patch_segments(const Patch *patch, uint8_t *table, uint8_t *literals, size_t *literal_size)
{
    Py_ssize_t count = 0;
    Segment segment = {0, 0};
    int last_literal = 0;
    *literal_size = 0;
    for (Py_ssize_t p = 0; p < patch->count; p++) {
        const Piece *piece = &patch->pieces[p];
        int literal = !in_body(patch, piece);
        if (p == 0 || !(literal && last_literal)) {
            if (p > 0 && table != NULL) {
                memcpy(table + sizeof(Segment) * (size_t)(count - 1), &segment, sizeof(Segment));
            }
            segment = (Segment){literal ? LITERAL | *literal_size
                                        : (uint64_t)(piece->at - patch->body),
                                0};
            count++;
        }
        segment.length += piece->length;
        if (literal && literals != NULL) {
            memcpy(literals + *literal_size, piece->at != NULL ? piece->at : piece->own,
                   piece->length);
        }
        *literal_size += literal ? piece->length : 0;
        last_literal = literal;
    }
    if (count > 0 && table != NULL) {
        memcpy(table + sizeof(Segment) * (size_t)(count - 1), &segment, sizeof(Segment));
    }
    return count;
}

PyDoc_STRVAR(splice_patch_doc,
             "splice_patch(body, logs, replacements, /)\n--\n\n"
             "`splice(body, logs, replacements)` as a patch of `body`, for a process that\n"
             "holds `body` to make with `apply_patch`: bytes, in this machine's byte order.\n"
             "None where `splice` gives None.");

static PyObject *
splice_patch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int logs;
    Reader body;
    if (request_arguments(args, nargs, 3, 2,
                          "splice_patch(body: bytes, logs: bool, replacements: dict)", &logs,
                          &body) < 0) {
        return NULL;
    }
    Patch patch;
    int status = make_patch(body, logs, args[2], &patch);
    PyObject *result = status == DIRTY ? Py_NewRef(Py_None) : NULL;
    if (status == CLEAN) {
        size_t literal_size;
        Py_ssize_t count = patch_segments(&patch, NULL, NULL, &literal_size);
        size_t table = sizeof(Segment) * (size_t)count;
        result = PyBytes_FromStringAndSize(
            NULL, (Py_ssize_t)(sizeof(PatchHeader) + table + literal_size));
        if (result != NULL) {
            uint8_t *to = (uint8_t *)PyBytes_AS_STRING(result);
            PatchHeader header = {patch.size, patch.body_size, (uint64_t)count};
            memcpy(to, &header, sizeof(header));
            to += sizeof(header);
            patch_segments(&patch, to, to + table, &literal_size);
        }
    }
    PyMem_Free(patch.pieces);
    return result;
}

/* The new body: the `count` segments at `segments` copied from `body` or `literals`,
 * `size` bytes in all. ValueError where a segment lies outside them or the sizes do
 * not add up. */
static PyObject *
build_body(const uint8_t *body, size_t body_size, const uint8_t *segments, Py_ssize_t count,
           const uint8_t *literals, size_t literal_size, uint64_t size)
{
    uint64_t total = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        Segment segment;
        memcpy(&segment, segments + s * sizeof(Segment), sizeof(Segment));
        uint64_t offset = segment.from & ~LITERAL;
        uint64_t limit = segment.from & LITERAL ? literal_size : body_size;
        if (offset > limit || segment.length > limit - offset || segment.length > size - total) {
            PyErr_SetString(PyExc_ValueError, "a patch does not fit the request's bytes");
            return NULL;
        }
        total += segment.length;
    }
    if (total != size || size > PY_SSIZE_T_MAX) {
        PyErr_SetString(PyExc_ValueError, "a patch does not fit the request's bytes");
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (result == NULL) {
        return NULL;
    }
    uint8_t *to = (uint8_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t s = 0; s < count; s++) {
        Segment segment;
        memcpy(&segment, segments + s * sizeof(Segment), sizeof(Segment));
        const uint8_t *from = segment.from & LITERAL ? literals : body;
        memcpy(to, from + (segment.from & ~LITERAL), segment.length);
        to += segment.length;
    }
    return result;
}

PyDoc_STRVAR(apply_patch_doc,
             "apply_patch(body, patch, /)\n--\n\n"
             "The new body `patch` (from `splice_patch` over the same `body`) makes.\n"
             "ValueError if it does not fit `body` (made from a body of another size, or\n"
             "malformed); one made from another body of the same size is not told apart.");

static PyObject *
apply_patch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "apply_patch(body: bytes, patch: bytes)");
        return NULL;
    }
    const uint8_t *patch = (const uint8_t *)PyBytes_AS_STRING(args[1]);
    size_t size = (size_t)PyBytes_GET_SIZE(args[1]), body_size = (size_t)PyBytes_GET_SIZE(args[0]);
    PatchHeader header = {0, 0, 0};
    int headed = size >= sizeof(header);
    if (headed) {
        memcpy(&header, patch, sizeof(header));
        patch += sizeof(header);
        size -= sizeof(header);
    }
    if (!headed || header.body_size != body_size || header.count > size / sizeof(Segment)) {
        PyErr_SetString(PyExc_ValueError, "a patch does not fit the request's bytes");
        return NULL;
    }
    size_t table = sizeof(Segment) * (size_t)header.count;
    return build_body((const uint8_t *)PyBytes_AS_STRING(args[0]), body_size, patch,
                      (Py_ssize_t)header.count, patch + table, size - table, header.size);
}

/* ---- Fields this version of OTLP does not know ------------------------------------ */

/* How deep messages may nest before the check gives up (and says "unknown"). */
#define MAX_NESTING 64

/* One field of a message type: its wire type, and the type of the message it holds
 * (-1 for none); `known` is 0 for numbers the type does not have; whether it is
 * singular, and the oneof it belongs to (-1 for none). */
typedef struct {
    uint8_t known, wire, packable, singular;
    int8_t oneof;
    Py_ssize_t child;
} FieldInfo;

/* The oneofs of a message type that `has_unknown` tells apart (OTLP's have one). */
#define MAX_ONEOFS 8

typedef struct {
    Py_ssize_t size; /* field numbers 0 .. size - 1 */
    FieldInfo *fields;
} MessageInfo;

typedef struct {
    PyObject_HEAD
    Py_ssize_t count;
    MessageInfo *messages; /* message 0: the request */
} SchemaObject;

static void
Schema_dealloc(SchemaObject *self)
{
    for (Py_ssize_t m = 0; m < self->count && self->messages != NULL; m++) {
        PyMem_Free(self->messages[m].fields);
    }
    PyMem_Free(self->messages);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Schema(messages): for each message type, a sequence of (number, wire type, child
 * index or -1, packable, singular, oneof index or -1) of its fields. */
static PyObject *
Schema_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *messages;
    static char *keywords[] = {"messages", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Schema", keywords, &messages)) {
        return NULL;
    }
    PyObject *types = PySequence_Fast(messages, "messages must be a sequence");
    if (types == NULL) {
        return NULL;
    }
    SchemaObject *self = (SchemaObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(types);
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(types);
    self->messages = PyMem_Calloc(count ? count : 1, sizeof(MessageInfo));
    if (self->messages == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    self->count = count;
    for (Py_ssize_t m = 0; m < count; m++) {
        PyObject *fields = PySequence_Fast(PySequence_Fast_GET_ITEM(types, m),
                                           "a message type is a sequence of fields");
        if (fields == NULL) {
            goto error;
        }
        Py_ssize_t size = 1;
        for (Py_ssize_t f = 0; f < PySequence_Fast_GET_SIZE(fields); f++) {
            Py_ssize_t number, wire, child, oneof;
            int packable, singular;
            if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fields, f), "nnnppn", &number, &wire,
                                  &child, &packable, &singular, &oneof)) {
                Py_DECREF(fields);
                goto error;
            }
            if (number < 1 || number > 1024 || child < -1 || child >= count || oneof < -1 ||
                oneof >= MAX_ONEOFS) {
                PyErr_SetString(PyExc_ValueError,
                                "a field's number, child or oneof is out of range");
                Py_DECREF(fields);
                goto error;
            }
            size = number + 1 > size ? number + 1 : size;
        }
        MessageInfo *info = &self->messages[m];
        info->fields = PyMem_Calloc(size, sizeof(FieldInfo));
        if (info->fields == NULL) {
            Py_DECREF(fields);
            PyErr_NoMemory();
            goto error;
        }
        info->size = size;
        for (Py_ssize_t f = 0; f < PySequence_Fast_GET_SIZE(fields); f++) {
            Py_ssize_t number, wire, child, oneof;
            int packable, singular;
            PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fields, f), "nnnppn", &number, &wire, &child,
                             &packable, &singular, &oneof);
            info->fields[number] = (FieldInfo){1,         (uint8_t)wire,  (uint8_t)packable,
                                               (uint8_t)singular, (int8_t)oneof, child};
        }
        Py_DECREF(fields);
    }
    Py_DECREF(types);
    return (PyObject *)self;

error:
    Py_DECREF(types);
    Py_DECREF(self);
    return NULL;
}

/* 1 if a message of type `type` (or one inside it) holds a field the schema does not
 * know, or one with another wire type than it says (both kept by the protobuf
 * runtime as unknown fields), or bytes that a parser reads over: a singular field
 * written twice, or two fields of one oneof (the parser keeps the last, and the
 * bytes of the first would go out as they came); 0 if not; MALFORMED. */
static int
has_unknown(const SchemaObject *schema, Py_ssize_t type, Reader reader, int depth)
{
    if (depth > MAX_NESTING) {
        return 1;
    }
    const MessageInfo *info = &schema->messages[type];
    /* The singular fields met, by number (at most 1024), and the field met of each
     * oneof; only the bytes this type's numbers use are cleared (this runs per message). */
    uint8_t seen[1025 / 8 + 1];
    uint32_t members[MAX_ONEOFS] = {0};
    memset(seen, 0, (size_t)(info->size + 7) / 8);
    uint32_t field;
    int wire, status;
    Reader inner;
    uint64_t number;
    FOR_EACH_FIELD(reader, field, wire, inner, number, status)
    {
        if (field >= info->size || !info->fields[field].known) {
            return 1;
        }
        const FieldInfo *known = &info->fields[field];
        if (wire != known->wire && !(known->packable && wire == LEN)) {
            return 1;
        }
        if (known->singular) {
            if (seen[field / 8] & (1u << (field % 8))) {
                return 1;
            }
            seen[field / 8] |= (uint8_t)(1u << (field % 8));
        }
        if (known->oneof >= 0) {
            if (members[known->oneof] != 0 && members[known->oneof] != field) {
                return 1;
            }
            members[known->oneof] = field;
        }
        if (known->child >= 0) {
            int found = has_unknown(schema, known->child, inner, depth + 1);
            if (found != 0) {
                return found;
            }
        }
    }
    return status;
}

PyDoc_STRVAR(Schema_has_unknown_doc,
             "has_unknown(body, /)\n--\n\n"
             "Whether the serialized message `body` (of the schema's first type) holds, at\n"
             "any depth, a field the schema does not know or with another wire type, a\n"
             "singular field written twice or two fields of one oneof; None if `body` does\n"
             "not read as a message.");

static PyObject *
Schema_has_unknown(SchemaObject *self, PyObject *body)
{
    if (!PyBytes_Check(body)) {
        PyErr_SetString(PyExc_TypeError, "has_unknown() takes bytes");
        return NULL;
    }
    if (self->count == 0) {
        PyErr_SetString(PyExc_ValueError, "the schema has no message type");
        return NULL;
    }
    const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(body);
    Reader reader = {data, data + PyBytes_GET_SIZE(body)};
    int found = has_unknown(self, 0, reader, 0);
    if (found == MALFORMED) {
        Py_RETURN_NONE;
    }
    return PyBool_FromLong(found);
}

static PyMethodDef Schema_methods[] = {
    {"has_unknown", (PyCFunction)Schema_has_unknown, METH_O, Schema_has_unknown_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Schema_doc,
             "Schema(messages, /)\n--\n\n"
             "The fields of the message types of an OTLP request, to tell fields this\n"
             "version does not know: for each type (the request first), a sequence of\n"
             "(number, wire type, index of the type it holds or -1, packable).");

static PyTypeObject SchemaType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.gateway._wire.Schema",
    .tp_basicsize = sizeof(SchemaObject),
    .tp_dealloc = (destructor)Schema_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = Schema_doc,
    .tp_methods = Schema_methods,
    .tp_new = Schema_new,
};

static int
NameCache_traverse(NameCacheObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->verdicts);
    return 0;
}

static int
NameCache_clear(NameCacheObject *self)
{
    Py_CLEAR(self->verdicts);
    return 0;
}

static void
NameCache_dealloc(NameCacheObject *self)
{
    PyObject_GC_UnTrack(self);
    NameCache_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
NameCache_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (!PyArg_ParseTuple(args, ":NameCache") || (kwargs != NULL && PyDict_GET_SIZE(kwargs))) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "NameCache() takes no arguments");
        }
        return NULL;
    }
    NameCacheObject *self = (NameCacheObject *)type->tp_alloc(type, 0);
    if (self != NULL && (self->verdicts = PyDict_New()) == NULL) {
        Py_CLEAR(self);
    }
    return (PyObject *)self;
}

static PyMemberDef NameCache_members[] = {
    {"verdicts", T_OBJECT, offsetof(NameCacheObject, verdicts), READONLY,
     "The dict of every verdict kept: key, or (key, scope or None, mapped) -> bool."},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(NameCache_doc,
             "NameCache()\n--\n\n"
             "What `passes` said of names, for `dirty_items`: by their bytes in a table of\n"
             "slots, and all in a dict (names longer than a slot, up to 200 characters).");

static PyTypeObject NameCacheType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.gateway._wire.NameCache",
    .tp_basicsize = sizeof(NameCacheObject),
    .tp_dealloc = (destructor)NameCache_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = NameCache_doc,
    .tp_traverse = (traverseproc)NameCache_traverse,
    .tp_clear = (inquiry)NameCache_clear,
    .tp_members = NameCache_members,
    .tp_new = NameCache_new,
};

static PyMethodDef module_methods[] = {
    {"dirty_items", (PyCFunction)(void (*)(void))dirty_items, METH_FASTCALL, dirty_items_doc},
    {"entry_values", (PyCFunction)(void (*)(void))entry_values, METH_FASTCALL, entry_values_doc},
    {"splice", (PyCFunction)(void (*)(void))splice, METH_FASTCALL, splice_doc},
    {"splice_patch", (PyCFunction)(void (*)(void))splice_patch, METH_FASTCALL, splice_patch_doc},
    {"apply_patch", (PyCFunction)(void (*)(void))apply_patch, METH_FASTCALL, apply_patch_doc},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    native = PyCapsule_Import(NATIVE_API_NAME, 0);
    if (native == NULL || PyType_Ready(&SchemaType) < 0 ||
        PyModule_AddType(module, &SchemaType) < 0 || PyType_Ready(&NameCacheType) < 0 ||
        PyModule_AddType(module, &NameCacheType) < 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "otel_anonymizer.gateway._wire",
    .m_doc = "Which items of a serialized OTLP export request may change (see prescreen.py).",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__wire(void)
{
    return PyModuleDef_Init(&module_def);
}
