"""The gateway's configuration: Collector-style YAML in, validated typed settings out.

The file has the Collector's top-level sections (`receivers`, `processors`, `exporters`,
`extensions`, `service`) and the Collector's own keys for the components it supports,
so a Collector user's snippet works as is. Components are named `type` or `type/name`.
Everything is checked at start-up: an unknown key, a bad value or a reference to an
undefined component raises `ConfigError` naming the key path, the value and the valid
choices; anonymizer options are built once here so that their errors surface too.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from otel_anonymizer.config import ConfigError, anonymizers_from_options
from otel_anonymizer.gateway.sections import Section
from otel_anonymizer.gateway.settings import (
    COMPRESSIONS,
    EXPORTER_TYPES,
    EXTENSION_TYPES,
    PROCESSOR_TYPES,
    RECEIVER_TYPES,
    SECRET_OPTIONS,
    SIGNALS,
    VERBOSITIES,
    ClientTLS,
    Endpoint,
    ExporterConfig,
    GatewayConfig,
    PipelineConfig,
    QueueConfig,
    ReceiverConfig,
    RetryConfig,
    ServerSettings,
    ServerTLS,
    Signal,
)
from otel_anonymizer.gateway.substitution import substitute

_logger = logging.getLogger("otel_anonymizer.gateway")

_MIB = 1024 * 1024


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """Read, substitute and validate the YAML file at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read configuration file {path}: {error}") from None
    except UnicodeDecodeError:  # its message quotes a byte of the file
        raise ConfigError(f"cannot read configuration file {path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:  # its message quotes the line, maybe a secret
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    except (ValueError, RecursionError):  # a date that is none (2024-13-45), deep nesting
        raise ConfigError(f"{path}: not valid YAML") from None
    return parse_config(data, os.environ if environ is None else environ)


def parse_config(data: Any, environ: Mapping[str, str]) -> GatewayConfig:
    """Validate already-parsed YAML (before `${...}` substitution)."""
    root = Section(substitute(data, environ), "")
    extensions = _extensions(root.section("extensions"))
    receivers = {
        name: _receiver(name, sub, extensions) for name, sub in _components(root, "receivers")
    }
    processors = {
        name: _processor(name, sub, environ) for name, sub in _components(root, "processors")
    }
    exporters = {
        name: _exporter(name, sub, extensions) for name, sub in _components(root, "exporters")
    }
    _check_queue_directories(exporters)
    service = root.section("service")
    enabled = service.string_list("extensions")
    for index, name in enumerate(enabled):
        _check_reference(name, extensions, f"service.extensions[{index}]")
    _check_enabled(receivers, exporters, enabled)
    pipelines = _pipelines(service.section("pipelines"), receivers, processors, exporters)
    telemetry = service.section("telemetry")
    metrics = telemetry.section("metrics")
    level = metrics.choice("level", ("none", "basic", "normal", "detailed"), "basic")
    address = _endpoint(metrics, "address", "127.0.0.1:8888")
    metrics.finish()
    telemetry.finish()
    workers = service.integer("workers", os.cpu_count() or 1)
    budget = service.duration("anonymization_timeout", "10s")
    if budget <= 0:
        raise ConfigError(f"{service.key_path('anonymization_timeout')}: must be more than 0")
    service.finish()
    root.finish()
    health = [settings for name, settings in extensions.items() if name in enabled]
    return GatewayConfig(
        receivers=receivers,
        processors=processors,
        exporters=exporters,
        pipelines=pipelines,
        health_check=next((h for h in health if isinstance(h, tuple)), None),
        metrics_endpoint=None if level == "none" else address,
        workers=workers,
        anonymization_timeout=budget,
        environ=dict(environ),
    )


def _components(root: Section, kind: str) -> list[tuple[str, Section]]:
    section = root.section(kind)
    result = [(str(name), section.section(str(name))) for name in section.data]
    section.finish()
    return result


def _component_type(name: str, valid: tuple[str, ...], path: str) -> str:
    kind = name.split("/", 1)[0]
    if kind not in valid:
        raise ConfigError(
            f"{path}: unknown component type {kind!r}; valid types: {', '.join(valid)}"
        )
    return kind


# Extensions ---------------------------------------------------------------------------

#: A health_check extension is (endpoint, path), a file_storage one its directory, a
#: bearertokenauth one its token.
ExtensionSettings = tuple[Endpoint, str] | Path | str


def _extensions(section: Section) -> dict[str, ExtensionSettings]:
    result: dict[str, ExtensionSettings] = {}
    for name in section.data:
        sub = section.section(str(name))
        kind = _component_type(str(name), EXTENSION_TYPES, sub.path)
        if kind == "health_check":
            endpoint = _endpoint(sub, "endpoint", "127.0.0.1:13133")
            path = sub.string("path", "/") or "/"
            result[str(name)] = (endpoint, path if path.startswith("/") else f"/{path}")
        elif kind == "file_storage":
            result[str(name)] = Path(sub.required_string("directory"))
            sub.boolean("fsync", True)  # always fsynced: the no-loss guarantee needs it
            sub.boolean("create_directory", True)
            sub.duration("timeout", "1s")
        else:
            result[str(name)] = _bearer_token(sub)
        sub.finish()
    section.finish()
    return result


def _bearer_token(sub: Section) -> str:
    token = sub.string("token", secret=True)
    filename = sub.string("filename")
    sub.choice("scheme", ("Bearer",), "Bearer")
    if filename and not token:
        try:
            token = Path(filename).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"{sub.key_path('filename')}: cannot read: {error}") from None
        except UnicodeDecodeError:  # its message quotes a byte of the token
            raise ConfigError(f"{sub.key_path('filename')}: not UTF-8 text") from None
    if not token:
        raise ConfigError(f"{sub.path}: set `token` (from ${{env:VAR}}) or `filename`")
    return token


