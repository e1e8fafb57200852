/* The part of `_native` that other extensions call: the text screen, through the
 * capsule `otel_anonymizer.detectors._native._C_API` (see `_native.c`). */
#ifndef OTEL_ANONYMIZER_NATIVE_API_H
#define OTEL_ANONYMIZER_NATIVE_API_H

#include <Python.h>

#define NATIVE_API_NAME "otel_anonymizer.detectors._native._C_API"

/* A text being screened: its characters (a str's kind and data), and a str holding them,
 * made when one is needed. */
typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
    PyObject *object; /* a new reference, or NULL */
} Text;

typedef struct {
    PyTypeObject *text_screen_type;
    /* Whether the anonymizer behind a `TextScreen` leaves `text` as it is under a name
     * that is not sensitive: 1 yes, 0 it may not, -1 on an error (set). Releases
     * `text->object`. */
    int (*screen_text)(PyObject *screen, Text *text);
    /* The same for an integer. */
    int (*screen_integer)(PyObject *screen, long long value);
    /* `screen_text`, and where the text may change because the anonymizer's scanner
     * found something in it, and the anonymizer rewrites it from those findings, a new
     * reference in `scanned` to `(text, how, findings)`: the text (a str), how it is
     * rewritten (0 as plain text, 1 as JSON text in place) and the findings (a list);
     * else NULL. */
    int (*screen_text_scanned)(PyObject *screen, Text *text, PyObject **scanned);
} NativeAPI;

#endif
