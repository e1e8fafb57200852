"""Integration tests against real instrumentations, a fake OpenAI server and OTLP."""
