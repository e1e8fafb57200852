import otel_anonymizer


def test_public_api_is_importable() -> None:
    for name in otel_anonymizer.__all__:
        assert getattr(otel_anonymizer, name) is not None
