/* The passes over every text in C: which shapes occur in a text and where its numeric
 * runs are, in one pass (`Passes`, with the run cache's `RunLookup`), which keys JSON
 * text holds and where findings stand in it, and the `TextScreen` built on them.
 * `otel_anonymizer.detectors.base` (shapes), `.runs` and `otel_anonymizer.jsontext`
 * (keys, layout) hold the reference versions in Python (used when this module is not
 * built), and the tests check that both agree.
 *
 * The functions only read the text and return positions, or the keys they read; no
 * text is logged. Only `RunLookup` keeps characters: like the scanner's cache, the keys
 * of numeric runs in which the detectors found nothing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_native_api.h"

/* The passes look at one-byte texts 32 or 16 characters at a time where the CPU can
 * (AVX2, SSSE3, checked when the module loads); elsewhere one by one, with the same
 * results. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PAIR_FILTER_SSSE3 1
#include <immintrin.h>
#else
#define PAIR_FILTER_SSSE3 0
#endif

/* A set of characters: a bitmap of ASCII ones, every Unicode decimal digit when
 * `decimal` is set (the `\d` of Python's `re`), and one other character (`extra`, 0 when
 * unused) for a needle's non-ASCII character. */
typedef struct {
    uint64_t ascii[2];
    int decimal;
    Py_UCS4 extra;
    int any; /* every non-ASCII character (only in the filters by place, `second` on) */
} CharClass;

static inline int
class_has(const CharClass *cls, Py_UCS4 ch)
{
    if (ch < 128) {
        return (int)((cls->ascii[ch >> 6] >> (ch & 63)) & 1);
    }
    return cls->any || ch == cls->extra || (cls->decimal && Py_UNICODE_ISDECIMAL(ch));
}

/* ---- Shapes: fixed-length sequences of character classes ------------------------ */

typedef struct {
    PyObject_HEAD
    Py_ssize_t count;         /* shapes */
    Py_ssize_t *lengths;      /* classes per shape */
    Py_ssize_t *starts;       /* index of each shape's first class in `classes` */
    CharClass *classes;
    /* The shapes whose first class holds ASCII character c:
     * first[first_offsets[c] .. first_offsets[c + 1]). */
    Py_ssize_t first_offsets[129];
    Py_ssize_t *first;
    /* For each ASCII character c: the characters that the second class of a shape in
     * first[...] of c holds (any character for a shape of length 1), so that most
     * places are passed over after one lookup. */
    CharClass second[128];
    /* The same for the third and the fourth character (any character for a shape
     * that ends before): most places the second lets through are passed over here. */
    CharClass third[128];
    CharClass fourth[128];
    /* And at the last place all those shapes reach, past the fourth (`last_place`, 0
     * where that is not past it): dates pass the four of `-[0-9A-F]{2}-` (MAC
     * addresses) in `2025-03-14`, not its seventh. */
    Py_ssize_t last_place[128];
    CharClass last[128];
    /* The shapes whose first class may hold a non-ASCII character. */
    Py_ssize_t *wide;
    Py_ssize_t wide_count;
    /* For each shape, whether it never follows a character of `not_after[s]` (a shape's
     * lookbehind, `(?<![A-Za-z0-9])`); the filters above let those places through. */
    uint8_t *bounded;
    CharClass *not_after;
} ShapesObject;

static void
Shapes_dealloc(ShapesObject *self)
{
    PyMem_Free(self->lengths);
    PyMem_Free(self->starts);
    PyMem_Free(self->classes);
    PyMem_Free(self->first);
    PyMem_Free(self->wide);
    PyMem_Free(self->bounded);
    PyMem_Free(self->not_after);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* One class from `(ascii_low, ascii_high, decimal, extra)`: bit c of `ascii_low` (c < 64)
 * or bit c - 64 of `ascii_high` says ASCII character c is in the class. */
static int
parse_class(PyObject *item, CharClass *cls)
{
    unsigned long long low, high;
    int decimal;
    unsigned int extra;
    if (!PyTuple_Check(item) ||
        !PyArg_ParseTuple(item, "KKpI;a character class is (int, int, bool, int)", &low, &high,
                          &decimal, &extra)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "a character class is a tuple");
        }
        return -1;
    }
    if (extra != 0 && extra < 128) {
        PyErr_SetString(PyExc_ValueError, "a class's extra character must not be ASCII");
        return -1;
    }
    cls->ascii[0] = (uint64_t)low;
    cls->ascii[1] = (uint64_t)high;
    cls->decimal = decimal;
    cls->extra = (Py_UCS4)extra;
    return 0;
}

static PyObject *
Shapes_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *shapes, *not_after = Py_None, *after = NULL;
    static char *keywords[] = {"shapes", "not_after", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:Shapes", keywords, &shapes, &not_after)) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(shapes, "shapes must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    ShapesObject *self = (ShapesObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    self->count = count;
    self->lengths = PyMem_Calloc(count ? count : 1, sizeof(Py_ssize_t));
    self->starts = PyMem_Calloc(count ? count : 1, sizeof(Py_ssize_t));
    self->bounded = PyMem_Calloc(count ? count : 1, sizeof(uint8_t));
    self->not_after = PyMem_Calloc(count ? count : 1, sizeof(CharClass));
    if (self->lengths == NULL || self->starts == NULL || self->bounded == NULL ||
        self->not_after == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (not_after != Py_None) {
        after = PySequence_Fast(not_after, "not_after must be a sequence");
        if (after == NULL) {
            goto error;
        }
        if (PySequence_Fast_GET_SIZE(after) != count) {
            PyErr_SetString(PyExc_ValueError, "not_after must have one item per shape");
            goto error;
        }
        for (Py_ssize_t s = 0; s < count; s++) {
            PyObject *item = PySequence_Fast_GET_ITEM(after, s);
            if (item != Py_None) {
                if (parse_class(item, &self->not_after[s]) < 0) {
                    goto error;
                }
                self->bounded[s] = 1;
            }
        }
        Py_CLEAR(after);
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        PyObject *shape = PySequence_Fast_GET_ITEM(seq, s);
        Py_ssize_t length = PySequence_Size(shape);
        if (length < 0) {
            goto error;
        }
        if (length == 0) {
            PyErr_Format(PyExc_ValueError, "shape %zd is empty", s);
            goto error;
        }
        self->lengths[s] = length;
        self->starts[s] = total;
        total += length;
    }
    self->classes = PyMem_Calloc(total ? total : 1, sizeof(CharClass));
    if (self->classes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (Py_ssize_t s = 0; s < count; s++) {
        PyObject *shape = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, s), "a shape is a sequence");
        if (shape == NULL) {
            goto error;
        }
        if (PySequence_Fast_GET_SIZE(shape) != self->lengths[s]) {
            /* Its length changed since it was measured (a sequence of our caller's). */
            PyErr_Format(PyExc_ValueError, "shape %zd changed while being read", s);
            Py_DECREF(shape);
            goto error;
        }
        for (Py_ssize_t j = 0; j < self->lengths[s]; j++) {
            if (parse_class(PySequence_Fast_GET_ITEM(shape, j), &self->classes[self->starts[s] + j]) < 0) {
                Py_DECREF(shape);
                goto error;
            }
        }
        Py_DECREF(shape);
    }
    /* Index the shapes by the characters their first class holds. */
    Py_ssize_t entries = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        const CharClass *cls = &self->classes[self->starts[s]];
        for (Py_UCS4 c = 0; c < 128; c++) {
            entries += class_has(cls, c);
        }
        self->wide_count += cls->decimal || cls->extra != 0;
    }
    self->first = PyMem_Calloc(entries ? entries : 1, sizeof(Py_ssize_t));
    self->wide = PyMem_Calloc(self->wide_count ? self->wide_count : 1, sizeof(Py_ssize_t));
    if (self->first == NULL || self->wide == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    Py_ssize_t next = 0;
    for (Py_UCS4 c = 0; c < 128; c++) {
        self->first_offsets[c] = next;
        for (Py_ssize_t s = 0; s < count; s++) {
            if (class_has(&self->classes[self->starts[s]], c)) {
                self->first[next++] = s;
            }
        }
    }
    self->first_offsets[128] = next;
    for (Py_UCS4 c = 0; c < 128; c++) {
        for (int place = 1; place <= 3; place++) {
            CharClass *union_ = place == 1   ? &self->second[c]
                                : place == 2 ? &self->third[c]
                                             : &self->fourth[c];
            for (Py_ssize_t k = self->first_offsets[c]; k < self->first_offsets[c + 1]; k++) {
                Py_ssize_t s = self->first[k];
                if (self->lengths[s] <= place) {
                    union_->ascii[0] = union_->ascii[1] = UINT64_MAX;
                    union_->decimal = 1;
                    union_->extra = 0;
                    union_->any = 1;
                    break;
                }
                const CharClass *cls = &self->classes[self->starts[s] + place];
                union_->ascii[0] |= cls->ascii[0];
                union_->ascii[1] |= cls->ascii[1];
                union_->decimal |= cls->decimal;
                /* Non-ASCII characters there: let class_has pass them all. */
                union_->any |= cls->extra != 0;
            }
        }
    }
    for (Py_UCS4 c = 0; c < 128; c++) {
        Py_ssize_t place = PY_SSIZE_T_MAX;
        for (Py_ssize_t k = self->first_offsets[c]; k < self->first_offsets[c + 1]; k++) {
            place = Py_MIN(place, self->lengths[self->first[k]] - 1);
        }
        if (place == PY_SSIZE_T_MAX || place <= 3) {
            continue;
        }
        self->last_place[c] = place;
        CharClass *union_ = &self->last[c];
        for (Py_ssize_t k = self->first_offsets[c]; k < self->first_offsets[c + 1]; k++) {
            const CharClass *cls = &self->classes[self->starts[self->first[k]] + place];
            union_->ascii[0] |= cls->ascii[0];
            union_->ascii[1] |= cls->ascii[1];
            union_->decimal |= cls->decimal;
            union_->any |= cls->extra != 0;
        }
    }
    Py_ssize_t wide = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        const CharClass *cls = &self->classes[self->starts[s]];
        if (cls->decimal || cls->extra != 0) {
            self->wide[wide++] = s;
        }
    }
    Py_DECREF(seq);
    return (PyObject *)self;

error:
    Py_XDECREF(after);
    Py_DECREF(seq);
    Py_DECREF(self);
    return NULL;
}

/* Which shape occurs at `data[i]`: the first of the candidates for that character that
 * `found` does not mark yet (`found` may be NULL), or -1. */
#define DEFINE_SHAPE_AT(NAME, CHAR)                                                        \
    static Py_ssize_t NAME(const ShapesObject *self, const CHAR *data, Py_ssize_t n,      \
                           Py_ssize_t i, const Py_ssize_t *found)                         \
    {                                                                                     \
        Py_UCS4 ch = data[i];                                                             \
        const Py_ssize_t *candidates;                                                     \
        Py_ssize_t size;                                                                  \
        if (ch < 128) {                                                                   \
            /* One lookup passes most places: no shape starts with this pair (the         \
             * second set is empty for a character that starts none). */                 \
            Py_UCS4 next = i + 1 < n ? data[i + 1] : 0;                                   \
            const CharClass *second = &self->second[ch];                                  \
            if (next < 128 ? !((second->ascii[next >> 6] >> (next & 63)) & 1)             \
                           : !class_has(second, next)) {                                  \
                return -1;                                                                \
            }                                                                             \
            Py_ssize_t last = self->last_place[ch];                                       \
            if ((i + 2 < n && !class_has(&self->third[ch], data[i + 2])) ||               \
                (i + 3 < n && !class_has(&self->fourth[ch], data[i + 3])) ||              \
                (last != 0 &&                                                             \
                 (last >= n - i || !class_has(&self->last[ch], data[i + last])))) {       \
                return -1;                                                                \
            }                                                                             \
            candidates = self->first + self->first_offsets[ch];                           \
            size = self->first_offsets[ch + 1] - self->first_offsets[ch];                 \
        }                                                                                 \
        else {                                                                            \
            candidates = self->wide;                                                      \
            size = self->wide_count;                                                      \
        }                                                                                 \
        for (Py_ssize_t k = 0; k < size; k++) {                                           \
            Py_ssize_t s = candidates[k];                                                 \
            Py_ssize_t length = self->lengths[s];                                         \
            if ((found != NULL && found[s]) || length > n - i) {                          \
                continue;                                                                 \
            }                                                                             \
            const CharClass *classes = self->classes + self->starts[s];                   \
            Py_ssize_t j = ch < 128 ? 1 : 0;                                              \
            while (j < length && class_has(&classes[j], data[i + j])) {                   \
                j++;                                                                      \
            }                                                                             \
            if (j == length &&                                                            \
                !(self->bounded[s] && i > 0 && class_has(&self->not_after[s], data[i - 1]))) { \
                return s;                                                                 \
            }                                                                             \
        }                                                                                 \
        return -1;                                                                        \
    }

DEFINE_SHAPE_AT(shape_at_ucs1, Py_UCS1)
DEFINE_SHAPE_AT(shape_at_ucs2, Py_UCS2)
DEFINE_SHAPE_AT(shape_at_ucs4, Py_UCS4)

/* Appends to `places` every place from `start` on where one of the shapes occurs. 0,
 * or -1 on an error. */
#define DEFINE_PLACES(NAME, CHAR, SHAPE_AT)                                                \
    static int NAME(const ShapesObject *self, const CHAR *data, Py_ssize_t n,             \
                    Py_ssize_t start, PyObject *places)                                   \
    {                                                                                     \
        for (Py_ssize_t i = start; i < n; i++) {                                          \
            if (SHAPE_AT(self, data, n, i, NULL) >= 0) {                                  \
                PyObject *place = PyLong_FromSsize_t(i);                                  \
                if (place == NULL || PyList_Append(places, place) < 0) {                  \
                    Py_XDECREF(place);                                                    \
                    return -1;                                                            \
                }                                                                         \
                Py_DECREF(place);                                                         \
            }                                                                             \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_PLACES(places_ucs1, Py_UCS1, shape_at_ucs1)
DEFINE_PLACES(places_ucs2, Py_UCS2, shape_at_ucs2)
DEFINE_PLACES(places_ucs4, Py_UCS4, shape_at_ucs4)

PyDoc_STRVAR(Shapes_places_doc,
             "places(text, start, /)\n--\n\n"
             "Every place from `start` on where one of the shapes occurs in `text`, ascending.");

static PyObject *
Shapes_places(ShapesObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "places() takes a str and a start");
        return NULL;
    }
    Py_ssize_t start = PyNumber_AsSsize_t(args[1], PyExc_OverflowError);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *text = args[0], *places = PyList_New(0);
    if (places == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    start = start < 0 ? 0 : start;
    int result;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        result = places_ucs1(self, data, n, start, places);
        break;
    case PyUnicode_2BYTE_KIND:
        result = places_ucs2(self, data, n, start, places);
        break;
    default:
        result = places_ucs4(self, data, n, start, places);
    }
    if (result < 0) {
        Py_DECREF(places);
        return NULL;
    }
    return places;
}

