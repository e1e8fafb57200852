"""`python -m otel_anonymizer.gateway serve --config FILE`."""

from otel_anonymizer.gateway.cli import main

raise SystemExit(main())
