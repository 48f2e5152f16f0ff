"""Text helpers every layer shares: the one word counter.

Words are counted as a reader counts them: "don't" and "partner’s" are one word, and
punctuation is none. The quote bank's length window, a draft's passages, the
documents listing and the word runs that keep one speaker's words out of another's
quote all count this way.
"""

from __future__ import annotations

import re

#: A word: letters or digits, with inner apostrophes (straight or curly).
WORD = re.compile(r"\w+(?:['’]\w+)*")


def count_words(text: str) -> int:
    """Words as a reader counts them ("don't" is one word, punctuation is none)."""
    return len(WORD.findall(text))