static PyMethodDef Shapes_methods[] = {
    {"places", (PyCFunction)(void (*)(void))Shapes_places, METH_FASTCALL, Shapes_places_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Shapes_doc,
             "Shapes(shapes, not_after=None, /)\n--\n\n"
             "Fixed-length sequences of character classes, searched for together.\n\n"
             "Each shape is a sequence of classes `(ascii_low, ascii_high, decimal, extra)`:\n"
             "bitmaps of the ASCII characters 0-63 and 64-127 in the class, `decimal` adds\n"
             "every Unicode decimal digit, `extra` (0 for none) one non-ASCII character.\n"
             "`not_after`, one item per shape: the class of the characters the shape never\n"
             "follows, or None.");

static PyTypeObject ShapesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.detectors._native.Shapes",
    .tp_basicsize = sizeof(ShapesObject),
    .tp_dealloc = (destructor)Shapes_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = Shapes_doc,
    .tp_methods = Shapes_methods,
    .tp_new = Shapes_new,
};

/* ---- Numeric runs ---------------------------------------------------------------- */

#define IS_DIGIT(ch) ((ch) < 128 ? ((ch) >= '0' && (ch) <= '9') : Py_UNICODE_ISDECIMAL(ch))
#define IS_SEPARATOR(ch) \
    ((ch) == '(' || (ch) == ')' || (ch) == '.' || (ch) == '-' || (ch) == '/' || (ch) == ' ')
/* Letters of scripts written without spaces between words, and Korean: `UNSPACED` in
 * detectors/words.py, which lists the same ranges. */
#define IS_UNSPACED(ch)                                                                    \
    (((ch) >= 0x0E00 && (ch) <= 0x0EFF) || ((ch) >= 0x1000 && (ch) <= 0x109F) ||          \
     ((ch) >= 0x1100 && (ch) <= 0x11FF) || ((ch) >= 0x1780 && (ch) <= 0x17FF) ||          \
     ((ch) >= 0x3040 && (ch) <= 0x30FF) || ((ch) >= 0x3130 && (ch) <= 0x318F) ||          \
     ((ch) >= 0x3400 && (ch) <= 0x4DBF) || ((ch) >= 0x4E00 && (ch) <= 0x9FFF) ||          \
     ((ch) >= 0xAC00 && (ch) <= 0xD7AF) || ((ch) >= 0xF900 && (ch) <= 0xFAFF) ||          \
     ((ch) >= 0xFF66 && (ch) <= 0xFF9F) || ((ch) >= 0x20000 && (ch) <= 0x3134F))
/* A character that glues a number touching it into a word (`glues` in words.py); `_`
 * glues when one of these is before it. */
#define GLUES(ch)                                                                          \
    ((ch) < 128 ? IS_ASCII_ALNUM(ch) : Py_UNICODE_ISALNUM(ch) && !IS_UNSPACED(ch))
/* ASCII's letters and digits, without the four calls of `Py_UNICODE_ISALNUM`: most runs
 * follow a space or a letter. */
#define IS_ASCII_ALNUM(ch)                                                                 \
    (((ch) >= '0' && (ch) <= '9') || ((ch) >= 'a' && (ch) <= 'z') || ((ch) >= 'A' && (ch) <= 'Z'))
#define IS_ESCAPE_LETTER(ch) ((ch) == 'n' || (ch) == 'r' || (ch) == 't')

/* For a digit at `data[i]` that no run before it holds: whether a run starts there
 * (`_NUMERIC_RUN`: from a digit to a digit over digits and separators, at least 7
 * characters), extended over a `+` or `(` before it, that is not skipped (inert, when
 * `skip_inert`); its `start` and `end`; and in `resume`, where the next run may start.
 *
 * Inert runs are those no detector with `skips_inert_runs` can match in: see
 * `_INERT_RUN` and `_glued` in runs.py, which this follows exactly. What tells them (the
 * groups of digits between single separators, at most 4 of which matter, and whether
 * every separator is `-`) is counted as the run is read, not read again. */
#define DEFINE_RUN_AT(NAME, CHAR)                                                          \
    static int NAME(const CHAR *data, Py_ssize_t n, Py_ssize_t i, int skip_inert,         \
                    Py_ssize_t *start, Py_ssize_t *end, Py_ssize_t *resume)               \
    {                                                                                     \
        Py_ssize_t last = i, groups[4] = {1, 0, 0, 0};                                    \
        Py_UCS4 separators[3] = {0, 0, 0}, separator = 0;                                 \
        /* `split`: a separator not alone between digits, or a fifth group. The counts  \
         * cover the run up to the last digit read; `pending` separators follow it. */    \
        int count = 1, split = 0, dashes = 1, pending = 0, pending_dashes = 1;            \
        *start = i;                                                                       \
        for (i++; i < n; i++) {                                                           \
            Py_UCS4 ch = data[i];                                                         \
            if (IS_DIGIT(ch)) {                                                           \
                if (pending) {                                                            \
                    split |= pending > 1 || count == 4;                                   \
                    if (!split) {                                                         \
                        separators[count - 1] = separator;                                \
                        count++;                                                          \
                    }                                                                     \
                    dashes &= pending_dashes;                                             \
                    pending = 0;                                                          \
                    pending_dashes = 1;                                                   \
                }                                                                         \
                groups[count - 1]++;                                                      \
                last = i;                                                                 \
            }                                                                             \
            else if (IS_SEPARATOR(ch)) {                                                  \
                pending++;                                                                \
                pending_dashes &= ch == '-';                                              \
                separator = ch;                                                           \
            }                                                                             \
            else {                                                                        \
                break;                                                                    \
            }                                                                             \
        }                                                                                 \
        *resume = i;                                                                      \
        *end = last + 1;                                                                  \
        if (*end - *start < 7) {                                                          \
            return 0;                                                                     \
        }                                                                                 \
        if (*start > 0 && (data[*start - 1] == '+' || data[*start - 1] == '(')) {         \
            (*start)--;                                                                   \
            return 1; /* inert runs start at a digit */                                   \
        }                                                                                 \
        if (!skip_inert) {                                                                \
            return 1;                                                                     \
        }                                                                                 \
        Py_ssize_t at = *start;                                                           \
        /* Glued: right after a word character or `-` (not the letter of a JSON escape)  \
         * and made of digits and dashes only. */                                         \
        if (at > 0 && dashes) {                                                           \
            Py_UCS4 before = data[at - 1];                                                \
            int escape = IS_ESCAPE_LETTER(before) && at > 1 && data[at - 2] == '\\';      \
            /* `_` after a letter, not the letter of a JSON escape (`\n_4111..._`) */      \
            int glued = before == '_' ? at > 1 && GLUES(data[at - 2]) &&                  \
                                            !(IS_ESCAPE_LETTER(data[at - 2]) && at > 2 && \
                                              data[at - 3] == '\\')                       \
                                      : before == '-' || GLUES(before);                   \
            if (glued && !escape) {                                                       \
                return 0;                                                                 \
            }                                                                             \
        }                                                                                 \
        if (split) {                                                                      \
            return 1;                                                                     \
        }                                                                                 \
        switch (count) {                                                                  \
        case 1: /* (?!00)\d{7,11} */                                                      \
            return !(groups[0] <= 11 && !(data[at] == '0' && data[at + 1] == '0'));       \
        case 2: /* \d+\.\d+ */                                                            \
            return separators[0] != '.';                                                  \
        case 3:                                                                           \
            /* \d{4}-\d\d-\d\d */                                                         \
            if (groups[0] == 4 && groups[1] == 2 && groups[2] == 2 &&                     \
                separators[0] == '-' && separators[1] == '-') {                           \
                return 0;                                                                 \
            }                                                                             \
            /* \d{1,2}([/.-])\d{1,2}\1\d{2,4} */                                          \
            return !(groups[0] <= 2 && groups[1] <= 2 && groups[2] >= 2 &&                \
                     groups[2] <= 4 && separators[0] == separators[1] &&                  \
                     (separators[0] == '/' || separators[0] == '.' ||                     \
                      separators[0] == '-'));                                             \
        default: /* \d{4}-\d\d-\d\d \d\d */                                               \
            return !(groups[0] == 4 && groups[1] == 2 && groups[2] == 2 &&                \
                     groups[3] == 2 && separators[0] == '-' && separators[1] == '-' &&    \
                     separators[2] == ' ');                                               \
        }                                                                                 \
    }

DEFINE_RUN_AT(run_at_ucs1, Py_UCS1)
DEFINE_RUN_AT(run_at_ucs2, Py_UCS2)
DEFINE_RUN_AT(run_at_ucs4, Py_UCS4)

/* ---- RunLookup: numeric runs, looked up in the scanner's cache of what they hold ---- */

/* A run the cache says holds nothing, by the characters of its key (see `run_key`),
 * all below 256: `length` of them, the run at `offset`, `run` long (0 without classes). */
#define EMPTY_RUN_SLOTS 256
#define EMPTY_RUN_CHARACTERS 56

typedef struct {
    uint64_t hash; /* 0: an unused slot */
    uint8_t length, offset, run;
    Py_UCS1 characters[EMPTY_RUN_CHARACTERS];
} EmptyRun;

typedef struct {
    PyObject_HEAD
    int skip_inert;
    Py_ssize_t lookbehind, lookahead;
    int has_classes;
    Py_UCS4 classes[128], after_classes[128]; /* before a run, and after it */
    PyObject *cache; /* dict: a run's key -> the findings it holds */
    /* The runs the cache said hold nothing, by their keys' characters: most runs recur
     * (dates, versions, prices), and these are passed over without building their keys.
     * What a run holds depends only on its key, so a verdict here stays true when the
     * cache forgets it (`clear` forgets these too, for benchmarks). */
    EmptyRun empty_runs[EMPTY_RUN_SLOTS];
} RunLookupObject;

static int
RunLookup_traverse(RunLookupObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cache);
    return 0;
}

static int
RunLookup_clear(RunLookupObject *self)
{
    Py_CLEAR(self->cache);
    return 0;
}

static void
RunLookup_dealloc(RunLookupObject *self)
{
    PyObject_GC_UnTrack(self);
    RunLookup_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
RunLookup_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"skip_inert", "lookbehind",    "lookahead", "classes",
                               "cache",      "after_classes", NULL};
    PyObject *classes, *cache, *after_classes;
    int skip_inert;
    Py_ssize_t lookbehind, lookahead;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "$pnnOO!O:RunLookup", keywords, &skip_inert,
                                     &lookbehind, &lookahead, &classes, &PyDict_Type, &cache,
                                     &after_classes)) {
        return NULL;
    }
    for (int side = 0; side < 2; side++) {
        PyObject *table = side == 0 ? classes : after_classes;
        if (table != Py_None && (!PyUnicode_Check(table) || PyUnicode_GET_LENGTH(table) != 128)) {
            PyErr_SetString(PyExc_TypeError,
                            "classes and after_classes must be a str of 128 characters or None");
            return NULL;
        }
    }
    if ((classes == Py_None) != (after_classes == Py_None)) {
        PyErr_SetString(PyExc_TypeError, "classes and after_classes go together");
        return NULL;
    }
    if (lookbehind < 0 || lookahead < 0) {
        PyErr_SetString(PyExc_ValueError, "lookbehind and lookahead must not be negative");
        return NULL;
    }
    RunLookupObject *self = (RunLookupObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->skip_inert = skip_inert;
    self->lookbehind = lookbehind;
    self->lookahead = lookahead;
    self->has_classes = classes != Py_None;
    for (int c = 0; c < 128; c++) {
        self->classes[c] = self->has_classes ? PyUnicode_READ_CHAR(classes, c) : (Py_UCS4)c;
        self->after_classes[c] =
            self->has_classes ? PyUnicode_READ_CHAR(after_classes, c) : (Py_UCS4)c;
    }
    self->cache = Py_NewRef(cache);
    return (PyObject *)self;
}

/* Where the key of the run `text[start:end]` starts and ends in the text: the run and
 * its context (`lookbehind` and `lookahead` characters around it). */
static void
run_context(const RunLookupObject *self, const Text *text, Py_ssize_t start, Py_ssize_t end,
            Py_ssize_t *before, Py_ssize_t *stop)
{
    *before = start > self->lookbehind ? start - self->lookbehind : 0;
    *stop = end + self->lookahead < text->n ? end + self->lookahead : text->n;
}

/* The characters of a run's key into `chars`: its context as character classes (when
 * given) around the run, those of `after_classes` after it; the farthest before it,
 * `lookbehind` back, only as `\` or not (a space), all the patterns tell of it. */
static void
run_characters(const RunLookupObject *self, const Text *text, Py_ssize_t start, Py_ssize_t end,
               Py_ssize_t before, Py_ssize_t stop, Py_UCS4 *chars)
{
    for (Py_ssize_t i = before; i < stop; i++) {
        Py_UCS4 ch = PyUnicode_READ(text->kind, text->data, i);
        if (self->has_classes && i == start - self->lookbehind) {
            ch = ch == '\\' ? '\\' : ' ';
        } else if (self->has_classes && (i < start || i >= end) && ch < 128) {
            ch = i < start ? self->classes[ch] : self->after_classes[ch];
        }
        chars[i - before] = ch;
    }
}

/* The key `Scanner._scan_numbers` caches a run under: `(run length or 0, where the run
 * starts in its context, the context's characters)`. */
static PyObject *
run_key(const RunLookupObject *self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t before,
        const Py_UCS4 *chars, Py_ssize_t length)
{
    PyObject *chunk = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, length);
    if (chunk == NULL) {
        return NULL;
    }
    return Py_BuildValue("(nnN)", self->has_classes ? end - start : (Py_ssize_t)0,
                         start - before, chunk);
}

/* The slot for a run's key in `empty_runs`, and the key as a slot holds it in `probe`;
 * NULL where the key does not fit one (long, or with characters above 255). */
static EmptyRun *
empty_run_slot(RunLookupObject *self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t before,
               const Py_UCS4 *chars, Py_ssize_t length, EmptyRun *probe)
{
    if (length > EMPTY_RUN_CHARACTERS || start - before > 255 || end - start > 255) {
        return NULL;
    }
    probe->length = (uint8_t)length;
    probe->offset = (uint8_t)(start - before);
    probe->run = (uint8_t)(self->has_classes ? end - start : 0);
    uint64_t hash = UINT64_C(14695981039346656037); /* FNV-1a */
    hash = (hash ^ probe->offset) * UINT64_C(1099511628211);
    hash = (hash ^ probe->run) * UINT64_C(1099511628211);
    for (Py_ssize_t i = 0; i < length; i++) {
        if (chars[i] > 255) {
            return NULL;
        }
        probe->characters[i] = (Py_UCS1)chars[i];
        hash = (hash ^ chars[i]) * UINT64_C(1099511628211);
    }
    probe->hash = hash | 1; /* never 0, the mark of an unused slot */
    return &self->empty_runs[hash % EMPTY_RUN_SLOTS];
}