def _check_reference(name: str, defined: Mapping[str, Any], path: str) -> None:
    if name not in defined:
        valid = ", ".join(defined) or "(none defined)"
        raise ConfigError(f"{path}: {name!r} is not defined; defined: {valid}")


def _check_enabled(
    receivers: Mapping[str, ReceiverConfig],
    exporters: Mapping[str, ExporterConfig],
    enabled: list[str],
) -> None:
    """Extensions used by receivers and queues must be listed in `service.extensions`."""
    for receiver in receivers.values():
        for protocol, settings in (("grpc", receiver.grpc), ("http", receiver.http)):
            if settings and settings.authenticator and settings.authenticator not in enabled:
                raise ConfigError(
                    f"receivers.{receiver.name}.protocols.{protocol}.auth.authenticator: "
                    f"{settings.authenticator!r} must also be listed in service.extensions"
                )
    for exporter in exporters.values():
        queue = exporter.queue
        if queue and queue.storage and queue.storage not in enabled:
            raise ConfigError(
                f"exporters.{exporter.name}.sending_queue.storage: {queue.storage!r} must "
                "also be listed in service.extensions"
            )


# Receivers ----------------------------------------------------------------------------


def _receiver(
    name: str, section: Section, extensions: Mapping[str, ExtensionSettings]
) -> ReceiverConfig:
    _component_type(name, RECEIVER_TYPES, section.path)
    protocols = section.section("protocols")
    grpc_section = protocols.optional_section("grpc")
    http_section = protocols.optional_section("http")
    grpc = None
    if grpc_section is not None:
        mib = grpc_section.integer("max_recv_msg_size_mib", 4, minimum=1)
        grpc = _server(grpc_section, "127.0.0.1:4317", mib * _MIB, extensions)
    http = None
    if http_section is not None:
        limit = http_section.integer("max_request_body_size", 20 * _MIB, minimum=1)
        http = _server(http_section, "127.0.0.1:4318", limit, extensions)
    protocols.finish()
    section.finish()
    if grpc is None and http is None:
        raise ConfigError(f"{protocols.path}: enable at least one protocol: grpc, http")
    return ReceiverConfig(name, grpc, http)


