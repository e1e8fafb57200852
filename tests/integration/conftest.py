"""Fixtures for the integration tests: fake OpenAI server, OTLP receiver, instrumentor reset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .fake_openai import FakeOpenAI
from .isolation import OpenAISnapshot, uninstrument_all
from .otlp_receiver import OTLPReceiver
from .pipelines import Pipeline, build_pipeline


@pytest.fixture(scope="session")
def _fake_openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(_fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The fake OpenAI server, reset (no recorded requests, default answer) for each test."""
    _fake_openai_server.reset()
    yield _fake_openai_server
    _fake_openai_server.reset()


@pytest.fixture(scope="session")
def _otlp_receiver_server() -> Iterator[OTLPReceiver]:
    receiver = OTLPReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def otlp_receiver(_otlp_receiver_server: OTLPReceiver) -> Iterator[OTLPReceiver]:
    """The OTLP/HTTP receiver, emptied for each test."""
    _otlp_receiver_server.clear()
    yield _otlp_receiver_server
    _otlp_receiver_server.clear()


@pytest.fixture(scope="session")
def _openai_snapshot() -> OpenAISnapshot:
    return OpenAISnapshot()


@pytest.fixture(autouse=True)
def reset_instrumentors(_openai_snapshot: OpenAISnapshot) -> Iterator[None]:
    """Make sure no OpenAI instrumentation leaks into or out of a test."""
    uninstrument_all()
    _openai_snapshot.restore()
    yield
    uninstrument_all()
    _openai_snapshot.restore()


@pytest.fixture
def make_pipeline() -> Iterator[Callable[..., Pipeline]]:
    """Factory for `build_pipeline(...)`; every pipeline is shut down after the test."""
    created: list[Pipeline] = []

    def factory(*args: Any, **kwargs: Any) -> Pipeline:
        pipeline = build_pipeline(*args, **kwargs)
        created.append(pipeline)
        return pipeline

    yield factory
    for pipeline in created:
        pipeline.shutdown()