static int
same_empty_run(const EmptyRun *slot, const EmptyRun *probe)
{
    return slot->hash == probe->hash && slot->length == probe->length &&
           slot->offset == probe->offset && slot->run == probe->run &&
           memcmp(slot->characters, probe->characters, probe->length) == 0;
}

/* What the cache holds for a run: a borrowed reference, or NULL (an error set or not). */
static PyObject *
cached_run(const RunLookupObject *self, PyObject *key)
{
    return PyDict_GetItemWithError(self->cache, key);
}

static int
holds_nothing(PyObject *found)
{
    return found != NULL && PyTuple_Check(found) && PyTuple_GET_SIZE(found) == 0;
}

typedef struct {
    RunLookupObject *lookup;
    const Text *text;
    PyObject **unknown; /* the list of the runs not known to be empty, made at the first */
} RunVisit;

/* A run visitor: a run the cache does not know to hold nothing is added to `unknown`,
 * as `(start, end, key, findings or None)`. */
static int
look_up_run(void *context, Py_ssize_t start, Py_ssize_t end)
{
    const RunVisit *visit = context;
    RunLookupObject *lookup = visit->lookup;
    Py_ssize_t before, stop;
    run_context(lookup, visit->text, start, end, &before, &stop);
    Py_ssize_t length = stop - before;
    Py_UCS4 small[64];
    Py_UCS4 *chars = length <= 64 ? small : PyMem_Malloc(length * sizeof(Py_UCS4));
    if (chars == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    run_characters(lookup, visit->text, start, end, before, stop, chars);
    EmptyRun probe;
    EmptyRun *slot = empty_run_slot(lookup, start, end, before, chars, length, &probe);
    if (slot != NULL && same_empty_run(slot, &probe)) {
        return 0; /* `chars` is `small`: the key fits a slot */
    }
    PyObject *key = run_key(lookup, start, end, before, chars, length);
    if (chars != small) {
        PyMem_Free(chars);
    }
    if (key == NULL) {
        return -1;
    }
    /* A strong reference: the allocations below may run code that clears the cache. */
    PyObject *found = Py_XNewRef(cached_run(lookup, key));
    if (found == NULL && PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    if (holds_nothing(found)) {
        if (slot != NULL) {
            *slot = probe;
        }
        Py_DECREF(found);
        Py_DECREF(key);
        return 0;
    }
    if (*visit->unknown == NULL && (*visit->unknown = PyList_New(0)) == NULL) {
        Py_XDECREF(found);
        Py_DECREF(key);
        return -1;
    }
    PyObject *entry = Py_BuildValue("(nnNN)", start, end, key, found ? found : Py_NewRef(Py_None));
    if (entry == NULL || PyList_Append(*visit->unknown, entry) < 0) {
        Py_XDECREF(entry);
        return -1;
    }
    Py_DECREF(entry);
    return 0;
}

PyDoc_STRVAR(RunLookup_clear_doc,
             "clear(/)\n--\n\n"
             "Forget the runs known to hold nothing, as the cache (a dict) forgets its own.");

static PyObject *
RunLookup_clear_empty_runs(RunLookupObject *self, PyObject *unused)
{
    memset(self->empty_runs, 0, sizeof self->empty_runs);
    Py_RETURN_NONE;
}

static PyMethodDef RunLookup_methods[] = {
    {"clear", (PyCFunction)RunLookup_clear_empty_runs, METH_NOARGS, RunLookup_clear_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(RunLookup_doc,
             "RunLookup(*, skip_inert, lookbehind, lookahead, classes, cache, after_classes)\n"
             "--\n\n"
             "Looks the numeric runs `Passes` finds up in `cache` (a dict), under the keys\n"
             "`Scanner._scan_numbers` stores them with: `lookbehind` characters before a\n"
             "run as `classes`, `lookahead` after it as `after_classes`, or both as they\n"
             "are (None).");

static PyTypeObject RunLookupType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.detectors._native.RunLookup",
    .tp_basicsize = sizeof(RunLookupObject),
    .tp_dealloc = (destructor)RunLookup_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = RunLookup_doc,
    .tp_traverse = (traverseproc)RunLookup_traverse,
    .tp_clear = (inquiry)RunLookup_clear,
    .tp_methods = RunLookup_methods,
    .tp_new = RunLookup_new,
};

/* The last index before `end` where `ch` occurs in `data`, or -1 (memrchr, where the C
 * library has it, for the common one-byte texts). */
static inline Py_ssize_t
rfind_ucs1(const Py_UCS1 *data, Py_ssize_t end, Py_UCS4 ch)
{
#ifdef __GLIBC__
    const Py_UCS1 *found = memrchr(data, (int)ch, (size_t)end);
    return found == NULL ? -1 : found - data;
#else
    while (end > 0 && data[end - 1] != ch) {
        end--;
    }
    return end - 1;
#endif
}

#define DEFINE_RFIND(NAME, CHAR)                                                           \
    static inline Py_ssize_t NAME(const CHAR *data, Py_ssize_t end, Py_UCS4 ch)           \
    {                                                                                     \
        while (end > 0 && data[end - 1] != ch) {                                          \
            end--;                                                                        \
        }                                                                                 \
        return end - 1;                                                                   \
    }

DEFINE_RFIND(rfind_ucs2, Py_UCS2)
DEFINE_RFIND(rfind_ucs4, Py_UCS4)

/* Adds to `keys` each key that `jsontext.read_keys` reads: for every `:` that JSON
 * whitespace and a quote precede, the text before that quote back to the nearest quote
 * no backslash precedes. Walks the text from its end, as the reference reads it
 * reversed, skipping what a key already covered. */
/* What a pass over the keys does with each, `data[start:end]`: 0 to go on, 1 to stop,
 * -1 on an error. */
typedef int (*KeyVisitor)(void *context, Py_ssize_t start, Py_ssize_t end);

#define DEFINE_KEYS(NAME, CHAR, RFIND)                                                     \
    static int NAME(const CHAR *data, Py_ssize_t n, KeyVisitor visit, void *context)      \
    {                                                                                     \
        Py_ssize_t i = n - 1;                                                             \
        while (i >= 0) {                                                                  \
            i = RFIND(data, i + 1, ':');                                                  \
            if (i < 0) {                                                                  \
                break;                                                                    \
            }                                                                             \
            Py_ssize_t close = i - 1;                                                     \
            while (close >= 0 && (data[close] == ' ' || data[close] == '\t' ||            \
                                  data[close] == '\n' || data[close] == '\r')) {          \
                close--;                                                                  \
            }                                                                             \
            if (close < 0 || data[close] != '"') {                                        \
                i--;                                                                      \
                continue;                                                                 \
            }                                                                             \
            Py_ssize_t open = close - 1;                                                  \
            for (;;) {                                                                    \
                while (open >= 0 && data[open] != '"') {                                  \
                    open--;                                                               \
                }                                                                         \
                if (open >= 1 && data[open - 1] == '\\') {                                \
                    open--; /* an escaped quote: part of the key */                       \
                    continue;                                                             \
                }                                                                         \
                break;                                                                    \
            }                                                                             \
            int status = visit(context, open + 1, close);                                 \
            if (status != 0) {                                                            \
                return status;                                                            \
            }                                                                             \
            i = open;                                                                     \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_KEYS(keys_ucs1, Py_UCS1, rfind_ucs1)
DEFINE_KEYS(keys_ucs2, Py_UCS2, rfind_ucs2)
DEFINE_KEYS(keys_ucs4, Py_UCS4, rfind_ucs4)

/* Calls `visit` with each key that `jsontext.read_keys` reads in the text. */
static int
visit_keys(int kind, const void *data, Py_ssize_t n, KeyVisitor visit, void *context)
{
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        return keys_ucs1(data, n, visit, context);
    case PyUnicode_2BYTE_KIND:
        return keys_ucs2(data, n, visit, context);
    default:
        return keys_ucs4(data, n, visit, context);
    }
}

typedef struct {
    PyObject *text;
    PyObject *keys;
} KeySet;

static int
add_key(void *context, Py_ssize_t start, Py_ssize_t end)
{
    KeySet *set = context;
    PyObject *key = PyUnicode_Substring(set->text, start, end);
    int status = key == NULL ? -1 : PySet_Add(set->keys, key);
    Py_XDECREF(key);
    return status < 0 ? -1 : 0;
}

PyDoc_STRVAR(json_keys_doc,
             "json_keys(text, /)\n--\n\n"
             "The set of keys that jsontext.read_keys reads in `text`.");

static PyObject *
json_keys(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "json_keys(text: str)");
        return NULL;
    }
    PyObject *keys = PySet_New(NULL);
    if (keys == NULL) {
        return NULL;
    }
    KeySet set = {text, keys};
    int status = visit_keys(PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                            add_key, &set);
    if (status < 0) {
        Py_DECREF(keys);
        return NULL;
    }
    return keys;
}

/* ---- JSON text: how deep it nests, where findings stand ------------------------- */

/* Where `ch` first occurs in the text from `from` to `to`, or -1 (memchr for one-byte
 * texts). */
static Py_ssize_t
find_between(const Text *text, Py_UCS4 ch, Py_ssize_t from, Py_ssize_t to)
{
    if (text->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *data = text->data;
        const Py_UCS1 *found = from < to ? memchr(data + from, (int)ch, to - from) : NULL;
        return found == NULL ? -1 : found - data;
    }
    for (Py_ssize_t i = from; i < to; i++) {
        if (PyUnicode_READ(text->kind, text->data, i) == ch) {
            return i;
        }
    }
    return -1;
}

/* Where `ch` first occurs in the text from `from` on, or -1. */
static Py_ssize_t
find_in(const Text *text, Py_UCS4 ch, Py_ssize_t from)
{
    return find_between(text, ch, from, text->n);
}

/* The character at `i` of a `Text`. */
#define TEXT_AT(text, i) PyUnicode_READ((text)->kind, (text)->data, (i))

/* The first pass of `json_layout`: whether a quote is followed by (whitespace and) a
 * bracket, whether the quotes are odd in number, and how deep brackets outside strings
 * nest. Inside a string, only a quote matters (the text has no escapes). */
static void
json_shape(const Text *text, int *nested, int *odd, Py_ssize_t *deepest)
{
    int in_string = 0;
    Py_ssize_t depth = 0, n = text->n;
    *nested = 0;
    *deepest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (in_string && (i = find_in(text, '"', i)) < 0) {
            break;
        }
        Py_UCS4 ch = TEXT_AT(text, i);
        if (ch == '"') {
            in_string = !in_string;
            Py_ssize_t j = i + 1;
            while (j < n && Py_UNICODE_ISSPACE(TEXT_AT(text, j))) {
                j++;
            }
            *nested |= j < n && (TEXT_AT(text, j) == '[' || TEXT_AT(text, j) == '{');
        }
        else if (ch == '[' || ch == '{') {
            depth++;
            *deepest = depth > *deepest ? depth : *deepest;
        }
        else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    *odd = in_string;
}

/* The quotes in the text from `from` to `to`. */
static Py_ssize_t
count_quotes(const Text *text, Py_ssize_t from, Py_ssize_t to)
{
    Py_ssize_t quotes = 0;
    for (Py_ssize_t i = find_between(text, '"', from, to); i >= 0;
         i = find_between(text, '"', i + 1, to)) {
        quotes++;
    }
    return quotes;
}

/* The first quote at or after a place, remembered: the spans of `json_layout` come in
 * order, and many findings in one long string must not each search to its end. */
typedef struct {
    Py_ssize_t from;  /* where the last search started (-1: none yet) */
    Py_ssize_t found; /* the first quote from there, or -1 */
} NextQuote;

static Py_ssize_t
next_quote(const Text *text, NextQuote *cache, Py_ssize_t at)
{
    if (cache->from < 0 || at < cache->from || (cache->found >= 0 && cache->found < at)) {
        cache->from = at;
        cache->found = find_in(text, '"', at);
    }
    return cache->found;
}

/* Where the text from `start` to `end` stands, given whether a string is open at
 * `start`: 0 outside strings or across a quote, 1 in a string value, 2 in a key (its
 * closing quote is followed by whitespace and a colon). */
static char
json_place(const Text *text, Py_ssize_t start, Py_ssize_t end, int in_string, NextQuote *quote)
{
    Py_ssize_t closing = in_string ? next_quote(text, quote, start) : -1;
    if (closing < end) {
        return 0; /* outside, across a quote, or in a string that does not end */
    }
    Py_ssize_t i = closing + 1;
    while (i < text->n && Py_UNICODE_ISSPACE(TEXT_AT(text, i))) {
        i++;
    }
    return i < text->n && TEXT_AT(text, i) == ':' ? 2 : 1;
}

PyDoc_STRVAR(json_layout_doc,
             "json_layout(text, spans, /)\n--\n\n"
             "`jsontext.read_layout`: `(nested, odd, deepest, places)` of JSON text without\n"
             "escapes and of `spans` in it (ascending `(start, end, ...)` sequences).");

static PyObject *
json_layout(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "json_layout(text: str, spans)");
        return NULL;
    }
    Text text = {PyUnicode_KIND(args[0]), PyUnicode_DATA(args[0]), PyUnicode_GET_LENGTH(args[0]),
                 NULL};
    PyObject *spans = PySequence_Fast(args[1], "json_layout: spans must be a sequence");
    if (spans == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(spans);
    PyObject *places = PyBytes_FromStringAndSize(NULL, count);
    if (places == NULL) {
        Py_DECREF(spans);
        return NULL;
    }
    int nested, odd;
    Py_ssize_t deepest, last = 0, quotes = 0;
    NextQuote quote = {-1, -1};
    json_shape(&text, &nested, &odd, &deepest);
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *span = PySequence_Fast_GET_ITEM(spans, k);
        Py_ssize_t start = -1, end = -1;
        if (PyTuple_Check(span) && PyTuple_GET_SIZE(span) >= 2) {
            start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
            end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        }
        if (PyErr_Occurred() || start < last || end < start || end > text.n) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "json_layout: spans[%zd] is not a (start, end) within the text, "
                         "after the one before", k);
            Py_DECREF(places);
            Py_DECREF(spans);
            return NULL;
        }
        quotes += count_quotes(&text, last, start);
        PyBytes_AS_STRING(places)[k] = json_place(&text, start, end, quotes % 2, &quote);
        last = start;
    }
    Py_DECREF(spans);
    return Py_BuildValue("(OOnN)", nested ? Py_True : Py_False, odd ? Py_True : Py_False,
                         deepest, places);
}

/* ---- Passes: the scanner's passes over a text (marks, numeric runs) in one ---------- */

typedef struct {
    PyObject_HEAD
    PyObject *marks; /* Shapes, or None */
    PyObject *runs;  /* RunLookup, or None: no numeric detector */
    /* Bit b of the 256 bits at pairs[4 * a] is set when a mark may start at a character
     * `a` followed by `b` (both below 256), or `a` is a digit that may start a run. */
    uint64_t pairs[256 * 4];
    /* Whether a mark may start at each character below 256 (digits mostly cannot). */
    uint8_t starts_mark[256];
    /* The pairs as up to 8 groups, for 16 places at a time (`set_pair_filter`): lookups
     * by the low and the high half of the first character, then of the second, the
     * third and the fourth, each giving a bit per group. */
    uint8_t pair_filter[8][16];
} PassesObject;

