/* The passes over every text in C: which shapes occur in a text, where its numeric
 * runs are (the scanner's two passes), and which keys JSON text holds (the screen's).
 * `otel_anonymizer.detectors.base` (shapes), `.runs` and `otel_anonymizer.jsontext`
 * (keys) hold the reference versions in Python (used when this module is not built),
 * and the tests check that both agree.
 *
 * The functions only read the text and return positions, or the keys they read; no
 * text is logged or kept.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A set of characters: a bitmap of ASCII ones, every Unicode decimal digit when
 * `decimal` is set (the `\d` of Python's `re`), and one other character (`extra`, 0 when
 * unused) for a needle's non-ASCII character. */
typedef struct {
    uint64_t ascii[2];
    int decimal;
    Py_UCS4 extra;
    int any; /* every non-ASCII character (only in the second-character filters) */
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
    /* The shapes whose first class may hold a non-ASCII character. */
    Py_ssize_t *wide;
    Py_ssize_t wide_count;
} ShapesObject;

static void
Shapes_dealloc(ShapesObject *self)
{
    PyMem_Free(self->lengths);
    PyMem_Free(self->starts);
    PyMem_Free(self->classes);
    PyMem_Free(self->first);
    PyMem_Free(self->wide);
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
    PyObject *shapes;
    static char *keywords[] = {"shapes", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Shapes", keywords, &shapes)) {
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
    if (self->lengths == NULL || self->starts == NULL) {
        PyErr_NoMemory();
        goto error;
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
        CharClass *second = &self->second[c];
        for (Py_ssize_t k = self->first_offsets[c]; k < self->first_offsets[c + 1]; k++) {
            Py_ssize_t s = self->first[k];
            if (self->lengths[s] == 1) {
                second->ascii[0] = second->ascii[1] = UINT64_MAX;
                second->decimal = 1;
                second->extra = 0;
                second->any = 1;
                break;
            }
            const CharClass *cls = &self->classes[self->starts[s] + 1];
            second->ascii[0] |= cls->ascii[0];
            second->ascii[1] |= cls->ascii[1];
            second->decimal |= cls->decimal;
            /* Non-ASCII second characters: let class_has pass them all. */
            second->any |= cls->extra != 0;
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
    Py_DECREF(seq);
    Py_DECREF(self);
    return NULL;
}

/* Stores in `found` where each shape first occurs in `data`, plus one (0: nowhere);
 * returns how many shapes occur. */
#define DEFINE_SEARCH(NAME, CHAR)                                                          \
    static Py_ssize_t NAME(const ShapesObject *self, const CHAR *data, Py_ssize_t n,      \
                           Py_ssize_t *found)                                             \
    {                                                                                     \
        Py_ssize_t remaining = self->count, hits = 0;                                     \
        for (Py_ssize_t i = 0; i < n && remaining > 0; i++) {                             \
            Py_UCS4 ch = data[i];                                                         \
            const Py_ssize_t *candidates;                                                 \
            Py_ssize_t size;                                                              \
            if (ch < 128) {                                                               \
                /* One lookup passes most places: no shape starts with this pair (the     \
                 * second set is empty for a character that starts none). */             \
                Py_UCS4 next = i + 1 < n ? data[i + 1] : 0;                               \
                const CharClass *second = &self->second[ch];                              \
                if (next < 128 ? !((second->ascii[next >> 6] >> (next & 63)) & 1)         \
                               : !class_has(second, next)) {                              \
                    continue;                                                             \
                }                                                                         \
                candidates = self->first + self->first_offsets[ch];                       \
                size = self->first_offsets[ch + 1] - self->first_offsets[ch];             \
            }                                                                             \
            else {                                                                        \
                candidates = self->wide;                                                  \
                size = self->wide_count;                                                  \
            }                                                                             \
            for (Py_ssize_t k = 0; k < size; k++) {                                       \
                Py_ssize_t s = candidates[k];                                             \
                Py_ssize_t length = self->lengths[s];                                     \
                if (found[s] || length > n - i) {                                         \
                    continue;                                                             \
                }                                                                         \
                const CharClass *classes = self->classes + self->starts[s];               \
                Py_ssize_t j = ch < 128 ? 1 : 0;                                          \
                while (j < length && class_has(&classes[j], data[i + j])) {               \
                    j++;                                                                  \
                }                                                                         \
                if (j == length) {                                                        \
                    found[s] = i + 1;                                                     \
                    remaining--;                                                          \
                    hits++;                                                               \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        return hits;                                                                      \
    }

DEFINE_SEARCH(search_ucs1, Py_UCS1)
DEFINE_SEARCH(search_ucs2, Py_UCS2)
DEFINE_SEARCH(search_ucs4, Py_UCS4)

PyDoc_STRVAR(Shapes_search_doc,
             "search(text, /)\n--\n\n"
             "`(index, position)` of each shape that occurs in `text`, by index: where it\n"
             "first occurs.");

static PyObject *
Shapes_search(ShapesObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "search() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Py_ssize_t *found = PyMem_Calloc(self->count ? self->count : 1, sizeof(Py_ssize_t));
    if (found == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t hits;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        hits = search_ucs1(self, data, n, found);
        break;
    case PyUnicode_2BYTE_KIND:
        hits = search_ucs2(self, data, n, found);
        break;
    default:
        hits = search_ucs4(self, data, n, found);
        break;
    }
    PyObject *result = PyList_New(hits);
    if (result != NULL) {
        Py_ssize_t next = 0;
        for (Py_ssize_t s = 0; s < self->count && next < hits; s++) {
            if (found[s]) {
                PyObject *hit = Py_BuildValue("(nn)", s, found[s] - 1);
                if (hit == NULL) {
                    Py_CLEAR(result);
                    break;
                }
                PyList_SET_ITEM(result, next++, hit);
            }
        }
    }
    PyMem_Free(found);
    return result;
}

static PyMethodDef Shapes_methods[] = {
    {"search", (PyCFunction)Shapes_search, METH_O, Shapes_search_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Shapes_doc,
             "Shapes(shapes, /)\n--\n\n"
             "Fixed-length sequences of character classes, searched for together.\n\n"
             "Each shape is a sequence of classes `(ascii_low, ascii_high, decimal, extra)`:\n"
             "bitmaps of the ASCII characters 0-63 and 64-127 in the class, `decimal` adds\n"
             "every Unicode decimal digit, `extra` (0 for none) one non-ASCII character.");

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
#define IS_WORD(ch) (Py_UNICODE_ISALNUM(ch) || (ch) == '_')

/* Whether text[start:end] (a run, starting at a digit or at the `+` or `(` before one)
 * is one that no detector with `skips_inert_runs` can match in: see `_INERT_RUN` and
 * `_glued` in runs.py, which this follows exactly. */
#define DEFINE_INERT(NAME, CHAR)                                                           \
    static int NAME(const CHAR *data, Py_ssize_t start, Py_ssize_t end)                   \
    {                                                                                     \
        if (!IS_DIGIT(data[start])) {                                                     \
            return 0;                                                                     \
        }                                                                                 \
        /* Glued: right after a word character or `-` (not the letter of a JSON escape)  \
         * and made of digits and dashes only. */                                         \
        if (start > 0) {                                                                  \
            Py_UCS4 before = data[start - 1];                                             \
            int escape = (before == 'n' || before == 'r' || before == 't') && start > 1 &&  \
                         data[start - 2] == '\\';                                         \
            if ((IS_WORD(before) || before == '-') && !escape) {                          \
                Py_ssize_t i = start;                                                     \
                while (i < end && (IS_DIGIT(data[i]) || data[i] == '-')) {                \
                    i++;                                                                  \
                }                                                                         \
                if (i == end) {                                                           \
                    return 1;                                                             \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        /* Groups of digits between single separators: at most 4 matter. */              \
        Py_ssize_t groups[4];                                                             \
        Py_UCS4 separators[3];                                                            \
        int count = 0;                                                                    \
        Py_ssize_t i = start;                                                             \
        while (i < end) {                                                                 \
            Py_ssize_t first = i;                                                         \
            while (i < end && IS_DIGIT(data[i])) {                                        \
                i++;                                                                      \
            }                                                                             \
            groups[count++] = i - first;                                                  \
            if (i == end) {                                                               \
                break;                                                                    \
            }                                                                             \
            /* A separator, which a digit must follow (runs end with one). */             \
            if (count == 4 || !IS_DIGIT(data[i + 1])) {                                   \
                return 0;                                                                 \
            }                                                                             \
            separators[count - 1] = data[i];                                              \
            i++;                                                                          \
        }                                                                                 \
        switch (count) {                                                                  \
        case 1: /* (?!00)\d{7,11} */                                                      \
            return groups[0] >= 7 && groups[0] <= 11 &&                                   \
                   !(data[start] == '0' && data[start + 1] == '0');                       \
        case 2: /* \d+\.\d+ */                                                            \
            return separators[0] == '.';                                                  \
        case 3:                                                                           \
            /* \d{4}-\d\d-\d\d */                                                         \
            if (groups[0] == 4 && groups[1] == 2 && groups[2] == 2 &&                     \
                separators[0] == '-' && separators[1] == '-') {                           \
                return 1;                                                                 \
            }                                                                             \
            /* \d{1,2}([/.-])\d{1,2}\1\d{2,4} */                                          \
            return groups[0] <= 2 && groups[1] <= 2 && groups[2] >= 2 && groups[2] <= 4 &&  \
                   separators[0] == separators[1] &&                                      \
                   (separators[0] == '/' || separators[0] == '.' || separators[0] == '-'); \
        default: /* \d{4}-\d\d-\d\d \d\d */                                               \
            return groups[0] == 4 && groups[1] == 2 && groups[2] == 2 && groups[3] == 2 &&  \
                   separators[0] == '-' && separators[1] == '-' && separators[2] == ' ';  \
        }                                                                                 \
    }

DEFINE_INERT(inert_ucs1, Py_UCS1)
DEFINE_INERT(inert_ucs2, Py_UCS2)
DEFINE_INERT(inert_ucs4, Py_UCS4)

/* Appends to `result` the start and end of every run in `data`, as `_NUMERIC_RUN`
 * finds them (from a digit to a digit over digits and separators, at least 7
 * characters), extended over a `+` or `(` before it, unless `skip_inert` and inert. */
#define DEFINE_RUNS(NAME, CHAR, INERT)                                                     \
    static int NAME(const CHAR *data, Py_ssize_t n, int skip_inert, PyObject *result)     \
    {                                                                                     \
        Py_ssize_t i = 0;                                                                 \
        while (i < n) {                                                                   \
            if (!IS_DIGIT(data[i])) {                                                     \
                i++;                                                                      \
                continue;                                                                 \
            }                                                                             \
            Py_ssize_t start = i, last = i;                                               \
            for (i++; i < n; i++) {                                                       \
                Py_UCS4 ch = data[i];                                                     \
                if (IS_DIGIT(ch)) {                                                       \
                    last = i;                                                             \
                }                                                                         \
                else if (!IS_SEPARATOR(ch)) {                                             \
                    break;                                                                \
                }                                                                         \
            }                                                                             \
            Py_ssize_t end = last + 1;                                                    \
            if (end - start < 7) {                                                        \
                continue;                                                                 \
            }                                                                             \
            if (start > 0 && (data[start - 1] == '+' || data[start - 1] == '(')) {        \
                start--;                                                                  \
            }                                                                             \
            if (skip_inert && INERT(data, start, end)) {                                  \
                continue;                                                                 \
            }                                                                             \
            PyObject *pair = Py_BuildValue("(nn)", start, end);                           \
            if (pair == NULL || PyList_Append(result, pair) < 0) {                        \
                Py_XDECREF(pair);                                                         \
                return -1;                                                                \
            }                                                                             \
            Py_DECREF(pair);                                                              \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_RUNS(runs_ucs1, Py_UCS1, inert_ucs1)
DEFINE_RUNS(runs_ucs2, Py_UCS2, inert_ucs2)
DEFINE_RUNS(runs_ucs4, Py_UCS4, inert_ucs4)

PyDoc_STRVAR(numeric_runs_doc,
             "numeric_runs(text, skip_inert, /)\n--\n\n"
             "The (start, end) of each numeric run of `text`, as runs.numeric_runs.");

static PyObject *
numeric_runs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "numeric_runs(text: str, skip_inert: bool)");
        return NULL;
    }
    int skip_inert = PyObject_IsTrue(args[1]);
    if (skip_inert < 0) {
        return NULL;
    }
    PyObject *text = args[0];
    PyObject *result = PyList_New(0);
    if (result == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    int status;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        status = runs_ucs1(data, n, skip_inert, result);
        break;
    case PyUnicode_2BYTE_KIND:
        status = runs_ucs2(data, n, skip_inert, result);
        break;
    default:
        status = runs_ucs4(data, n, skip_inert, result);
        break;
    }
    if (status < 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* Adds to `keys` each key that `jsontext.read_keys` reads: for every `:` that JSON
 * whitespace and a quote precede, the text before that quote back to the nearest quote
 * no backslash precedes. Walks the text from its end, as the reference reads it
 * reversed, skipping what a key already covered. */
#define DEFINE_KEYS(NAME, CHAR)                                                            \
    static int NAME(PyObject *text, const CHAR *data, Py_ssize_t n, PyObject *keys)       \
    {                                                                                     \
        Py_ssize_t i = n - 1;                                                             \
        while (i >= 0) {                                                                  \
            if (data[i] != ':') {                                                         \
                i--;                                                                      \
                continue;                                                                 \
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
            PyObject *key = PyUnicode_Substring(text, open + 1, close);                   \
            if (key == NULL || PySet_Add(keys, key) < 0) {                                \
                Py_XDECREF(key);                                                          \
                return -1;                                                                \
            }                                                                             \
            Py_DECREF(key);                                                               \
            i = open;                                                                     \
        }                                                                                 \
        return 0;                                                                         \
    }

DEFINE_KEYS(keys_ucs1, Py_UCS1)
DEFINE_KEYS(keys_ucs2, Py_UCS2)
DEFINE_KEYS(keys_ucs4, Py_UCS4)

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
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    int status;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        status = keys_ucs1(text, data, n, keys);
        break;
    case PyUnicode_2BYTE_KIND:
        status = keys_ucs2(text, data, n, keys);
        break;
    default:
        status = keys_ucs4(text, data, n, keys);
        break;
    }
    if (status < 0) {
        Py_DECREF(keys);
        return NULL;
    }
    return keys;
}

static PyMethodDef module_methods[] = {
    {"numeric_runs", (PyCFunction)(void (*)(void))numeric_runs, METH_FASTCALL, numeric_runs_doc},
    {"json_keys", (PyCFunction)json_keys, METH_O, json_keys_doc},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    if (PyType_Ready(&ShapesType) < 0) {
        return -1;
    }
    Py_INCREF(&ShapesType);
    if (PyModule_AddObject(module, "Shapes", (PyObject *)&ShapesType) < 0) {
        Py_DECREF(&ShapesType);
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