def _server(
    section: Section, default: str, limit: int, extensions: Mapping[str, ExtensionSettings]
) -> ServerSettings:
    endpoint = _endpoint(section, "endpoint", default)
    tls = None
    tls_section = section.optional_section("tls")
    if tls_section is not None:
        tls = ServerTLS(
            tls_section.required_string("cert_file"),
            tls_section.required_string("key_file"),
            tls_section.string("client_ca_file"),
        )
        tls_section.finish()
    token = authenticator = None
    auth = section.optional_section("auth")
    if auth is not None:
        authenticator = auth.required_string("authenticator")
        _check_reference(authenticator, extensions, auth.key_path("authenticator"))
        found = extensions[authenticator]
        if not authenticator.startswith("bearertokenauth") or not isinstance(found, str):
            raise ConfigError(
                f"{auth.key_path('authenticator')}: {authenticator!r} is not a "
                "bearertokenauth extension; valid: bearertokenauth"
            )
        token = found
        auth.finish()
    section.finish()
    return ServerSettings(endpoint, tls, authenticator, token, limit)


def _endpoint(section: Section, key: str, default: str) -> Endpoint:
    text = section.string(key, default) or default
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(
            f"{section.key_path(key)}: invalid endpoint {text!r}; expected host:port, "
            "such as 127.0.0.1:4317"
        )
    if not host:
        raise ConfigError(
            f"{section.key_path(key)}: endpoint {text!r} has no host; write 127.0.0.1:{port} "
            f"(local only) or 0.0.0.0:{port} (all interfaces) explicitly"
        )
    return Endpoint(host, int(port))


# Processors ---------------------------------------------------------------------------


def _processor(name: str, section: Section, environ: Mapping[str, str]) -> Mapping[str, Any]:
    """The options of an `anonymizer` processor, checked by building them once now.

    The HMAC key of pseudonyms must come from the environment (`hash_key_env`) or a file
    (`hash_key_file`): a key in the YAML would leak with the file, so it is refused here
    whatever the operator, even though the core only reads it for the hash operator.
    """
    _component_type(name, PROCESSOR_TYPES, section.path)
    options = dict(section.data)
    for key in SECRET_OPTIONS:
        if key in options:
            raise ConfigError(
                f"{section.key_path(key)}: a key must not be written in the configuration "
                "(value not shown); name an environment variable with hash_key_env, or a "
                "file with hash_key_file"
            )
    if "export_timeout" in options:  # the SDK exporters' bound; requests have their own
        raise ConfigError(
            f"{section.key_path('export_timeout')}: not a gateway option; the gateway bounds "
            "each request with service.anonymization_timeout"
        )
    anonymizers_from_options(options, section.path, environ)  # fail at start-up, not later
    return options


# Exporters ----------------------------------------------------------------------------


