"""The label the generator intends for an inbound text: question or not (CONTRACT.md §3).

Used by ``measure.py`` to recompute the research figures from the generated files, and by the tests to
compare with the project's classifier. It only needs to understand the demo's own templates: questions
hold a ``?`` or open with a request phrase; nothing else does. Retweets never are questions; text before
an ``RT @`` is the author's own.
"""

from __future__ import annotations

import re

from demo.texts import REQUEST_OPENINGS

#: ``@handle`` (X), ``@name.bsky.social`` (Bluesky) and ``@name`` / ``@name@server`` (Mastodon).
_LEADING_MENTIONS = re.compile(r"^(?:@[\w.@-]+\s+)+")


def own_text(text: str) -> str:
    """The author's own words: without leading @mentions and without a quoted ``RT @...`` tail."""
    cut = text.find("RT @")
    own = text[:cut] if cut >= 0 else text
    return _LEADING_MENTIONS.sub("", own).strip()


def is_intended_question(text: str) -> bool:
    """True if the demo generated this inbound text as a question."""
    own = own_text(text)
    return "?" in own or own.lower().startswith(REQUEST_OPENINGS)
