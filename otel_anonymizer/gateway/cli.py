"""`otel-anonymizer serve --config FILE` (and `validate --config FILE`).

Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT) or a valid configuration, 2 for
a bad configuration (the message names the key path, the value and the valid choices),
1 when the gateway cannot start (a port in use, an unreadable certificate).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from otel_anonymizer.config import ConfigError
from otel_anonymizer.gateway.allocator import tune_allocator
from otel_anonymizer.gateway.config import load_config
from otel_anonymizer.gateway.settings import GatewayConfig

_logger = logging.getLogger("otel_anonymizer.gateway")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="otel-anonymizer",
        description="Receive OTLP, remove personal data, forward to any OTLP backend.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("serve", "run the gateway until SIGTERM or SIGINT"),
        ("validate", "check a gateway configuration and exit"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--config", required=True, help="gateway YAML file")
        command.add_argument(
            "--log-level", default="info", choices=("debug", "info", "warning", "error")
        )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"otel-anonymizer: invalid configuration: {error}", file=sys.stderr)
        return 2
    if args.command == "validate":
        print(f"{args.config}: valid")
        return 0
    try:
        import aiohttp  # noqa: F401  (the servers and clients of the `gateway` extra)
        import grpc  # noqa: F401
    except ModuleNotFoundError as error:
        print(
            f"otel-anonymizer: the gateway needs {error.name}: "
            "pip install 'otel-anonymizer[gateway]'",
            file=sys.stderr,
        )
        return 1
    tune_allocator()
    try:
        asyncio.run(serve(config))
    except OSError as error:
        print(f"otel-anonymizer: cannot start: {error}", file=sys.stderr)
        return 1
    return 0


async def serve(config: GatewayConfig) -> None:
    """Run a gateway until SIGTERM or SIGINT, then shut it down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    from otel_anonymizer.gateway.server import Gateway  # needs the `gateway` extra

    gateway = Gateway(config)
    try:
        await gateway.start()
        _logger.info("gateway ready")
        await stop.wait()
        _logger.info("stopping: draining in-flight requests and queues")
    finally:
        await gateway.stop()
    _logger.info("stopped")