def _exporter(
    name: str, section: Section, extensions: Mapping[str, ExtensionSettings]
) -> ExporterConfig:
    _component_type(name, EXPORTER_TYPES, section.path)
    kind = next(kind for kind in EXPORTER_TYPES if name.split("/", 1)[0] == kind)
    if kind == "debug":
        verbosity = section.choice("verbosity", VERBOSITIES, "basic")
        path = section.string("path")
        section.string("sampling_initial")
        section.string("sampling_thereafter")
        section.finish()
        return ExporterConfig(name, kind, verbosity=verbosity, path=path)
    signal_endpoints: dict[Signal, str] = {}
    if kind == "otlphttp":
        endpoint = section.string("endpoint") or ""
        for signal in SIGNALS:
            specific = section.string(f"{signal}_endpoint")
            if specific:
                signal_endpoints[signal] = specific
            elif endpoint:
                signal_endpoints[signal] = f"{endpoint.rstrip('/')}/v1/{signal}"
        if not endpoint and len(signal_endpoints) < len(SIGNALS):
            raise ConfigError(f"{section.key_path('endpoint')}: required")
        for signal, url in signal_endpoints.items():
            if not url.startswith(("http://", "https://")):
                raise ConfigError(
                    f"{section.key_path('endpoint')}: invalid URL {url!r} for {signal}; "
                    "expected http://host:port or https://host:port"
                )
        section.choice("encoding", ("proto",), "proto")
    else:
        endpoint = section.required_string("endpoint")
    tls = _client_tls(section.optional_section("tls"))
    if kind == "otlp" and tls.insecure_skip_verify:
        # gRPC's Python credentials have no way to skip it: accepted, it would be ignored.
        raise ConfigError(
            f"{section.key_path('tls')}.insecure_skip_verify: the gRPC exporter cannot skip "
            "certificate verification; set ca_file to the upstream's CA (and "
            "server_name_override for another host name), or use otlphttp"
        )
    exporter = ExporterConfig(
        name,
        kind,
        endpoint=endpoint,
        signal_endpoints=signal_endpoints,
        headers=section.string_map("headers"),
        tls=tls,
        compression=section.choice("compression", COMPRESSIONS, "gzip"),
        timeout=section.duration("timeout", "5s" if kind == "otlp" else "30s"),
        retry=_retry(section.optional_section("retry_on_failure")),
        queue=_queue(section.optional_section("sending_queue"), extensions),
    )
    section.finish()
    return exporter


def _client_tls(section: Section | None) -> ClientTLS:
    if section is None:
        return ClientTLS()
    tls = ClientTLS(
        insecure=section.boolean("insecure", False),
        ca_file=section.string("ca_file"),
        cert_file=section.string("cert_file"),
        key_file=section.string("key_file"),
        insecure_skip_verify=section.boolean("insecure_skip_verify", False),
        server_name_override=section.string("server_name_override"),
    )
    if bool(tls.cert_file) != bool(tls.key_file):
        raise ConfigError(f"{section.path}: cert_file and key_file must be set together")
    section.finish()
    return tls


def _retry(section: Section | None) -> RetryConfig:
    if section is None:
        return RetryConfig()
    retry = RetryConfig(
        enabled=section.boolean("enabled", True),
        initial_interval=section.duration("initial_interval", "5s"),
        randomization_factor=section.number("randomization_factor", 0.5),
        multiplier=section.number("multiplier", 1.5, minimum=1.0),
        max_interval=section.duration("max_interval", "30s"),
        max_elapsed_time=section.duration("max_elapsed_time", "300s"),
    )
    if retry.randomization_factor > 1:
        raise ConfigError(
            f"{section.key_path('randomization_factor')}: must be between 0 and 1, got "
            f"{retry.randomization_factor}"
        )
    section.finish()
    return retry


def _queue(
    section: Section | None, extensions: Mapping[str, ExtensionSettings]
) -> QueueConfig | None:
    """None means synchronous: the client is answered once the upstream accepted."""
    if section is None:
        return None
    enabled = section.boolean("enabled", True)
    queue_size = section.integer("queue_size", 1000, minimum=1)
    num_consumers = section.integer("num_consumers", 2, minimum=1)
    storage = section.string("storage")
    directory = section.string("directory")
    section.finish()
    if not enabled:
        return None
    # The whole component id (`otlphttp/eu.prod`): names may hold dots. Earlier
    # versions cut it at the first one (`otlphttp_eu`): what is queued there is taken over.
    component = section.path.split(".", 1)[1].rsplit(".sending_queue", 1)[0]
    exporter_dir = component.replace("/", "_")
    legacy_dir = component.split(".", 1)[0].replace("/", "_")
    if storage:
        _check_reference(storage, extensions, section.key_path("storage"))
        base = extensions[storage]
        if not isinstance(base, Path):
            raise ConfigError(
                f"{section.key_path('storage')}: {storage!r} is not a file_storage extension"
            )
        legacy = base / legacy_dir if legacy_dir != exporter_dir else None
        return QueueConfig(base / exporter_dir, queue_size, num_consumers, storage, legacy)
    if directory:
        return QueueConfig(Path(directory), queue_size, num_consumers)
    raise ConfigError(
        f"{section.path}: an in-memory queue would lose accepted data on a crash, so it is "
        "not supported; set `storage: file_storage` (durable queue), `directory: PATH` "
        "(durable queue), or `enabled: false` (answer after the upstream accepted)"
    )


