"""Key names whose values are secret or personal whatever they look like.

A value under a key such as `password`, `api_key` or `Authorization` is replaced whole,
both for attribute keys and for keys inside JSON content. Keys are split into words
(`x-api-key`, `apiKey`, `http.request.header.authorization` all give their words), so
`tokens` in `gen_ai.usage.input_tokens` is not `token`, and a list of safe keys keeps
identifiers such as `session.id` and token counts readable.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from otel_anonymizer.detectors.budget import check_budget

#: Words that make a key sensitive on their own.
SENSITIVE_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "secret", "token", "auth",
        "authorization", "cookie", "cookies", "credential", "credentials", "apikey",
        "jwt", "ssn", "otp", "csrf", "xsrf", "signature", "privatekey",
    }
)  # fmt: skip
#: Word pairs that make a key sensitive (`api_key`, `private-key`, `set-cookie`).
SENSITIVE_PAIRS = frozenset(
    {
        ("api", "key"), ("private", "key"), ("secret", "key"), ("access", "key"),
        ("client", "secret"), ("set", "cookie"), ("session", "key"), ("social", "security"),
        ("credit", "card"), ("card", "number"), ("account", "key"),
    }
)  # fmt: skip
#: Keys that look sensitive but name identifiers, counts or settings users need to read.
DEFAULT_SAFE_KEYS = frozenset(
    {
        "session.id", "session_id", "sessionid", "gen_ai.conversation.id",
        "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total",
        "token_count", "max_tokens", "max_completion_tokens", "token_type",
        "gen_ai.token.type", "auth_type", "authentication.method", "tokenizer",
        "http.request.header.content-type",
    }
)  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
_CACHE_LIMIT = 8192
#: Longer keys are classified each time: real keys are short, and the cache must not
#: hold thousands of long strings (JSON keys are read with text around them).
_CACHED_KEY_LENGTH = 200
#: Keys longer than this are sensitive without being read (see `is_sensitive`).
_LONGEST_READ_KEY = 1 << 16
#: The same for sets of keys, by their total length.
_CACHED_GROUP_LENGTH = 400


class KeyClassifier:
    """Says whether a key names a sensitive value; cached, as keys repeat endlessly."""

    def __init__(
        self, extra_sensitive: Iterable[str] = (), safe_keys: Iterable[str] = DEFAULT_SAFE_KEYS
    ) -> None:
        self.safe_keys = frozenset(key.lower() for key in safe_keys)
        self.extra = tuple(tuple(_words(key)) for key in extra_sensitive if _words(key))
        self._cache: dict[str, bool] = {}
        self._groups: dict[frozenset[str], bool] = {}

    def is_sensitive(self, key: str) -> bool:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(key) > _CACHED_KEY_LENGTH:
            # Read every time, and as long as a request makes it (found by review: 128
            # keys of 100,000 characters held a span for 100 s): within the time budget,
            # and not at all past `_LONGEST_READ_KEY` (no name is that long; the value
            # under such a key is replaced whole rather than read for seconds).
            check_budget()
            return len(key) > _LONGEST_READ_KEY or self._classify(key)
        result = self._classify(key)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def any_sensitive(self, keys: Iterable[str]) -> bool:
        """Whether one of `keys` is sensitive. Sets of keys are cached as well: the keys
        of JSON text of one shape recur together in every message."""
        group = frozenset(keys)
        cached = self._groups.get(group)
        if cached is not None:
            return cached
        result = any(map(self.is_sensitive, group))
        if sum(map(len, group)) <= _CACHED_GROUP_LENGTH:
            if len(self._groups) >= _CACHE_LIMIT:
                self._groups.clear()
            self._groups[group] = result
        return result

    def clear_cache(self) -> None:
        """Forget the classified keys."""
        self._cache.clear()
        self._groups.clear()

    def _classify(self, key: str) -> bool:
        if key.lower() in self.safe_keys:
            return False
        words = _words(key)
        if any(word in SENSITIVE_WORDS for word in words):
            return True
        if any(pair in SENSITIVE_PAIRS for pair in itertools.pairwise(words)):
            return True
        return any(_contains(words, phrase) for phrase in self.extra)


def _words(key: str) -> list[str]:
    return [word for word in _SPLIT.split(_CAMEL.sub("_", key).lower()) if word]


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))
