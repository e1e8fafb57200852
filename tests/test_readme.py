"""Every Python example in the README runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)

# What the README's fragments assume the reader already has.
PRELUDE = """
import os
os.environ.setdefault("OTEL_ANONYMIZER_HASH_KEY", "0123456789abcdef0123456789abcdef")
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
inner_exporter = InMemorySpanExporter()
"""


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 5


# Examples that need something this machine cannot have: a spaCy model downloaded from
# the internet. `tests/test_presidio.py` covers the same code with a local pipeline.
NEEDS_DOWNLOAD = ("en_core_web_lg",)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int) -> None:
    if any(marker in BLOCKS[index] for marker in NEEDS_DOWNLOAD):
        pytest.skip("needs a spaCy model downloaded from the internet")
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + BLOCKS[index]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (
        f"README example {index} failed:\n{BLOCKS[index]}\n{result.stderr}"
    )


GATEWAY_CONFIGS = [
    block
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.DOTALL)
    if block.startswith("receivers:")
]


@pytest.mark.parametrize("index", range(len(GATEWAY_CONFIGS)))
def test_readme_gateway_configuration_loads(index: int) -> None:
    import yaml

    from otel_anonymizer.gateway.config import parse_config

    environ = {"BACKEND_TOKEN": "t", "OTEL_ANONYMIZER_HASH_KEY": "0123456789abcdef" * 2}
    config = parse_config(yaml.safe_load(GATEWAY_CONFIGS[index]), environ)
    assert config.pipelines