static int
Passes_traverse(PassesObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->marks);
    Py_VISIT(self->runs);
    return 0;
}

static int
Passes_clear(PassesObject *self)
{
    Py_CLEAR(self->marks);
    Py_CLEAR(self->runs);
    return 0;
}

static void
Passes_dealloc(PassesObject *self)
{
    PyObject_GC_UnTrack(self);
    Passes_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static void
set_pairs(PassesObject *self, const ShapesObject *marks)
{
    for (Py_UCS4 a = 0; a < 256; a++) {
        uint64_t *bits = &self->pairs[a * 4];
        int every = self->runs != Py_None && a >= '0' && a <= '9';
        for (Py_ssize_t k = 0; marks != NULL && a >= 128 && k < marks->wide_count; k++) {
            Py_ssize_t s = marks->wide[k];
            every |= class_has(&marks->classes[marks->starts[s]], a);
        }
        int marked = 0;
        for (Py_ssize_t k = 0; marks != NULL && a >= 128 && k < marks->wide_count; k++) {
            Py_ssize_t s = marks->wide[k];
            marked |= class_has(&marks->classes[marks->starts[s]], a);
        }
        for (Py_UCS4 b = 0; b < 256; b++) {
            int starts = marks != NULL && a < 128 && class_has(&marks->second[a], b);
            marked |= starts;
            if (every || starts) {
                bits[b >> 6] |= (uint64_t)1 << (b & 63);
            }
        }
        self->starts_mark[a] = (uint8_t)marked;
    }
}

/* A set of characters below 256 as the halves it allows: bit l of `low` for a low half
 * (four bits) l, bit h of `high` for a high half h. It holds every character made of
 * an allowed low half and an allowed high half, so it may hold more than was put in. */
typedef struct {
    uint16_t low, high;
} Halves;

/* The smallest `Halves` holding the characters of a 256-bit bitmap. */
static Halves
halves_of(const uint64_t *bits)
{
    Halves halves = {0, 0};
    for (int c = 0; c < 256; c++) {
        if ((bits[c >> 6] >> (c & 63)) & 1) {
            halves.low |= (uint16_t)(1u << (c & 15));
            halves.high |= (uint16_t)(1u << (c >> 4));
        }
    }
    return halves;
}

/* How often each character occurs in the texts of traces, roughly: the weights of the
 * characters with a given high half and a low half in a given set of 8, by that set
 * (`weights[high][0][set of low halves 0-7]`, `[1]` for 8-15). Filled at import. */
static int32_t weights[16][2][256];

/* How often each lower-case letter occurs in English text, per mille. Letters are
 * told apart: `e` or `r` in a group of the pair filter lets through many more places
 * than `x` or `q`. */
static const int32_t letter_weights[26] = {
    82, 15, 28, 43, 127, 22, 20, 61, 70, 2, 8, 40, 24, /* a-m */
    67, 75, 19, 1, 60, 63, 91, 28, 10, 24, 2, 20, 1,   /* n-z */
};

static void
set_weights(void)
{
    memset(weights, 0, sizeof weights);
    for (int c = 0; c < 256; c++) {
        /* A space is as common as the commonest letters together; a capital a tenth of
         * its letter; digits and punctuation a few times less than a letter. */
        int32_t weight = c == ' '                ? 180
                         : c >= 'a' && c <= 'z' ? letter_weights[c - 'a']
                         : c >= 'A' && c <= 'Z' ? (letter_weights[c - 'A'] + 9) / 10
                         : c >= '0' && c <= '9' ? 5
                         : c > ' ' && c < 127   ? 4
                                                : 1;
        int high = c >> 4, low = c & 15;
        for (int set = 0; set < 256; set++) {
            weights[high][low >> 3][set] += (set >> (low & 7)) & 1 ? weight : 0;
        }
    }
}

/* How often the characters of `halves` occur, roughly. */
static int64_t
halves_weight(Halves halves)
{
    int64_t weight = 0;
    for (int high = 0; high < 16; high++) {
        if ((halves.high >> high) & 1) {
            weight += weights[high][0][halves.low & 0xff] + weights[high][1][halves.low >> 8];
        }
    }
    return weight;
}

/* Places the pair filter lets through: a character of `first` followed by one of
 * `second`, then one of `third` and one of `fourth`; `cost`, how often such places
 * occur in text, roughly (the product of the four characters' weights). */
typedef struct {
    Halves first, second, third, fourth;
    int64_t cost;
} PairGroup;

static PairGroup
pair_group(Halves first, Halves second, Halves third, Halves fourth)
{
    PairGroup group = {first, second, third, fourth,
                       halves_weight(first) * halves_weight(second) * halves_weight(third) *
                           halves_weight(fourth)};
    return group;
}

static Halves
halves_union(Halves a, Halves b)
{
    return (Halves){a.low | b.low, a.high | b.high};
}

static PairGroup
merged_group(const PairGroup *a, const PairGroup *b)
{
    return pair_group(halves_union(a->first, b->first), halves_union(a->second, b->second),
                      halves_union(a->third, b->third), halves_union(a->fourth, b->fourth));
}

/* What merging groups `a` and `b` adds to the places let through. */
static int64_t
merge_cost(const PairGroup *a, const PairGroup *b)
{
    return merged_group(a, b).cost - a->cost - b->cost;
}

#define PAIR_GROUPS 8
/* The most groups the pair filter starts from (one per distinct shape). */
#define START_GROUPS 256

/* The characters below 256 of a class, as `Halves`. */
static Halves
class_halves(const CharClass *cls)
{
    uint64_t bits[4] = {0, 0, 0, 0};
    for (Py_UCS4 c = 0; c < 256; c++) {
        if (class_has(cls, c)) {
            bits[c >> 6] |= (uint64_t)1 << (c & 63);
        }
    }
    return halves_of(bits);
}

/* The characters below 256 that may stand `place` (2 or 3) characters after a mark
 * starting with `a`, as `Halves`: every one where no shape's class is known there. */
static Halves
later_halves(const ShapesObject *marks, int a, int place)
{
    Halves every = {0xffff, 0xffff};
    if (marks == NULL || a >= 128) {
        return every;
    }
    return class_halves(place == 2 ? &marks->third[a] : &marks->fourth[a]);
}

static int
same_halves(Halves a, Halves b)
{
    return a.low == b.low && a.high == b.high;
}

static int
same_group(const PairGroup *a, const PairGroup *b)
{
    return same_halves(a->first, b->first) && same_halves(a->second, b->second) &&
           same_halves(a->third, b->third) && same_halves(a->fourth, b->fourth);
}

/* The pair filter's groups to start from, one per shape (the same ones once): its
 * first four classes, as `Halves` (every character past its end). A shape that cannot
 * occur in a one-byte text (a class there holds no character below 256) needs none.
 * The count, or -1 when there are more than `START_GROUPS`. */
static int
shape_groups(const ShapesObject *marks, PairGroup *groups)
{
    int count = 0;
    for (Py_ssize_t s = 0; marks != NULL && s < marks->count; s++) {
        const CharClass *classes = marks->classes + marks->starts[s];
        Halves places[4];
        int possible = 1;
        for (int place = 0; place < 4; place++) {
            places[place] = place < marks->lengths[s] ? class_halves(&classes[place])
                                                      : (Halves){0xffff, 0xffff};
            possible &= places[place].low != 0;
        }
        PairGroup group = pair_group(places[0], places[1], places[2], places[3]);
        for (int g = 0; g < count && possible; g++) {
            possible = !same_group(&groups[g], &group);
        }
        if (!possible) {
            continue;
        }
        if (count == START_GROUPS) {
            return -1;
        }
        groups[count++] = group;
    }
    return count;
}

/* The pair filter: the places where a mark may start, covered by at most 8 groups,
 * each a set of first characters, of second ones, of third ones and of fourth ones,
 * all as `Halves`, so that two table lookups per character tell a place's groups
 * (SSSE3's byte shuffle). The groups start as one per shape (`shape_groups`; with too
 * many shapes, one per first character: the pairs the bitmap lets through, then the
 * characters its marks allow third and fourth, `later_halves`) and are merged, the
 * cheapest merge first, until 8 are left. All four characters count in a group's cost
 * and a group starts with one shape, not with all those of its first character: a
 * mark of two characters (`yJ`, `f_`) lets any third character through, and with a
 * longer mark of the same first character (`ye\d\d`) in its group, most words
 * starting with that pair. The filter lets through more places than the marks start
 * at, never fewer; the bitmap and the marks' classes then decide each place it lets
 * through. 0, or -1 on an error. */
static int
set_pair_filter(PassesObject *self, const ShapesObject *marks)
{
    PairGroup groups[START_GROUPS];
    int count = shape_groups(marks, groups);
    if (count < 0) {
        count = 0;
        for (int a = 0; a < 256; a++) {
            const uint64_t *bits = &self->pairs[a * 4];
            if (self->starts_mark[a] && (bits[0] | bits[1] | bits[2] | bits[3]) != 0) {
                Halves first = {(uint16_t)(1u << (a & 15)), (uint16_t)(1u << (a >> 4))};
                groups[count++] = pair_group(first, halves_of(bits), later_halves(marks, a, 2),
                                             later_halves(marks, a, 3));
            }
        }
    }
    int left = count;
    uint8_t merged[256] = {0};
    int64_t *costs = NULL; /* costs[a * count + b], a < b: `merge_cost` of a and b */
    if (count > PAIR_GROUPS) {
        costs = PyMem_Malloc(sizeof(int64_t) * (size_t)count * (size_t)count);
        if (costs == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (int a = 0; a < count; a++) {
            for (int b = a + 1; b < count; b++) {
                costs[a * count + b] = merge_cost(&groups[a], &groups[b]);
            }
        }
    }
    for (; left > PAIR_GROUPS; left--) {
        int best_a = -1, best_b = -1;
        for (int a = 0; a < count; a++) {
            for (int b = a + 1; b < count && !merged[a]; b++) {
                if (!merged[b] &&
                    (best_a < 0 || costs[a * count + b] < costs[best_a * count + best_b])) {
                    best_a = a;
                    best_b = b;
                }
            }
        }
        groups[best_a] = merged_group(&groups[best_a], &groups[best_b]);
        merged[best_b] = 1;
        for (int c = 0; c < count; c++) {
            if (c != best_a && !merged[c]) {
                int low = c < best_a ? c : best_a, high = c < best_a ? best_a : c;
                costs[low * count + high] = merge_cost(&groups[low], &groups[high]);
            }
        }
    }
    PyMem_Free(costs);
    memset(self->pair_filter, 0, sizeof self->pair_filter);
    uint8_t bit = 1;
    for (int g = 0; g < count; g++) {
        if (merged[g]) {
            continue;
        }
        const Halves *halves[4] = {&groups[g].first, &groups[g].second, &groups[g].third,
                                   &groups[g].fourth};
        for (int place = 0; place < 4; place++) {
            for (int half = 0; half < 16; half++) {
                self->pair_filter[2 * place][half] |= (halves[place]->low >> half) & 1 ? bit : 0;
                self->pair_filter[2 * place + 1][half] |=
                    (halves[place]->high >> half) & 1 ? bit : 0;
            }
        }
        bit = (uint8_t)(bit << 1);
    }
    return 0;
}

static PyObject *
Passes_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"marks", "runs", NULL};
    PyObject *marks, *runs;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO:Passes", keywords, &marks, &runs)) {
        return NULL;
    }
    if (marks != Py_None && !PyObject_TypeCheck(marks, &ShapesType)) {
        PyErr_SetString(PyExc_TypeError, "marks must be a Shapes object or None");
        return NULL;
    }
    if (runs != Py_None && !PyObject_TypeCheck(runs, &RunLookupType)) {
        PyErr_SetString(PyExc_TypeError, "runs must be a RunLookup or None");
        return NULL;
    }
    PassesObject *self = (PassesObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->marks = Py_NewRef(marks);
    self->runs = Py_NewRef(runs);
    set_pairs(self, marks == Py_None ? NULL : (const ShapesObject *)marks);
    if (set_pair_filter(self, marks == Py_None ? NULL : (const ShapesObject *)marks) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* One place of both passes: a mark found at `data[i]` is recorded in `found`, a numeric
 * run starting there that the cache does not know in `visit` (see `run_passes`). 0, or
 * -1 on an error. Most places are passed over after one lookup in the bitmap of pairs. */
#define DEFINE_PASS_AT(NAME, CHAR, SHAPE_AT, RUN_AT)                                       \
    static inline int NAME(const PassesObject *self, const CHAR *data, Py_ssize_t n,      \
                           Py_ssize_t i, Py_ssize_t *found, Py_ssize_t *resume,           \
                           RunVisit *visit)                                               \
    {                                                                                     \
        Py_UCS4 ch = data[i], next = i + 1 < n ? data[i + 1] : 0;                         \
        Py_ssize_t start, end;                                                            \
        if (ch < 256 && next < 256 &&                                                     \
            !((self->pairs[ch * 4 + (next >> 6)] >> (next & 63)) & 1)) {                  \
            return 0;                                                                     \
        }                                                                                 \
        if (self->marks != Py_None && (ch >= 256 || self->starts_mark[ch])) {             \
            const ShapesObject *marks = (const ShapesObject *)self->marks;                \
            Py_ssize_t shape;                                                             \
            while ((shape = SHAPE_AT(marks, data, n, i, found)) >= 0) {                   \
                found[shape] = i + 1;                                                     \
            }                                                                             \
        }                                                                                 \
        if (visit->lookup != NULL && i >= *resume && IS_DIGIT(ch) &&                      \
            RUN_AT(data, n, i, visit->lookup->skip_inert, &start, &end, resume)) {        \
            return look_up_run(visit, start, end);                                        \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_PASS_AT(pass_at_ucs1, Py_UCS1, shape_at_ucs1, run_at_ucs1)
DEFINE_PASS_AT(pass_at_ucs2, Py_UCS2, shape_at_ucs2, run_at_ucs2)
DEFINE_PASS_AT(pass_at_ucs4, Py_UCS4, shape_at_ucs4, run_at_ucs4)

/* Both passes over a text at once, place by place. Records in `found` (one per shape,
 * zeroed) where each shape first occurs, plus one, and in `unknown` (a list, made at the
 * first) the runs the cache does not know to hold nothing. 0, or -1 on an error. */
#define DEFINE_PASSES(NAME, CHAR, PASS_AT)                                                 \
    static int NAME(const PassesObject *self, const Text *text, Py_ssize_t from,          \
                    Py_ssize_t *found, PyObject **unknown, Py_ssize_t *resume)            \
    {                                                                                     \
        const CHAR *data = text->data;                                                    \
        RunVisit visit = {(RunLookupObject *)(self->runs == Py_None ? NULL : self->runs),  \
                          text, unknown};                                                 \
        for (Py_ssize_t i = from; i < text->n; i++) {                                     \
            if (PASS_AT(self, data, text->n, i, found, resume, &visit) < 0) {             \
                return -1;                                                                \
            }                                                                             \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_PASSES(passes_ucs1, Py_UCS1, pass_at_ucs1)
DEFINE_PASSES(passes_ucs2, Py_UCS2, pass_at_ucs2)
DEFINE_PASSES(passes_ucs4, Py_UCS4, pass_at_ucs4)

#if PAIR_FILTER_SSSE3
/* Which of 16 one-byte characters are digits: 0xff at each, 0 elsewhere. Shifted by
 * 0x46, the digits alone are above 0x75 as signed bytes (0x76 to 0x7f): one
 * comparison. */
__attribute__((target("ssse3"))) static inline __m128i
digit_bytes(__m128i chars)
{
    return _mm_cmpgt_epi8(_mm_add_epi8(chars, _mm_set1_epi8(0x46)), _mm_set1_epi8(0x75));
}

/* Which of 16 one-byte characters are digits, as a mask. */
__attribute__((target("ssse3"))) static inline unsigned
digit_mask(__m128i chars)
{
    return (unsigned)_mm_movemask_epi8(digit_bytes(chars));
}

/* Which of 16 one-byte characters are separators (`IS_SEPARATOR`), as a mask. */
__attribute__((target("ssse3"))) static inline unsigned
separator_mask(__m128i chars)
{
    __m128i parentheses = _mm_or_si128(_mm_cmpeq_epi8(chars, _mm_set1_epi8('(')),
                                       _mm_cmpeq_epi8(chars, _mm_set1_epi8(')')));
    __m128i marks = _mm_or_si128(_mm_cmpeq_epi8(chars, _mm_set1_epi8('.')),
                                 _mm_cmpeq_epi8(chars, _mm_set1_epi8('-')));
    __m128i spaces = _mm_or_si128(_mm_cmpeq_epi8(chars, _mm_set1_epi8('/')),
                                  _mm_cmpeq_epi8(chars, _mm_set1_epi8(' ')));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(parentheses, marks), spaces));
}

/* Of the places of digits `d` (a mask, bit 0 the first place), with `s` the places of
 * separators, those where a digit may start a run of at least 7 characters (`run_at`):
 * a digit, five digits or separators after it, then a digit, or a separator followed
 * by one more of either (a run goes on past a separator to a digit). Every such run
 * starts at a place kept, if the masks hold the 7 characters after each place asked
 * about (past the text's end, neither digits nor separators); short numbers (`2.4.1`,
 * `$19.99`, an order number), most of prose's, are passed over in a few instructions
 * instead of a call each. */
static inline uint64_t
long_runs(uint64_t d, uint64_t s)
{
    uint64_t r = d | s;
    return d & r >> 1 & r >> 2 & r >> 3 & r >> 4 & r >> 5 & (d >> 6 | (s >> 6 & r >> 7));
}

/* Of the 16 places at `data` (32 characters readable there), those where a digit may
 * start a run of at least 7 characters (see `long_runs`). */
__attribute__((target("ssse3"))) static inline unsigned
long_run_places(const Py_UCS1 *data, __m128i block, unsigned digits)
{
    __m128i next = _mm_loadu_si128((const __m128i *)(data + 16));
    uint32_t d = digits | digit_mask(next) << 16;
    uint32_t s = separator_mask(block) | separator_mask(next) << 16;
    return (unsigned)long_runs(d, s) & 0xffffu;
}

/* The groups (bits) of the pair filter that allow each of 16 one-byte characters, from
 * a pair of its tables: by the low and by the high half of a character. */
__attribute__((target("ssse3"))) static inline __m128i
filter_groups(__m128i chars, __m128i low_table, __m128i high_table)
{
    const __m128i low = _mm_set1_epi8(0x0f);
    return _mm_and_si128(_mm_shuffle_epi8(low_table, _mm_and_si128(chars, low)),
                         _mm_shuffle_epi8(high_table, _mm_and_si128(_mm_srli_epi16(chars, 4), low)));
}

/* What the passes over a one-byte text in blocks carry from block to block. */
typedef struct {
    const PassesObject *self;
    const ShapesObject *marks; /* NULL for none */
    const Py_UCS1 *data;
    Py_ssize_t n;
    Py_ssize_t *found;
    Py_ssize_t resume;
    RunVisit visit;
    int digits_marked; /* whether a mark may start with a digit */
    uint32_t digit_before; /* whether the character before the block is a digit */
} BlockPasses;

static inline void
block_passes_init(BlockPasses *passes, const PassesObject *self, const Text *text,
                  Py_ssize_t *found, PyObject **unknown)
{
    passes->self = self;
    passes->marks = self->marks == Py_None ? NULL : (const ShapesObject *)self->marks;
    passes->data = text->data;
    passes->n = text->n;
    passes->found = found;
    passes->resume = 0;
    passes->visit = (RunVisit){
        (RunLookupObject *)(self->runs == Py_None ? NULL : self->runs), text, unknown};
    /* Digits are looked at as marks only if a mark may start with one. */
    passes->digits_marked = 0;
    for (int digit = '0'; digit <= '9'; digit++) {
        passes->digits_marked |= self->starts_mark[digit];
    }
    passes->digit_before = 0;
}

/* The runs starting at the places of `starts` (a mask, bit 0 at `i`), each a digit that
 * does not follow one: those not in a run before are looked up. 0, or -1 on an error. */
static inline int
block_runs(BlockPasses *passes, Py_ssize_t i, uint32_t starts)
{
    Py_ssize_t start, end;
    while (starts != 0) {
        Py_ssize_t place = i + __builtin_ctz(starts);
        starts &= starts - 1;
        if (place >= passes->resume &&
            run_at_ucs1(passes->data, passes->n, place, passes->visit.lookup->skip_inert, &start,
                        &end, &passes->resume) &&
            look_up_run(&passes->visit, start, end) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The marks starting at the places of `candidates` (a mask, bit 0 at `i`), which the
 * pair filter let through: each is looked at one by one. */
static inline void
block_marks(const BlockPasses *passes, Py_ssize_t i, uint32_t candidates)
{
    const PassesObject *self = passes->self;
    const ShapesObject *marks = passes->marks;
    const Py_UCS1 *data = passes->data;
    Py_ssize_t n = passes->n, *found = passes->found;
    while (candidates != 0) {
        Py_ssize_t place = i + __builtin_ctz(candidates), shape;
        candidates &= candidates - 1;
        Py_UCS1 ch = data[place], next = data[place + 1];
        if (!self->starts_mark[ch] || !((self->pairs[ch * 4 + (next >> 6)] >> (next & 63)) & 1)) {
            continue;
        }
        /* The third, fourth and last characters, as `shape_at` checks them first (at
         * most places, the last check), without a call. */
        Py_ssize_t last = ch < 128 ? marks->last_place[ch] : 0;
        if (ch < 128 && ((place + 2 < n && !class_has(&marks->third[ch], data[place + 2])) ||
                         (place + 3 < n && !class_has(&marks->fourth[ch], data[place + 3])) ||
                         (last != 0 && (last >= n - place ||
                                        !class_has(&marks->last[ch], data[place + last]))))) {
            continue;
        }
        while ((shape = shape_at_ucs1(marks, data, n, place, found)) >= 0) {
            found[shape] = place + 1;
        }
    }
}

/* The 16 places of a one-byte text at `i` (19 characters readable there), with the
 * pair filter's tables in `tables`: the pair filter (see `set_pair_filter`) tells in a
 * few instructions the places where a mark may start, and a comparison the digits;
 * only those places are looked at one by one. A run can only start at a digit that
 * does not follow one (the run of the digit before holds it), and a mark only where
 * the filter lets a place through. 0, or -1 on an error. */
__attribute__((target("ssse3"), always_inline)) static inline int
block16(BlockPasses *passes, Py_ssize_t i, const __m128i *tables)
{
    const Py_UCS1 *data = passes->data + i;
    __m128i a = _mm_loadu_si128((const __m128i *)data);
    unsigned digits = digit_mask(a);
    if (passes->visit.lookup != NULL) {
        unsigned starts = digits & ~(digits << 1 | passes->digit_before) & 0xffffu;
        if (starts != 0 && i + 32 <= passes->n) {
            starts &= long_run_places(data, a, digits);
        }
        if (block_runs(passes, i, starts) < 0) {
            return -1;
        }
    }
    passes->digit_before = digits >> 15;
    if (passes->marks == NULL) {
        return 0;
    }
    __m128i b = _mm_loadu_si128((const __m128i *)(data + 1));
    __m128i c = _mm_loadu_si128((const __m128i *)(data + 2));
    __m128i d = _mm_loadu_si128((const __m128i *)(data + 3));
    __m128i groups = _mm_and_si128(_mm_and_si128(filter_groups(a, tables[0], tables[1]),
                                                 filter_groups(b, tables[2], tables[3])),
                                   _mm_and_si128(filter_groups(c, tables[4], tables[5]),
                                                 filter_groups(d, tables[6], tables[7])));
    unsigned mask = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(groups, _mm_setzero_si128())) &
                    (passes->digits_marked ? 0xffffu : ~digits & 0xffffu);
    block_marks(passes, i, mask);
    return 0;
}

/* The passes over a one-byte text, 16 places at a time (`block16`); the places of
 * the last three characters one by one. */
__attribute__((target("ssse3"))) static int
passes_ucs1_ssse3(const PassesObject *self, const Text *text, Py_ssize_t *found,
                  PyObject **unknown)
{
    BlockPasses passes;
    block_passes_init(&passes, self, text, found, unknown);
    __m128i tables[8];
    for (int t = 0; t < 8; t++) {
        tables[t] = _mm_loadu_si128((const __m128i *)self->pair_filter[t]);
    }
    Py_ssize_t i = 0;
    /* Each block also reads the three characters after it: the last block here ends
     * before the text's last three, and the places left are looked at one by one. */
    for (; i + 19 <= passes.n; i += 16) {
        if (block16(&passes, i, tables) < 0) {
            return -1;
        }
    }
    return passes_ucs1(self, text, i, found, unknown, &passes.resume);
}

/* `digit_bytes`, `digit_mask`, `separator_mask` and `filter_groups` for 32 characters
 * (AVX2). */
__attribute__((target("avx2"))) static inline __m256i
digit_bytes32(__m256i chars)
{
    return _mm256_cmpgt_epi8(_mm256_add_epi8(chars, _mm256_set1_epi8(0x46)),
                             _mm256_set1_epi8(0x75));
}

__attribute__((target("avx2"))) static inline uint32_t
digit_mask32(__m256i chars)
{
    return (uint32_t)_mm256_movemask_epi8(digit_bytes32(chars));
}

__attribute__((target("avx2"))) static inline uint32_t
separator_mask32(__m256i chars)
{
    __m256i parentheses = _mm256_or_si256(_mm256_cmpeq_epi8(chars, _mm256_set1_epi8('(')),
                                          _mm256_cmpeq_epi8(chars, _mm256_set1_epi8(')')));
    __m256i marks = _mm256_or_si256(_mm256_cmpeq_epi8(chars, _mm256_set1_epi8('.')),
                                    _mm256_cmpeq_epi8(chars, _mm256_set1_epi8('-')));
    __m256i spaces = _mm256_or_si256(_mm256_cmpeq_epi8(chars, _mm256_set1_epi8('/')),
                                     _mm256_cmpeq_epi8(chars, _mm256_set1_epi8(' ')));
    return (uint32_t)_mm256_movemask_epi8(
        _mm256_or_si256(_mm256_or_si256(parentheses, marks), spaces));
}

/* The tables hold 16 bytes, in both 128-bit lanes (the byte shuffle looks up in each). */
__attribute__((target("avx2"))) static inline __m256i
filter_groups32(__m256i chars, __m256i low_table, __m256i high_table)
{
    const __m256i low = _mm256_set1_epi8(0x0f);
    return _mm256_and_si256(
        _mm256_shuffle_epi8(low_table, _mm256_and_si256(chars, low)),
        _mm256_shuffle_epi8(high_table, _mm256_and_si256(_mm256_srli_epi16(chars, 4), low)));
}

/* `passes_ucs1_ssse3` 32 places at a time (AVX2), with the same results; the places
 * left (fewer than 35 characters) 16 at a time (`block16`), then one by one. */
__attribute__((target("avx2"))) static int
passes_ucs1_avx2(const PassesObject *self, const Text *text, Py_ssize_t *found,
                 PyObject **unknown)
{
    BlockPasses passes;
    block_passes_init(&passes, self, text, found, unknown);
    const Py_UCS1 *data = passes.data;
    Py_ssize_t n = passes.n, i = 0;
    __m128i tables[8];
    __m256i wide[8];
    for (int t = 0; t < 8; t++) {
        tables[t] = _mm_loadu_si128((const __m128i *)self->pair_filter[t]);
        wide[t] = _mm256_broadcastsi128_si256(tables[t]);
    }
    /* Each block also reads the three characters after it. */
    for (; i + 35 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(data + i));
        uint32_t digits = digit_mask32(a);
        if (passes.visit.lookup != NULL) {
            uint32_t starts = digits & ~(digits << 1 | passes.digit_before);
            if (starts != 0) {
                /* The 32 characters after the block, as far as the text goes: near its
                 * end, its last 32, shifted (32 are there: the block's 35). */
                int shift = i + 64 <= n ? 0 : (int)(i + 64 - n);
                __m256i next = _mm256_loadu_si256((const __m256i *)(data + i + 32 - shift));
                uint64_t d = digits | (uint64_t)(digit_mask32(next) >> shift) << 32;
                uint64_t s = separator_mask32(a) | (uint64_t)(separator_mask32(next) >> shift)
                                                       << 32;
                starts &= (uint32_t)long_runs(d, s);
            }
            if (block_runs(&passes, i, starts) < 0) {
                return -1;
            }
        }
        passes.digit_before = digits >> 31;
        if (passes.marks == NULL) {
            continue;
        }
        __m256i b = _mm256_loadu_si256((const __m256i *)(data + i + 1));
        __m256i c = _mm256_loadu_si256((const __m256i *)(data + i + 2));
        __m256i d = _mm256_loadu_si256((const __m256i *)(data + i + 3));
        __m256i groups = _mm256_and_si256(
            _mm256_and_si256(filter_groups32(a, wide[0], wide[1]),
                             filter_groups32(b, wide[2], wide[3])),
            _mm256_and_si256(filter_groups32(c, wide[4], wide[5]),
                             filter_groups32(d, wide[6], wide[7])));
        uint32_t mask =
            ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(groups, _mm256_setzero_si256())) &
            (passes.digits_marked ? ~0u : ~digits);
        block_marks(&passes, i, mask);
    }
    for (; i + 19 <= n; i += 16) {
        if (block16(&passes, i, tables) < 0) {
            return -1;
        }
    }
    return passes_ucs1(self, text, i, found, unknown, &passes.resume);
}
#endif

/* The vector instructions the passes over one-byte texts (and `json_marks`) use:
 * `SIMD_AVX2` where the CPU has them, else `SIMD_SSSE3`, else none (`SIMD_NONE`);
 * `simd()` sets fewer. */
enum { SIMD_NONE, SIMD_SSSE3, SIMD_AVX2 };
static int simd_available = SIMD_NONE, simd_used = SIMD_NONE;
static const char *const simd_names[] = {"none", "ssse3", "avx2"};

static int
run_passes(const PassesObject *self, const Text *text, Py_ssize_t *found, PyObject **unknown)
{
    Py_ssize_t resume = 0;
    switch (text->kind) {
    case PyUnicode_1BYTE_KIND:
#if PAIR_FILTER_SSSE3
        if (simd_used == SIMD_AVX2) {
            return passes_ucs1_avx2(self, text, found, unknown);
        }
        if (simd_used == SIMD_SSSE3) {
            return passes_ucs1_ssse3(self, text, found, unknown);
        }
#endif
        return passes_ucs1(self, text, 0, found, unknown, &resume);
    case PyUnicode_2BYTE_KIND:
        return passes_ucs2(self, text, 0, found, unknown, &resume);
    default:
        return passes_ucs4(self, text, 0, found, unknown, &resume);
    }
}

PyDoc_STRVAR(Passes_run_doc,
             "run(text, /)\n--\n\n"
             "`(marks, runs)` of `text`, in one pass: `(index, position)` where each mark\n"
             "first occurs, by index; `(start, end, key, findings)` for each numeric run the\n"
             "cache does not know to hold nothing (its cached findings, or None). A list is\n"
             "empty where its side is None.");

/* `(marks found, unknown runs)` as `Passes.run` gives them, from `found` (see
 * `run_passes`) and `unknown` (a list, or NULL for none). */
static PyObject *
passes_result(const PassesObject *self, const Py_ssize_t *found, PyObject *unknown)
{
    Py_ssize_t count = self->marks == Py_None ? 0 : ((ShapesObject *)self->marks)->count;
    PyObject *marked = PyList_New(0);
    PyObject *runs = unknown != NULL ? Py_NewRef(unknown) : PyList_New(0);
    PyObject *result = NULL;
    if (marked == NULL || runs == NULL) {
        goto done;
    }
    for (Py_ssize_t s = 0; s < count; s++) {
        if (found[s]) {
            PyObject *hit = Py_BuildValue("(nn)", s, found[s] - 1);
            if (hit == NULL || PyList_Append(marked, hit) < 0) {
                Py_XDECREF(hit);
                goto done;
            }
            Py_DECREF(hit);
        }
    }
    result = PyTuple_Pack(2, marked, runs);
done:
    Py_XDECREF(marked);
    Py_XDECREF(runs);
    return result;
}

/* Where each shape first occurs is kept on the stack for up to this many shapes (a
 * few hundred bytes to clear; allocating them cost more than a short text's pass). */
#define STACK_SHAPES 256

static Py_ssize_t
shape_count(const PassesObject *self)
{
    return self->marks == Py_None ? 0 : ((ShapesObject *)self->marks)->count;
}

static PyObject *
Passes_run(PassesObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "run() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Py_ssize_t count = shape_count(self), small[STACK_SHAPES];
    Py_ssize_t *found = count <= STACK_SHAPES ? small : PyMem_New(Py_ssize_t, count);
    if (found == NULL) {
        return PyErr_NoMemory();
    }
    memset(found, 0, count * sizeof(Py_ssize_t));
    PyObject *unknown = NULL, *result = NULL;
    Text scanned = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), NULL};
    if (run_passes(self, &scanned, found, &unknown) >= 0) {
        result = passes_result(self, found, unknown);
    }
    Py_XDECREF(unknown);
    if (found != small) {
        PyMem_Free(found);
    }
    return result;
}

static PyMethodDef Passes_methods[] = {
    {"run", (PyCFunction)Passes_run, METH_O, Passes_run_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Passes_doc,
             "Passes(marks, runs, /)\n--\n\n"
             "The scanner's passes over a text, in one: where the `marks` (a Shapes) first\n"
             "occur, and the numeric runs that `runs` (a RunLookup) does not know to hold\n"
             "nothing. Either may be None.");

static PyTypeObject PassesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.detectors._native.Passes",
    .tp_basicsize = sizeof(PassesObject),
    .tp_dealloc = (destructor)Passes_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = Passes_doc,
    .tp_traverse = (traverseproc)Passes_traverse,
    .tp_clear = (inquiry)Passes_clear,
    .tp_methods = Passes_methods,
    .tp_new = Passes_new,
};

/* ---- TextScreen: texts that an anonymizer certainly leaves as they are ----------- */

/* The cached verdicts on JSON keys are dropped when there are more than this many. */
/* Long texts the screen found clean, remembered by their characters: system prompts,
 * tool definitions and the earlier messages of a conversation come again in every
 * request, and screening them again costs a pass over all their characters. A text's
 * verdict depends only on its characters (the screen's options do not change), and a
 * remembered text is compared whole, so the slot a text lands in (by its length and
 * some of its characters) decides only whether it is found, never what is found.
 * Direct-mapped. A text is copied the second time it is found clean in a row of its
 * slot: most texts never come again, and copying them all would cost more than it
 * saves. The copies take at most `CLEAN_BYTES_LIMIT`, then all are forgotten. */
#define CLEAN_SLOTS 1024
#define CLEAN_MIN_LENGTH 256 /* shorter texts are screened about as fast as compared */
#define CLEAN_MAX_BYTES ((Py_ssize_t)1 << 20)
#define CLEAN_BYTES_LIMIT ((Py_ssize_t)16 << 20)

typedef struct {
    uint64_t hash;
    Py_ssize_t n;
    int kind;
    void *data;    /* a copy of the n * kind bytes, or NULL: an empty slot */
    uint64_t seen; /* the hash of the last text found clean here and not copied */
} CleanSlot;

#define KEY_CACHE_LIMIT 8192
/* Longer keys are not cached (`KeyClassifier` does not cache them either). */
#define CACHED_KEY_LENGTH 200

/* A direct-mapped cache of the verdicts on short keys of one-byte texts, by their
 * characters: the keys of JSON messages recur (`role`, `content`), and reading them this
 * way makes no str per key. */
#define KEY_SLOTS 128
#define SLOT_KEY_LENGTH 48

typedef struct {
    uint64_t hash;
    uint8_t length; /* 0: empty */
    uint8_t sensitive;
    Py_UCS1 characters[SLOT_KEY_LENGTH];
} KeySlot;

typedef struct {
    PyObject_HEAD
    PyObject *passes;     /* the scanner's Passes */
    PyObject *scan;       /* scan(text) -> findings */
    int always;           /* some detector has no marks: every text is scanned */
    PyObject *sensitive;  /* sensitive(key) -> bool, or None: keys are not checked */
    PyObject *verdicts;   /* dict: JSON key -> whether it is sensitive (a cache) */
    KeySlot key_slots[KEY_SLOTS]; /* the same for short one-byte keys, by their bytes */
    PyObject *needles;    /* tuple of str, or None: JSON text is never passed */
    int needles_marked;   /* each needle is also a mark of the passes */
    PyObject *unescape;
    PyObject *unescape_keeping_quotes;
    PyObject *clean_scalar; /* clean_scalar(int) -> bool */
    CleanSlot *clean_slots; /* long texts found clean (`CLEAN_SLOTS`), or NULL: none yet */
    Py_ssize_t clean_bytes; /* what their copies take */
} TextScreenObject;

/* A text `scan` found something in, and its findings: new references, or NULL. */
typedef struct {
    PyObject *text, *findings;
} Found;


static PyObject *
text_object(Text *text)
{
    if (text->object == NULL) {
        text->object = PyUnicode_FromKindAndData(text->kind, text->data, text->n);
    }
    return text->object;
}

static int
TextScreen_traverse(TextScreenObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->passes);
    Py_VISIT(self->scan);
    Py_VISIT(self->sensitive);
    Py_VISIT(self->verdicts);
    Py_VISIT(self->needles);
    Py_VISIT(self->unescape);
    Py_VISIT(self->unescape_keeping_quotes);
    Py_VISIT(self->clean_scalar);
    return 0;
}

static int
TextScreen_clear(TextScreenObject *self)
{
    Py_CLEAR(self->passes);
    Py_CLEAR(self->scan);
    Py_CLEAR(self->sensitive);
    Py_CLEAR(self->verdicts);
    Py_CLEAR(self->needles);
    Py_CLEAR(self->unescape);
    Py_CLEAR(self->unescape_keeping_quotes);
    Py_CLEAR(self->clean_scalar);
    return 0;
}

/* Forget the texts remembered clean. */
static void
forget_clean(TextScreenObject *self)
{
    if (self->clean_slots != NULL) {
        for (Py_ssize_t i = 0; i < CLEAN_SLOTS; i++) {
            PyMem_Free(self->clean_slots[i].data);
        }
        PyMem_Free(self->clean_slots);
        self->clean_slots = NULL;
    }
    self->clean_bytes = 0;
}

static void
TextScreen_dealloc(TextScreenObject *self)
{
    PyObject_GC_UnTrack(self);
    TextScreen_clear(self);
    forget_clean(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject TextScreenType;

static PyObject *
TextScreen_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"passes", "scan", "always", "sensitive", "needles",
                               "needles_marked", "unescape", "unescape_keeping_quotes",
                               "clean_scalar", NULL};
    PyObject *passes, *scan, *sensitive, *needles, *unescape, *keeping, *clean_scalar;
    int always, needles_marked;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "$O!OpOOpOOO:TextScreen", keywords,
                                     &PassesType, &passes, &scan, &always, &sensitive, &needles,
                                     &needles_marked, &unescape, &keeping, &clean_scalar)) {
        return NULL;
    }
    if (needles != Py_None && !PyTuple_Check(needles)) {
        PyErr_SetString(PyExc_TypeError, "needles must be a tuple of str or None");
        return NULL;
    }
    TextScreenObject *self = (TextScreenObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->verdicts = PyDict_New();
    if (self->verdicts == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->always = always;
    self->needles_marked = needles_marked;
    self->passes = Py_NewRef(passes);
    self->scan = Py_NewRef(scan);
    self->sensitive = Py_NewRef(sensitive);
    self->needles = Py_NewRef(needles);
    self->unescape = Py_NewRef(unescape);
    self->unescape_keeping_quotes = Py_NewRef(keeping);
    self->clean_scalar = Py_NewRef(clean_scalar);
    return (PyObject *)self;
}

/* 1 if scanning the text finds nothing, 0 if it finds something, -1 on an error;
 * `passes` (or NULL) is what the scanner's passes found in it, for `scan` to use.
 * What it finds is kept in `found`, if given. */
static int
scan_finds_nothing(TextScreenObject *self, Text *text, PyObject *passes, Found *found)
{
    PyObject *object = text_object(text);
    if (object == NULL) {
        return -1;
    }
    PyObject *findings = passes == NULL ? PyObject_CallOneArg(self->scan, object)
                                        : PyObject_CallFunctionObjArgs(self->scan, object,
                                                                       passes, NULL);
    if (findings == NULL) {
        return -1;
    }
    Py_ssize_t size = PyObject_Length(findings);
    if (size > 0 && found != NULL) {
        Py_XSETREF(found->text, Py_NewRef(object));
        Py_XSETREF(found->findings, findings);
    }
    else {
        Py_DECREF(findings);
    }
    return size < 0 ? -1 : size == 0;
}

/* Whether `run_passes` found any shape: `found` ORed whole, without stopping at the
 * first (a loop the compiler makes vector operations of; most texts have none). */
static int
any_found(const Py_ssize_t *found, Py_ssize_t count)
{
    Py_ssize_t any = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        any |= found[s];
    }
    return any != 0;
}

