"""Built-in detectors of secrets: API keys, tokens, private keys, credentials in URLs.

Shapes follow the issuers' documented formats (as collected by gitleaks, detect-secrets
and TruffleHog); where a format carries a checksum or a decodable structure, it is
checked.
"""

from __future__ import annotations

from otel_anonymizer.detectors import checks
from otel_anonymizer.detectors.base import Detector

_END = r"(?![A-Za-z0-9_-])"


def _secret(name: str, pattern: str, *needles: str, **options: object) -> Detector:
    return Detector(name, pattern, kind="secret", needles=needles, **options)  # type: ignore[arg-type]


OPENAI_API_KEY = _secret(
    "openai_api_key",
    r"(?<![A-Za-z0-9_-])sk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{32,}" + _END,
    "sk-",
)
ANTHROPIC_API_KEY = _secret(
    "anthropic_api_key",
    r"(?<![A-Za-z0-9_-])sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{32,}" + _END,
    "sk-ant-",
)
AWS_ACCESS_KEY_ID = _secret(
    "aws_access_key_id",
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AGPA|ANPA|ANVA|APKA)[A-Z2-7]{16}"
    r"(?![A-Za-z0-9])",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIDA",
    "AROA",
    "AGPA",
    "ANPA",
    "ANVA",
    "APKA",
)
GITHUB_TOKEN = _secret(
    "github_token",
    r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    validate=checks.github_classic_token,
)
GITHUB_FINE_GRAINED_TOKEN = _secret(
    "github_fine_grained_token",
    r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])",
    "github_pat_",
)
GITLAB_TOKEN = _secret(
    "gitlab_token",
    r"(?<![A-Za-z0-9_-])gl(?:pat|dt|ptt|rt|cbt|imt|soat|oas|ffct|agent|ft)-[A-Za-z0-9_.-]{20,}"
    + _END,
    "glpat-",
    "gldt-",
    "glptt-",
    "glrt-",
    "glcbt-",
    "glimt-",
    "glsoat-",
    "gloas-",
    "glffct-",
    "glagent-",
    "glft-",
)
SLACK_TOKEN = _secret(
    "slack_token",
    r"(?<![A-Za-z0-9_-])xox[abposre]-(?:[0-9A-Za-z]+-){1,4}[0-9A-Za-z]{8,}" + _END,
    "xox",
)
STRIPE_KEY = _secret(
    "stripe_key",
    r"(?<![A-Za-z0-9_])(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}(?![A-Za-z0-9_])",
    "sk_live_",
    "rk_live_",
    "pk_live_",
    "sk_test_",
    "rk_test_",
    "pk_test_",
)
GOOGLE_API_KEY = _secret(
    "google_api_key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}" + _END, "AIza"
)
HUGGINGFACE_TOKEN = _secret(
    "huggingface_token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9_])", "hf_"
)
LANGSMITH_API_KEY = _secret(
    "langsmith_api_key",
    r"(?<![A-Za-z0-9_])lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}(?![A-Za-z0-9_])",
    "lsv2_",
)
JWT = _secret(
    "jwt",
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}" + _END,
    "eyJ",
    validate=checks.jwt,
)
PRIVATE_KEY = _secret(
    "private_key",
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]{16,}?"
    r"-----END \1PRIVATE KEY\2-----",
    "-----BEGIN",
)
BEARER_TOKEN = _secret(
    "bearer_token",
    r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)",
    "Bearer",
    "bearer",
    "BEARER",
    group=1,
)
URL_PASSWORD = _secret(
    "url_password",
    r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/?#@\"']{1,256}:([^\s/?#@\"']{1,256})@",
    "://",
    group=1,
    label="PASSWORD",
)

SECRETS: tuple[Detector, ...] = (
    PRIVATE_KEY,
    ANTHROPIC_API_KEY,
    OPENAI_API_KEY,
    AWS_ACCESS_KEY_ID,
    GITHUB_TOKEN,
    GITHUB_FINE_GRAINED_TOKEN,
    GITLAB_TOKEN,
    SLACK_TOKEN,
    STRIPE_KEY,
    GOOGLE_API_KEY,
    HUGGINGFACE_TOKEN,
    LANGSMITH_API_KEY,
    JWT,
    BEARER_TOKEN,
    URL_PASSWORD,
)
