"""Builds the optional C extensions; the project's metadata is in pyproject.toml.

- `otel_anonymizer.detectors._native` runs the detectors' passes over every text in C,
  and screens texts for anonymizers (`TextScreen`).
- `otel_anonymizer.gateway._wire` reads OTLP export requests straight from their bytes
  and tells the gateway which spans and log records it need not read into Python.

Both are optional: where they cannot be compiled (no C compiler), the package installs
without them and does the same in Python, with the same results, more slowly.
"""

from setuptools import Extension, setup

NATIVE_API = "otel_anonymizer/detectors/_native_api.h"

setup(
    ext_modules=[
        Extension(
            "otel_anonymizer.detectors._native",
            ["otel_anonymizer/detectors/_native.c"],
            depends=[NATIVE_API],
            optional=True,
        ),
        Extension(
            "otel_anonymizer.gateway._wire",
            ["otel_anonymizer/gateway/_wire.c"],
            depends=[NATIVE_API],
            optional=True,
        ),
    ]
)