/* Whether the scanner certainly finds nothing in a text: 1 yes, 0 no, -1 error. Only
 * texts where a mark occurs, or a numeric run not known to hold nothing, are scanned,
 * and the scanner is handed what the passes found (it does not read the text again);
 * `hit` says whether there was any (or the text was scanned anyway); what the scanner
 * finds is kept in `kept`, if given. */
static int
finds_nothing(TextScreenObject *self, Text *text, int *hit, Found *kept)
{
    *hit = 1;
    if (self->always) {
        return scan_finds_nothing(self, text, NULL, kept);
    }
    const PassesObject *passes = (const PassesObject *)self->passes;
    Py_ssize_t count = shape_count(passes), small[STACK_SHAPES];
    Py_ssize_t *found = count <= STACK_SHAPES ? small : PyMem_New(Py_ssize_t, count);
    if (found == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(found, 0, count * sizeof(Py_ssize_t));
    PyObject *unknown = NULL;
    int result = run_passes(passes, text, found, &unknown);
    if (result >= 0) {
        *hit = unknown != NULL || any_found(found, count);
        result = 1;
        if (*hit) {
            PyObject *passed = passes_result(passes, found, unknown);
            result = passed == NULL ? -1 : scan_finds_nothing(self, text, passed, kept);
            Py_XDECREF(passed);
        }
    }
    Py_XDECREF(unknown);
    if (found != small) {
        PyMem_Free(found);
    }
    return result;
}

static int
looks_like_json(const Text *text)
{
    Py_ssize_t i = 0;
    while (i < text->n && Py_UNICODE_ISSPACE(PyUnicode_READ(text->kind, text->data, i))) {
        i++;
    }
    if (i == text->n) {
        return 0;
    }
    Py_UCS4 first = PyUnicode_READ(text->kind, text->data, i);
    return first == '{' || first == '[' || first == '"';
}

/* Whether the key `key` is sensitive (cached in `verdicts`): 1, 0, or -1 on an error. */
static int
verdict_of(TextScreenObject *self, PyObject *key)
{
    PyObject *cached = PyDict_GetItemWithError(self->verdicts, key);
    if (cached != NULL || PyErr_Occurred()) {
        return cached == NULL ? -1 : cached == Py_True;
    }
    PyObject *verdict = PyObject_CallOneArg(self->sensitive, key);
    int sensitive = verdict == NULL ? -1 : PyObject_IsTrue(verdict);
    Py_XDECREF(verdict);
    if (sensitive >= 0 && PyUnicode_GET_LENGTH(key) <= CACHED_KEY_LENGTH) {
        if (PyDict_GET_SIZE(self->verdicts) >= KEY_CACHE_LIMIT) {
            PyDict_Clear(self->verdicts);
        }
        if (PyDict_SetItem(self->verdicts, key, sensitive ? Py_True : Py_False) < 0) {
            return -1;
        }
    }
    return sensitive;
}

typedef struct {
    TextScreenObject *screen;
    const Text *text;
} KeyCheck;

/* A key visitor: 1 (stop) for a sensitive key. */
static int
check_key(void *context, Py_ssize_t start, Py_ssize_t end)
{
    const KeyCheck *check = context;
    TextScreenObject *self = check->screen;
    const Text *text = check->text;
    Py_ssize_t length = end - start;
    KeySlot *slot = NULL;
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    if (text->kind == PyUnicode_1BYTE_KIND && length > 0 && length <= SLOT_KEY_LENGTH) {
        const Py_UCS1 *characters = (const Py_UCS1 *)text->data + start;
        for (Py_ssize_t i = 0; i < length; i++) {
            hash = (hash ^ characters[i]) * 1099511628211ULL;
        }
        slot = &self->key_slots[hash % KEY_SLOTS];
        if (slot->length == length && slot->hash == hash &&
            memcmp(slot->characters, characters, (size_t)length) == 0) {
            return slot->sensitive;
        }
    }
    PyObject *key = PyUnicode_FromKindAndData(
        text->kind, (const char *)text->data + start * text->kind, length);
    if (key == NULL) {
        return -1;
    }
    int sensitive = verdict_of(self, key);
    Py_DECREF(key);
    if (sensitive >= 0 && slot != NULL) {
        slot->hash = hash;
        slot->length = (uint8_t)length;
        slot->sensitive = (uint8_t)sensitive;
        memcpy(slot->characters, (const Py_UCS1 *)text->data + start, (size_t)length);
    }
    return sensitive;
}

/* 1 if a JSON key of `text` is sensitive, 0 if none is, -1 on an error. */
static int
any_key_sensitive(TextScreenObject *self, const Text *text)
{
    KeyCheck check = {self, text};
    return visit_keys(text->kind, text->data, text->n, check_key, &check);
}

#define IS_JSON_SPACE(ch) ((ch) == ' ' || (ch) == '\t' || (ch) == '\n' || (ch) == '\r')

/* What `clean_scalar(number)` says: 1 clean, 0 not, -1 on an error (also for a NULL
 * `number`, its error set). Takes over `number`. */
static int
scalar_clean(TextScreenObject *self, PyObject *number)
{
    PyObject *verdict = number == NULL ? NULL : PyObject_CallOneArg(self->clean_scalar, number);
    Py_XDECREF(number);
    int clean = verdict == NULL ? -1 : PyObject_IsTrue(verdict);
    Py_XDECREF(verdict);
    return clean;
}

/* 1 if every integer that `PIIAnonymizer._integers_clean` reads in JSON text is clean:
 * those of `_JSON_INTEGER` (asked only where a comma touches a digit, see `json_marks`). */
static int
integers_clean(TextScreenObject *self, const Text *text)
{
    int kind = text->kind;
    const void *data = text->data;
    Py_ssize_t n = text->n;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch != '[' && ch != ',' && ch != ':') {
            continue;
        }
        Py_ssize_t j = i + 1;
        while (j < n && IS_JSON_SPACE(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        Py_ssize_t first = j;
        if (j < n && PyUnicode_READ(kind, data, j) == '-') {
            j++;
        }
        Py_ssize_t digits = j;
        while (j < n && IS_DIGIT(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        if (j - digits < 7) {
            continue;
        }
        Py_ssize_t k = j;
        while (k < n && IS_JSON_SPACE(PyUnicode_READ(kind, data, k))) {
            k++;
        }
        Py_UCS4 next = k < n ? PyUnicode_READ(kind, data, k) : 0;
        if (next != ',' && next != ']' && next != '}') {
            continue;
        }
        PyObject *digits_text =
            PyUnicode_FromKindAndData(kind, (const char *)data + first * kind, j - first);
        PyObject *number = digits_text == NULL ? NULL : PyLong_FromUnicodeObject(digits_text, 10);
        Py_XDECREF(digits_text);
        int clean = scalar_clean(self, number);
        if (clean <= 0) {
            return clean;
        }
        i = j - 1; /* the next match starts after this one */
    }
    return 1;
}

#define IS_ASCII_DIGIT(ch) ((ch) >= '0' && (ch) <= '9')

/* Where the match of `PIIAnonymizer._JSON_DOUBLE` that starts at `i` (where a run of
 * digits starts) ends, or -1: digits, an optional fraction and an `E` exponent; or
 * seven digits or more and a fraction. */
static Py_ssize_t
double_end(const Text *text, Py_ssize_t i)
{
    Py_ssize_t n = text->n, j = i;
    while (j < n && IS_ASCII_DIGIT(TEXT_AT(text, j))) {
        j++;
    }
    Py_ssize_t fraction = j;
    if (j + 1 < n && TEXT_AT(text, j) == '.' && IS_ASCII_DIGIT(TEXT_AT(text, j + 1))) {
        for (fraction = j + 1; fraction < n && IS_ASCII_DIGIT(TEXT_AT(text, fraction));
             fraction++) {
        }
    }
    Py_ssize_t e = fraction + 1;
    if (e < n && TEXT_AT(text, fraction) == 'E' &&
        (TEXT_AT(text, e) == '+' || TEXT_AT(text, e) == '-')) {
        e++;
    }
    if (e < n && TEXT_AT(text, fraction) == 'E' && IS_ASCII_DIGIT(TEXT_AT(text, e))) {
        for (; e < n && IS_ASCII_DIGIT(TEXT_AT(text, e)); e++) {
        }
        return e;
    }
    return j - i >= 7 && fraction > j ? fraction : -1;
}

/* Whether the seven characters before `i` (7 or more) of a one-byte text are ASCII
 * digits. */
static inline int
seven_digits_before(const Py_UCS1 *data, Py_ssize_t i)
{
    Py_ssize_t digits = 0;
    while (digits < 7 && IS_ASCII_DIGIT(data[i - 1 - digits])) {
        digits++;
    }
    return digits == 7;
}

/* Whether one-byte text may hold a match of `_JSON_DOUBLE`: a point after seven
 * digits, or an `E` after a digit (found with memchr: most JSON text has neither). */
static int
may_hold_double(const Text *text)
{
    const Py_UCS1 *data = text->data;
    for (Py_ssize_t i = find_in(text, '.', 7); i >= 0; i = find_in(text, '.', i + 1)) {
        if (seven_digits_before(data, i)) {
            return 1;
        }
    }
    for (Py_ssize_t i = find_in(text, 'E', 1); i >= 0; i = find_in(text, 'E', i + 1)) {
        if (IS_ASCII_DIGIT(data[i - 1])) {
            return 1;
        }
    }
    return 0;
}

/* 1 if every double that `PIIAnonymizer._doubles_clean` reads in JSON text is clean:
 * the matches of `_JSON_DOUBLE`, each asked of `clean_scalar` as a float. */
static int
doubles_clean(TextScreenObject *self, const Text *text)
{
    for (Py_ssize_t i = 0; i < text->n; i++) {
        if (!IS_ASCII_DIGIT(TEXT_AT(text, i)) || (i > 0 && IS_ASCII_DIGIT(TEXT_AT(text, i - 1)))) {
            continue;
        }
        Py_ssize_t end = double_end(text, i);
        if (end < 0) {
            continue;
        }
        PyObject *token =
            PyUnicode_FromKindAndData(text->kind, (const char *)text->data + i * text->kind,
                                      end - i);
        PyObject *number = token == NULL ? NULL : PyFloat_FromString(token);
        Py_XDECREF(token);
        int clean = scalar_clean(self, number);
        if (clean <= 0) {
            return clean;
        }
        i = end - 1;
    }
    return 1;
}

/* What `json_how` looks for in JSON text before anything slower, as bits: a backslash;
 * a comma before a digit (`_COMMA_DIGIT`: only then may `integers_clean` find an
 * integer unclean); what a match of `_JSON_DOUBLE` needs (see `may_hold_double`). */
enum { JSON_ESCAPED = 1, JSON_COMMA_DIGIT = 2, JSON_MAY_DOUBLE = 4, JSON_MARKS = 7 };

#if PAIR_FILTER_SSSE3
/* How many characters past a block of places `json_marks` reads: a digit seven
 * places before a point is told from the block of the digit (in prose, a digit right
 * before a point is common, `2.4.1`, `$19.99`; seven places before one, rare). */
#define JSON_BLOCK_AHEAD 7

/* The marks (`json_marks`) of a block of a one-byte text at `i`, from masks of its
 * places (bit 0 at `i`): backslashes, digits after a comma, digits before an `E`, and
 * digits seven places before a point (it needs the six between digits too). */
static inline int
json_block_marks(const Py_UCS1 *data, Py_ssize_t i, uint32_t backslashes,
                 uint32_t comma_digits, uint32_t digit_es, uint32_t digit_points)
{
    int marks = (backslashes != 0 ? JSON_ESCAPED : 0) |
                (comma_digits != 0 ? JSON_COMMA_DIGIT : 0) |
                (digit_es != 0 ? JSON_MAY_DOUBLE : 0);
    for (; digit_points != 0 && !(marks & JSON_MAY_DOUBLE); digit_points &= digit_points - 1) {
        if (seven_digits_before(data, i + __builtin_ctz(digit_points) + JSON_BLOCK_AHEAD)) {
            marks |= JSON_MAY_DOUBLE;
        }
    }
    return marks;
}

/* The marks of the 16 places of a one-byte text at `i`, read at `at` with the
 * character before them and `JSON_BLOCK_AHEAD` after: the text's, or its last ones
 * followed by zeros (which match nothing). Each place is asked whether it is a
 * backslash, or a digit after a comma, before an `E` or seven places before a point:
 * most blocks hold none, told in one test; the others are looked at closer. */
__attribute__((target("ssse3"), always_inline)) static inline int
json_block16(const Py_UCS1 *data, Py_ssize_t i, const Py_UCS1 *at)
{
    __m128i a = _mm_loadu_si128((const __m128i *)at);
    __m128i digits = digit_bytes(a);
    __m128i commas = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(at - 1)), _mm_set1_epi8(','));
    __m128i es = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(at + 1)), _mm_set1_epi8('E'));
    __m128i points = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(at + JSON_BLOCK_AHEAD)),
                                    _mm_set1_epi8('.'));
    __m128i backslashes = _mm_cmpeq_epi8(a, _mm_set1_epi8('\\'));
    __m128i any = _mm_or_si128(
        backslashes, _mm_and_si128(digits, _mm_or_si128(commas, _mm_or_si128(es, points))));
    if (_mm_movemask_epi8(any) == 0) {
        return 0;
    }
    return json_block_marks(data, i, (uint32_t)_mm_movemask_epi8(backslashes),
                            (uint32_t)_mm_movemask_epi8(_mm_and_si128(digits, commas)),
                            (uint32_t)_mm_movemask_epi8(_mm_and_si128(digits, es)),
                            (uint32_t)_mm_movemask_epi8(_mm_and_si128(digits, points)));
}

