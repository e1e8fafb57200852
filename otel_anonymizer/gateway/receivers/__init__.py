"""Receivers: the OTLP/gRPC and OTLP/HTTP servers of an `otlp` receiver."""
