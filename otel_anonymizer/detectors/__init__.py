"""Built-in detectors, named sets of them, and the scanner that runs them.

Every detector has a stable name (`email`, `credit_card`, `openai_api_key`, ...). Sets:
`default` (all personal data and secrets), `pii` (personal data), `secrets`, and
`ip_address` (IPv4 and IPv6). `select("default,-phone,my_detector", custom=[...])`
resolves a specification into detectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from otel_anonymizer.detectors.base import Detector, Finding, Scanner
from otel_anonymizer.detectors.pii import DEFAULT_PHONE_REGIONS, PERSONAL_DATA, phone
from otel_anonymizer.detectors.secrets import SECRETS

#: Secrets come first: where detections overlap, the earlier detector wins, and a secret
#: is the more specific reading (a URL password before the email-like text around it).
BUILTIN: dict[str, Detector] = {detector.name: detector for detector in (*SECRETS, *PERSONAL_DATA)}
SETS: dict[str, tuple[str, ...]] = {
    "pii": tuple(detector.name for detector in PERSONAL_DATA),
    "secrets": tuple(detector.name for detector in SECRETS),
    "default": tuple(BUILTIN),
    "ip_address": ("ipv4_address", "ipv6_address"),
}


def select(
    spec: str | Iterable[str],
    custom: Sequence[Detector] = (),
    phone_regions: Sequence[str] | None = None,
) -> list[Detector]:
    """Detectors named by `spec`: names or set names, comma-separated or a list;
    `-name` removes. `custom` detectors are available by their names and are always
    included unless removed. Unknown names raise `ValueError` listing the valid ones."""
    items = [item.strip() for item in spec.split(",")] if isinstance(spec, str) else list(spec)
    available = {**BUILTIN, **{detector.name: detector for detector in custom}}
    if phone_regions is not None:
        available["phone"] = phone(phone_regions)
    chosen: dict[str, Detector] = {detector.name: detector for detector in custom}
    for item in filter(None, items):
        remove = item.startswith("-")
        name = item[1:] if remove else item
        names = SETS.get(name, (name,))
        for member in names:
            if member not in available:
                valid = ", ".join(sorted({*SETS, *available}))
                raise ValueError(f"unknown detector {name!r}; valid names: {valid}")
            if remove:
                chosen.pop(member, None)
            else:
                chosen[member] = available[member]
    return list(chosen.values())


__all__ = [
    "BUILTIN",
    "DEFAULT_PHONE_REGIONS",
    "SETS",
    "Detector",
    "Finding",
    "Scanner",
    "select",
]