/* `json_marks` of a one-byte text, 16 places at a time from the second (see
 * `json_marks`); the last ones (fewer than 16 + `JSON_BLOCK_AHEAD`) copied, padded. */
__attribute__((target("ssse3"))) static int
json_marks_ssse3(const Py_UCS1 *data, Py_ssize_t n)
{
    int marks = 0;
    Py_ssize_t i = 1;
    for (; i + 16 + JSON_BLOCK_AHEAD <= n && marks != JSON_MARKS; i += 16) {
        marks |= json_block16(data, i, data + i);
    }
    if (i < n && marks != JSON_MARKS) {
        Py_UCS1 last[1 + 2 * 16 + JSON_BLOCK_AHEAD] = {0};
        memcpy(last, data + i - 1, n - i + 1);
        for (Py_ssize_t j = 0; i + j < n; j += 16) {
            marks |= json_block16(data, i + j, last + 1 + j);
        }
    }
    return marks;
}

/* `json_block16` for 32 places (AVX2). */
__attribute__((target("avx2"), always_inline)) static inline int
json_block32(const Py_UCS1 *data, Py_ssize_t i, const Py_UCS1 *at)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)at);
    __m256i digits = digit_bytes32(a);
    __m256i commas =
        _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(at - 1)), _mm256_set1_epi8(','));
    __m256i es =
        _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(at + 1)), _mm256_set1_epi8('E'));
    __m256i points = _mm256_cmpeq_epi8(
        _mm256_loadu_si256((const __m256i *)(at + JSON_BLOCK_AHEAD)), _mm256_set1_epi8('.'));
    __m256i backslashes = _mm256_cmpeq_epi8(a, _mm256_set1_epi8('\\'));
    __m256i any = _mm256_or_si256(
        backslashes,
        _mm256_and_si256(digits, _mm256_or_si256(commas, _mm256_or_si256(es, points))));
    if (_mm256_movemask_epi8(any) == 0) {
        return 0;
    }
    return json_block_marks(data, i, (uint32_t)_mm256_movemask_epi8(backslashes),
                            (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(digits, commas)),
                            (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(digits, es)),
                            (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(digits, points)));
}

