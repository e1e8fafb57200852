"""Builds the optional C extension; the project's metadata is in pyproject.toml.

`otel_anonymizer.detectors._native` runs the detectors' two passes over every text in
C. It is optional: where it cannot be compiled (no C compiler), the package installs
without it and runs the same passes in Python, with the same results, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "otel_anonymizer.detectors._native",
            ["otel_anonymizer/detectors/_native.c"],
            optional=True,
        )
    ]
)
