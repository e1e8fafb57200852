"""Built-in detectors of secrets: API keys, tokens, private keys, credentials in URLs.

Shapes follow the issuers' documented formats (as collected by gitleaks, detect-secrets
and TruffleHog); where a format carries a checksum or a decodable structure, it is
checked.

Needles only have to occur in every match, so each starts at a rare character where it
can (`k-` for `sk-`, `yJ` for `eyJ`, `_live_` for `sk_live_`): the needle pass visits
every place where a needle's first character occurs, and lowercase `s`, `e` or `h` are
everywhere in prose. These patterns run only where their needle is, under the
scanner's timeout like user patterns. All are `joinable`: no anchors, and what they
validate holds no NUL character. All but the private key are `quote_bounded`: no match
holds a quote (the private key's any-character run reads through one).
"""

from __future__ import annotations

from otel_anonymizer.detectors import checks
from otel_anonymizer.detectors.base import Detector, not_after
from otel_anonymizer.detectors.words import WORD

#: Where a token may start: not inside a longer token, or right after a JSON escape.
_START = not_after("A-Za-z0-9_-")
_START_WORD = not_after("A-Za-z0-9_")  # `-` may precede
_START_ALNUM = not_after("A-Za-z0-9")  # `_` and `-` may precede
_END = r"(?![A-Za-z0-9_-])"
_END_WORD = r"(?![A-Za-z0-9_])"


#: How far from the start of a match its needle may begin (`Detector.reach`): `sk-...`
#: holds `k-` at 1, `sk_live_...` holds `_live_` at 2.
_REACH = {
    "openai_api_key": 1,
    "anthropic_api_key": 1,
    "stripe_key": 2,
    "huggingface_token": 1,
    "langsmith_api_key": 2,
    "jwt": 1,
}


def _secret(name: str, pattern: str, *needles: str, **options: object) -> Detector:
    """A secret detector; its needles start each match (reach 0) unless `_REACH` says."""
    options = {"quote_bounded": True, **options}
    return Detector(
        name,
        pattern,
        kind="secret",
        needles=needles,
        joinable=True,
        reach=_REACH.get(name, 0),
        **options,  # type: ignore[arg-type]
    )


OPENAI_API_KEY = _secret(
    "openai_api_key",
    _START + r"sk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{32,}" + _END,
    "k-",
)
ANTHROPIC_API_KEY = _secret(
    "anthropic_api_key",
    _START + r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{32,}" + _END,
    "k-ant-",
)
AWS_ACCESS_KEY_ID = _secret(
    "aws_access_key_id",
    _START_ALNUM + r"(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AGPA|ANPA|ANVA|APKA)[A-Z2-7]{16}"
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
    _START_WORD + r"gh[pousr]_[A-Za-z0-9]{36}" + _END_WORD,
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    validate=checks.github_classic_token,
)
GITHUB_FINE_GRAINED_TOKEN = _secret(
    "github_fine_grained_token",
    _START_WORD + r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" + _END_WORD,
    "github_pat_",
)
GITLAB_TOKEN = _secret(
    "gitlab_token",
    # Routable tokens have dots inside; a sentence's final period is not part of one.
    _START
    + r"gl(?:pat|dt|ptt|rt|cbt|imt|soat|oas|ffct|agent|ft)-[A-Za-z0-9_.-]{19,}[A-Za-z0-9_-]"
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
    # Bot, user, refresh... tokens (`xoxb-`), and app-level tokens (`xapp-1-A012-1234-`
    # then 64 hex digits), which every Socket Mode app holds.
    _START
    + r"(?:xox[abposre]-(?:[0-9A-Za-z]+-){1,4}[0-9A-Za-z]{8,}"
    + r"|xapp-\d+-[0-9A-Za-z]+-\d+-[0-9A-Za-z]{32,})"
    + _END,
    "xox",
    "xapp-",
)
STRIPE_KEY = _secret(
    "stripe_key",
    _START_WORD + r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}" + _END_WORD,
    "_live_",
    "_test_",
)
GOOGLE_API_KEY = _secret("google_api_key", _START + r"AIza[0-9A-Za-z_-]{35}" + _END, "AIza")
HUGGINGFACE_TOKEN = _secret(
    "huggingface_token", _START_WORD + r"hf_[A-Za-z0-9]{34,40}" + _END_WORD, "f_"
)
LANGSMITH_API_KEY = _secret(
    "langsmith_api_key",
    _START_WORD + r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}" + _END_WORD,
    "v2_",
)
JWT = _secret(
    "jwt",
    _START + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}" + _END,
    "yJ",
    validate=checks.jwt,
)
PRIVATE_KEY = _secret(
    "private_key",
    # A whole block, or (cut off by a length limit, or pasted without its end) the header
    # and the base64 lines after it, with real or JSON-escaped line breaks, indented or
    # not (a YAML block: found by review, such a key went out whole). A block holds
    # no `-----` before its end: a search from each header stops at the next one, not at
    # the end of the text (quadratic in the number of headers without an end).
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----"
    r"(?:(?:[^-]|-(?!----)){16,}?-----END \1PRIVATE KEY\2-----"
    r"|(?:(?:\r?\n|\\r\\n|\\n)[ \t]*(?:[A-Za-z-]+: [^\r\n\\]*|[A-Za-z0-9+/=]+))+)",
    "-----BEGIN",
    quote_bounded=False,
)
BEARER_TOKEN = _secret(
    "bearer_token",
    # RFC 6750 b64token; a sentence's final period is not part of the token.
    "(?i)" + not_after("", word=True) + r"bearer[ \t]+([A-Za-z0-9_.~+/-]{15,}[A-Za-z0-9_~+/-]=*)",
    shapes=("[Bb][Ee][Aa][Rr][Ee][Rr]",),  # in any case, as the scheme is case-insensitive
    group=1,
    validate=checks.bearer_token,
)
BASIC_AUTH = _secret(
    "basic_auth",
    # RFC 7617: base64 of `user:password`; only the credentials (group 1) are replaced.
    "(?i)"
    + not_after("", word=True)
    + r"basic[ \t]+([A-Za-z0-9+/_-]{4,}={0,2})"
    + rf"(?!{WORD}|[+/=-])",
    shapes=("[Bb][Aa][Ss][Ii][Cc]",),  # in any case, as the scheme is case-insensitive
    group=1,
    validate=checks.basic_credentials,
)
URL_PASSWORD = _secret(
    "url_password",
    # Only the password (group 1) is replaced; the user may be empty (`redis://:pw@host`).
    # The match starts at `://` and looks back for the scheme: found from its needle.
    # JSON encoders may escape the slashes (`postgres:\/\/`): found by review, such
    # text that does not parse as JSON (cut off, in a log line) went out raw.
    rf"(?:://(?<=(?<!{WORD})[A-Za-z][A-Za-z0-9+.-]{{1,20}}://)"
    rf"|:\\/\\/(?<=(?<!{WORD})[A-Za-z][A-Za-z0-9+.-]{{1,20}}:\\/\\/))"
    # The password runs to the authority's last `@`, as URL parsers read it
    # (`mysql://root:P@ssw0rd@localhost`: found by review, the rest of it went out).
    r"[^\s:/?#@\"']{0,256}:([^\s/?#\"']{1,256})@",
    "://",
    ":\\/\\/",
    group=1,
    label="PASSWORD",
    # Linear: starts are only where `://` (or `:\/\/`) is, and from each the user stops
    # at its one follower (`:`), the password backs up at most 256 characters to an `@`.
    trusted=True,
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
    BASIC_AUTH,
    URL_PASSWORD,
)