/* `json_marks_ssse3` 32 places at a time (AVX2). */
__attribute__((target("avx2"))) static int
json_marks_avx2(const Py_UCS1 *data, Py_ssize_t n)
{
    int marks = 0;
    Py_ssize_t i = 1;
    for (; i + 32 + JSON_BLOCK_AHEAD <= n && marks != JSON_MARKS; i += 32) {
        marks |= json_block32(data, i, data + i);
    }
    if (i < n && marks != JSON_MARKS) {
        Py_UCS1 last[1 + 2 * 32 + JSON_BLOCK_AHEAD] = {0};
        memcpy(last, data + i - 1, n - i + 1);
        for (Py_ssize_t j = 0; i + j < n; j += 32) {
            marks |= json_block32(data, i + j, last + 1 + j);
        }
    }
    return marks;
}
#endif

/* The marks of JSON text (`JSON_ESCAPED` and the others). One-byte text is read in one
 * pass where the CPU can (its digits are ASCII ones: no other character below 256 is a
 * decimal), from its second place on: the first, a space, a bracket or a quote
 * (`looks_like_json`), marks nothing. Elsewhere memchr finds the marks; text of more
 * bytes may hold a double anywhere. */
static int
json_marks(const Text *text)
{
#if PAIR_FILTER_SSSE3
    if (text->kind == PyUnicode_1BYTE_KIND && simd_used == SIMD_AVX2) {
        return json_marks_avx2(text->data, text->n);
    }
    if (text->kind == PyUnicode_1BYTE_KIND && simd_used == SIMD_SSSE3) {
        return json_marks_ssse3(text->data, text->n);
    }
#endif
    int marks = find_in(text, '\\', 0) >= 0 ? JSON_ESCAPED : 0;
    for (Py_ssize_t i = 0; !(marks & JSON_COMMA_DIGIT) && (i = find_in(text, ',', i)) >= 0;
         i++) {
        if (i + 1 < text->n && IS_DIGIT(TEXT_AT(text, i + 1))) {
            marks |= JSON_COMMA_DIGIT;
        }
    }
    if (text->kind != PyUnicode_1BYTE_KIND || may_hold_double(text)) {
        marks |= JSON_MAY_DOUBLE;
    }
    return marks;
}

/* 1 if one of the needles of the detectors that may read quotes occurs in `text`. */
static int
contains_needle(TextScreenObject *self, Text *text)
{
    PyObject *object = text_object(text);
    if (object == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(self->needles); i++) {
        int contains = PyUnicode_Contains(object, PyTuple_GET_ITEM(self->needles, i));
        if (contains != 0) {
            return contains;
        }
    }
    return 0;
}

