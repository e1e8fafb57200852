"""What makes a character part of a word, for the detectors' boundaries.

A number or an address that touches a word character is part of a word (`id4111...`,
`user_jane@...`) and is not taken for one; but scripts written without spaces between
words put personal data right against their letters. An underscore glues only to a
letter or digit on its other side: a value between underscores (`_jane@example.org_`,
`__4111 1111 1111 1111__`: Markdown and Slack emphasis) is not part of a word.
"""

from __future__ import annotations

import re

#: Letters of the scripts written without spaces between words (Thai, Lao, Myanmar,
#: Khmer, Japanese kana, Chinese and Japanese ideographs) and of Korean, whose particles
#: attach to the word before them: `我的邮箱是jane@example.org`, `메일은jane@...입니다`.
#: They are word characters (`\w`), but a number or an address touching them is not
#: part of a word. `_native.c` (`IS_UNSPACED`) lists the same ranges.
UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
#: A character that makes what touches it part of a word: `\w`, but not `UNSPACED`.
WORD = rf"[^\W{UNSPACED}]"
#: A `WORD` character other than `_`.
ALNUM = rf"[^\W_{UNSPACED}]"
#: What glues to the end of a value (a lookahead's body): a letter or digit, or `_` and
#: one (`4111..._id`); not `_` before a space or another `_` (`_jane@example.org_`).
GLUED_AFTER = rf"_?{ALNUM}"
_UNSPACED_CHARACTER = re.compile(f"[{UNSPACED}]")


def glues(char: str) -> bool:
    """Whether `char` makes a number touching it part of a word (an `ALNUM` character;
    see `glued_before` for `_`)."""
    return char.isalnum() and not _UNSPACED_CHARACTER.match(char)


def glued_before(text: str, start: int) -> bool:
    """Whether what starts at `start` is glued to a word before it: right after a letter
    or digit (`glues`), or after `_` right after one (`user_4111...`)."""
    if not start:
        return False
    before = text[start - 1]
    if before != "_":
        return glues(before)
    # Not the letter of a JSON escape (`\n_4111..._`: emphasis at a line's start).
    letter = text[start - 2] if start > 1 else ""
    return glues(letter) and not (letter in "nrt" and start > 2 and text[start - 3] == "\\")