def _check_queue_directories(exporters: dict[str, ExporterConfig]) -> None:
    """Two exporters sharing a queue directory would send each other's requests (and
    race on its files): refused, naming both. An earlier version's directory is taken
    over only by the one exporter it can have been (`QueueConfig.legacy_directory`)."""
    owners: dict[str, str] = {}
    legacy: Counter[str] = Counter()
    # An exporter's own name (`otlphttp/eu` -> otlphttp_eu) is its earlier directory too,
    # queued or not now.
    own = {name.replace("/", "_") for name in exporters}
    for name, exporter in exporters.items():
        if exporter.queue is None:
            continue
        directory = os.path.realpath(exporter.queue.directory)
        if directory in owners:
            raise ConfigError(
                f"exporters.{name}.sending_queue: its queue directory {directory} is also "
                f"that of exporters.{owners[directory]}; each exporter needs its own"
            )
        owners[directory] = name
        if exporter.queue.legacy_directory is not None:
            legacy[os.path.realpath(exporter.queue.legacy_directory)] += 1
    for name, exporter in exporters.items():
        queue = exporter.queue
        if queue is None or queue.legacy_directory is None:
            continue
        old = os.path.realpath(queue.legacy_directory)
        if legacy[old] > 1 or old in owners or queue.legacy_directory.name in own:
            # whose requests they are is not known
            if os.path.isdir(old):
                _logger.error(
                    "exporters.%s: %s may hold requests queued by an earlier version for "
                    "it or another exporter; move them into the right queue directory",
                    name,
                    old,
                )
            exporters[name] = replace(exporter, queue=replace(queue, legacy_directory=None))


# Pipelines ----------------------------------------------------------------------------


def _pipelines(
    section: Section,
    receivers: Mapping[str, ReceiverConfig],
    processors: Mapping[str, Any],
    exporters: Mapping[str, ExporterConfig],
) -> dict[str, PipelineConfig]:
    pipelines: dict[str, PipelineConfig] = {}
    for name in section.data:
        sub = section.section(str(name))
        signal = str(name).split("/", 1)[0]
        if signal not in SIGNALS:
            raise ConfigError(
                f"{sub.path}: unsupported pipeline type {signal!r}; valid: {', '.join(SIGNALS)}"
            )
        lists = {}
        for kind, defined in (
            ("receivers", receivers),
            ("processors", processors),
            ("exporters", exporters),
        ):
            names = sub.string_list(kind)
            for index, item in enumerate(names):
                _check_reference(item, defined, f"{sub.key_path(kind)}[{index}]")
            lists[kind] = tuple(names)
        for kind in ("receivers", "exporters"):
            if not lists[kind]:
                raise ConfigError(f"{sub.key_path(kind)}: list at least one of {kind}")
        sub.finish()
        pipelines[str(name)] = PipelineConfig(
            str(name),
            "traces" if signal == "traces" else "logs",
            lists["receivers"],
            lists["processors"],
            lists["exporters"],
        )
    section.finish()
    if not pipelines:
        raise ConfigError("service.pipelines: define at least one pipeline (traces or logs)")
    return pipelines