/* How `PIIAnonymizer.rewrite` handles a text (`PIIAnonymizer._how`, whose `_TEXT`,
 * `_JSON` and `_LOOK` these are); the walk takes it for `HOW_WALK`. */
enum { HOW_ERROR = -2, HOW_WALK = -1, HOW_TEXT = 0, HOW_JSON = 1, HOW_LOOK = 2 };

/* `PIIAnonymizer._how` for text that looks like JSON; its needles are looked for only
 * if `check_needles`. */
static int
json_how(TextScreenObject *self, Text *text, int check_needles)
{
    int marks = json_marks(text);
    int escaped = marks & JSON_ESCAPED;
    if (escaped) {
        for (Py_ssize_t i = find_in(text, '\\', 0); i + 1 < text->n; i++) {
            if (PyUnicode_READ(text->kind, text->data, i) == '\\' &&
                PyUnicode_READ(text->kind, text->data, i + 1) == '\\') {
                return HOW_WALK; /* JSON nested more than twice: the walk decides */
            }
        }
    }
    if (self->sensitive != Py_None) {
        int sensitive;
        if (escaped) {
            PyObject *object = text_object(text);
            PyObject *source =
                object == NULL ? NULL : PyObject_CallOneArg(self->unescape_keeping_quotes, object);
            if (source == NULL) {
                return HOW_ERROR;
            }
            sensitive = 1; /* not a str: the walk decides */
            if (PyUnicode_Check(source)) {
                Text keys = {PyUnicode_KIND(source), PyUnicode_DATA(source),
                             PyUnicode_GET_LENGTH(source), NULL};
                sensitive = any_key_sensitive(self, &keys);
            }
            Py_DECREF(source);
        }
        else {
            sensitive = any_key_sensitive(self, text);
        }
        if (sensitive != 0) {
            return sensitive < 0 ? HOW_ERROR : HOW_WALK;
        }
    }
    int clean = marks & JSON_COMMA_DIGIT ? integers_clean(self, text) : 1;
    if (clean > 0 && marks & JSON_MAY_DOUBLE) {
        clean = doubles_clean(self, text);
    }
    if (clean <= 0) {
        return clean < 0 ? HOW_ERROR : HOW_WALK;
    }
    if (self->needles == Py_None) {
        return HOW_WALK;
    }
    if (check_needles && (clean = contains_needle(self, text)) != 0) {
        return clean < 0 ? HOW_ERROR : HOW_WALK;
    }
    return escaped ? HOW_LOOK : HOW_JSON;
}

/* `screen_text` for text that looks like JSON: `PIIAnonymizer._how` must not send it to
 * the walk, and neither the text nor (with escapes) the text unescaped holds a finding.
 * Stores in `how_out` how `rewrite` handles the text, and in `found` (if given) what
 * the scanner finds in the text itself. */
static int
json_finds_nothing(TextScreenObject *self, Text *text, int *how_out, Found *found)
{
    /* Needles that are marks too occur only where the passes find something. */
    int how = *how_out = json_how(self, text, !self->needles_marked);
    if (how == HOW_ERROR || how == HOW_WALK) {
        return how == HOW_ERROR ? -1 : 0;
    }
    int hit, clean = finds_nothing(self, text, &hit, found);
    /* Only a text found clean can be sent to the walk by a needle. */
    if (clean == 1 && hit && self->needles_marked) {
        int contains = contains_needle(self, text);
        if (contains != 0) {
            return contains < 0 ? -1 : 0;
        }
    }
    if (clean != 1 || how != HOW_LOOK) {
        return clean;
    }
    PyObject *object = text_object(text);
    PyObject *unescaped = object == NULL ? NULL : PyObject_CallOneArg(self->unescape, object);
    if (unescaped == NULL) {
        return -1;
    }
    if (!PyUnicode_Check(unescaped)) {
        Py_DECREF(unescaped);
        return 0;
    }
    Text decoded = {PyUnicode_KIND(unescaped), PyUnicode_DATA(unescaped),
                    PyUnicode_GET_LENGTH(unescaped), unescaped};
    clean = finds_nothing(self, &decoded, &hit, NULL);
    Py_DECREF(unescaped);
    return clean;
}

static uint64_t
mix(uint64_t hash, uint64_t value)
{
    hash ^= value * 0x9E3779B97F4A7C15ULL;
    return ((hash << 31) | (hash >> 33)) * 0xBF58476D1CE4E5B9ULL;
}

/* The slot key of a long text: its length and kind, and 32 bytes at its start, middle
 * and end (a text of at least `CLEAN_MIN_LENGTH` characters has them all). */
static uint64_t
clean_hash(const Text *text)
{
    const char *data = text->data;
    Py_ssize_t size = text->n * text->kind;
    Py_ssize_t starts[3] = {0, size / 2 - 16, size - 32};
    uint64_t hash = mix((uint64_t)size, (uint64_t)text->kind);
    for (int part = 0; part < 3; part++) {
        for (int word = 0; word < 4; word++) {
            uint64_t value;
            memcpy(&value, data + starts[part] + 8 * word, sizeof value);
            hash = mix(hash, value);
        }
    }
    return hash;
}

/* The slot a long text would be remembered in, or NULL: not a text remembered. */
static CleanSlot *
clean_slot(const TextScreenObject *self, uint64_t hash)
{
    if (self->clean_slots == NULL) {
        return NULL;
    }
    return &self->clean_slots[hash & (CLEAN_SLOTS - 1)];
}

/* Note a long text found clean, and remember it (a copy) if it was the last one noted
 * in its slot; without memory for it, it is not remembered. */
static void
remember_clean(TextScreenObject *self, const Text *text, uint64_t hash)
{
    Py_ssize_t size = text->n * text->kind;
    if (size > CLEAN_MAX_BYTES) {
        return;
    }
    if (self->clean_slots == NULL) {
        self->clean_slots = PyMem_Calloc(CLEAN_SLOTS, sizeof(CleanSlot));
        if (self->clean_slots == NULL) {
            return;
        }
    }
    CleanSlot *slot = &self->clean_slots[hash & (CLEAN_SLOTS - 1)];
    if (slot->seen != hash) {
        slot->seen = hash;
        return;
    }
    if (self->clean_bytes + size > CLEAN_BYTES_LIMIT) {
        forget_clean(self);
        return;
    }
    void *copy = PyMem_Malloc(size);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, text->data, size);
    if (slot->data != NULL) {
        self->clean_bytes -= slot->n * slot->kind;
        PyMem_Free(slot->data);
    }
    *slot = (CleanSlot){hash, text->n, text->kind, copy, 0};
    self->clean_bytes += size;
}

/* Whether `PIIAnonymizer.rewrite` returns the text as it is under a name that is not
 * sensitive: 1 yes, 0 it may not, -1 on an error. Takes over `text->object`. Where it
 * may not because `scan` found something, and `rewrite` rewrites the text from those
 * findings (`HOW_TEXT`, `HOW_JSON`), stores in `scanned` (if given) a new reference
 * to `(text, how, findings)`; else NULL. */
static int
screen_text_scanned(PyObject *screen, Text *text, PyObject **scanned)
{
    TextScreenObject *self = (TextScreenObject *)screen;
    if (scanned != NULL) {
        *scanned = NULL;
    }
    uint64_t hash = 0;
    if (text->n >= CLEAN_MIN_LENGTH) {
        hash = clean_hash(text);
        const CleanSlot *slot = clean_slot(self, hash);
        if (slot != NULL && slot->data != NULL && slot->hash == hash && slot->n == text->n &&
            slot->kind == text->kind && memcmp(slot->data, text->data, text->n * text->kind) == 0) {
            Py_CLEAR(text->object);
            return 1;
        }
    }
    Found found = {NULL, NULL};
    Found *keep = scanned != NULL ? &found : NULL;
    int hit, how = HOW_TEXT;
    int clean = looks_like_json(text) ? json_finds_nothing(self, text, &how, keep)
                                      : finds_nothing(self, text, &hit, keep);
    if (clean == 1 && text->n >= CLEAN_MIN_LENGTH) {
        remember_clean(self, text, hash);
    }
    if (clean == 0 && found.findings != NULL && (how == HOW_TEXT || how == HOW_JSON)) {
        /* `how` was told without the needles that are marks too (see `json_how`). */
        int needle = how == HOW_JSON && self->needles_marked ? contains_needle(self, text) : 0;
        if (needle < 0) {
            clean = -1;
        }
        else if (needle == 0) {
            *scanned = Py_BuildValue("(OiO)", found.text, how, found.findings);
            clean = *scanned == NULL ? -1 : clean;
        }
    }
    Py_XDECREF(found.text);
    Py_XDECREF(found.findings);
    Py_CLEAR(text->object);
    return clean;
}

static int
screen_text(PyObject *screen, Text *text)
{
    return screen_text_scanned(screen, text, NULL);
}

/* Whether the anonymizer leaves an integer as it is: 1 yes, 0 no, -1 on an error. */
static int
screen_integer(PyObject *screen, long long value)
{
    TextScreenObject *self = (TextScreenObject *)screen;
    if (value > -1000000 && value < 1000000) {
        return 1; /* `_MIN_NUMBER`: too short for anything a numeric detector finds */
    }
    return scalar_clean(self, PyLong_FromLongLong(value));
}

PyDoc_STRVAR(TextScreen_clean_doc,
             "clean(text, /)\n--\n\n"
             "Whether the anonymizer's `rewrite` certainly returns `text` as it is (under a\n"
             "name that is not sensitive).");

static PyObject *
TextScreen_clean(TextScreenObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "clean() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Text screened = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                     Py_NewRef(text)};
    int clean = screen_text((PyObject *)self, &screened);
    return clean < 0 ? NULL : PyBool_FromLong(clean);
}

PyDoc_STRVAR(TextScreen_forget_doc,
             "forget()\n--\n\n"
             "Forget the long texts remembered clean (for benchmarks that screen the same\n"
             "texts again); verdicts stay the same.");

static PyObject *
TextScreen_forget(TextScreenObject *self, PyObject *unused)
{
    forget_clean(self);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(TextScreen_how_doc,
             "how(text, /)\n--\n\n"
             "How `rewrite` handles `text` (`PIIAnonymizer._how`): 0 as text, 1 as JSON text\n"
             "without escapes, 2 looked at, or None for the walk.");

static PyObject *
TextScreen_how(TextScreenObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "how() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Text read = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                 Py_NewRef(text)};
    int how = looks_like_json(&read) ? json_how(self, &read, 1) : HOW_TEXT;
    Py_CLEAR(read.object);
    if (how == HOW_ERROR) {
        return NULL;
    }
    return how == HOW_WALK ? Py_NewRef(Py_None) : PyLong_FromLong(how);
}

static PyMethodDef TextScreen_methods[] = {
    {"clean", (PyCFunction)TextScreen_clean, METH_O, TextScreen_clean_doc},
    {"forget", (PyCFunction)TextScreen_forget, METH_NOARGS, TextScreen_forget_doc},
    {"how", (PyCFunction)TextScreen_how, METH_O, TextScreen_how_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(TextScreen_doc,
             "TextScreen(*, passes, scan, always, sensitive, needles, needles_marked,\n"
             "           unescape, unescape_keeping_quotes, clean_scalar)\n--\n\n"
             "Says which texts `PIIAnonymizer.rewrite` leaves as they are, without Python\n"
             "for most: see `PIIAnonymizer.text_screen`, which builds it.");

static PyTypeObject TextScreenType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_anonymizer.detectors._native.TextScreen",
    .tp_basicsize = sizeof(TextScreenObject),
    .tp_dealloc = (destructor)TextScreen_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = TextScreen_doc,
    .tp_traverse = (traverseproc)TextScreen_traverse,
    .tp_clear = (inquiry)TextScreen_clear,
    .tp_methods = TextScreen_methods,
    .tp_new = TextScreen_new,
};

/* What other extensions call (the gateway's wire walker, `_wire.c`), through a capsule
 * `_C_API` holding this table; `_native_api.h` declares it. */
static const NativeAPI native_api = {
    .text_screen_type = &TextScreenType,
    .screen_text = screen_text,
    .screen_text_scanned = screen_text_scanned,
    .screen_integer = screen_integer,
};

PyDoc_STRVAR(simd_doc,
             "simd(level=None, /)\n--\n\n"
             "The vector instructions the passes over one-byte texts (and the first look at\n"
             "JSON text) use: 'avx2', 'ssse3' or 'none' (one place at a time). With `level`,\n"
             "use those from now on (for the tests, which check that every level finds the\n"
             "same); ValueError for a level the CPU lacks.");

static PyObject *
simd(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "simd() takes at most 1 argument (%zd given)", nargs);
        return NULL;
    }
    if (nargs == 1 && args[0] != Py_None) {
        if (!PyUnicode_Check(args[0])) {
            PyErr_SetString(PyExc_TypeError, "simd() takes a str or None");
            return NULL;
        }
        int level = SIMD_NONE;
        while (level <= SIMD_AVX2 && PyUnicode_CompareWithASCIIString(args[0], simd_names[level])) {
            level++;
        }
        if (level > simd_available) {
            PyErr_Format(PyExc_ValueError, "not a level this CPU has: %R", args[0]);
            return NULL;
        }
        simd_used = level;
    }
    return PyUnicode_FromString(simd_names[simd_used]);
}

static PyMethodDef module_methods[] = {
    {"simd", (PyCFunction)(void (*)(void))simd, METH_FASTCALL, simd_doc},
    {"json_keys", (PyCFunction)json_keys, METH_O, json_keys_doc},
    {"json_layout", (PyCFunction)(void (*)(void))json_layout, METH_FASTCALL, json_layout_doc},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    set_weights();
#if PAIR_FILTER_SSSE3
    __builtin_cpu_init();
    simd_available = __builtin_cpu_supports("avx2")    ? SIMD_AVX2
                     : __builtin_cpu_supports("ssse3") ? SIMD_SSSE3
                                                       : SIMD_NONE;
#endif
    simd_used = simd_available;
    if (PyType_Ready(&ShapesType) < 0) {
        return -1;
    }
    if (PyModule_AddType(module, &ShapesType) < 0 || PyType_Ready(&TextScreenType) < 0 ||
        PyModule_AddType(module, &TextScreenType) < 0 || PyType_Ready(&RunLookupType) < 0 ||
        PyModule_AddType(module, &RunLookupType) < 0 || PyType_Ready(&PassesType) < 0 ||
        PyModule_AddType(module, &PassesType) < 0) {
        return -1;
    }
    PyObject *capsule = PyCapsule_New((void *)&native_api, NATIVE_API_NAME, NULL);
    if (capsule == NULL || PyModule_AddObject(module, "_C_API", capsule) < 0) {
        Py_XDECREF(capsule);
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
    .m_name = "otel_anonymizer.detectors._native",
    .m_doc = "C versions of the passes over every text (see base.py, runs.py, jsontext.py).",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&module_def);
}
