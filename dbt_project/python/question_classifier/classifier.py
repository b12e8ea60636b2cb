"""Decide whether one inbound message is a citizen's question (CONTRACT.md §3), and say why.

A message is cleaned first (HTML remnants made text, handles shortened to their name, a native retweet ends
it, text after an ``RT @`` is dropped, URLs, quoted questions and the leading ``@mentions`` removed), then
every rule that matches adds
its weight once: ``start`` rules at the start of a clause, ``any`` rules anywhere, ``mention`` rules on
the leading @handles (a tagged fellow citizen).
A positive total is a question. The reason lists the rules that matched, strongest first on the side
that won, so an auditor can trace each decision back to rows of the seed files.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from question_classifier.model import MODEL_RULE_ID
from question_classifier.rules import Rule, Rules

#: Sentence and clause boundaries: rules of scope ``start`` are tried at the start of each piece. An emoji
#: followed by a space ends a sentence too (``Al vier keer gemeld 😤 Wanneer wordt ...``), also one that ends
#: in a variation selector (``❤️``, ``🤦‍♂️``), and symbols and flags outside the main emoji block (``⏰``, ``⭐``).
_CLAUSE_BOUNDARY = re.compile(
    r"(?<=[.!?:;\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f1e6-\U0001f1ff\U0001f300-\U0001faff])\s+"
    r"|\n+|,\s+|\s+-\s+")
#: Emoji, quotes and stray punctuation in front of a clause hide its first word.
_LEADING_NOISE = re.compile(r"^[\W_]+")
#: HTML that reached the classifier (Mastodon content is HTML; the loaders read it as text, but a remnant may
#: slip through): a line break or a paragraph boundary is a new line, any other tag is dropped. Only real tags
#: (a letter after ``<``), so ``<3`` and ``a < b`` stay.
_HTML_BREAK = re.compile(r"<br\s*/?>|</?p(?:\s[^<>]*)?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?/?>")
#: A handle with a server or domain: Mastodon ``@name@server``, Bluesky ``@handle.bsky.social`` and domain
#: handles ``@gemeente.nl``. It is shortened to ``@name``, the form of an X or Instagram mention, so the rules
#: and the model see an addressee the way they always have; an e-mail address (a word before ``@``) is left.
_HANDLE_DOMAIN = re.compile(r"(?<![\w@])(@[\w-]*\w)(?:@[\w-]+(?:\.[\w-]+)+|(?:\.[\w-]*\w)+)")


@dataclass(frozen=True)
class Classification:
    """The decision on one message, the rule ids behind it and a reason readable by an auditor."""

    is_question: bool
    reason: str
    score: int = 0
    rule_ids: tuple[str, ...] = ()


def own_text(text: str, rules: Rules) -> tuple[str, bool]:
    """The author's own words and whether an ``RT @`` was cut off; empty own words for a native retweet."""
    text = prepared(text)
    retweet = rules.markers["retweet"].regex.search(text)
    if retweet is None:
        return text, False
    return text[: retweet.start()].strip(), True


def prepared(text: str) -> str:
    """Text as the rules read it: HTML remnants made text (tags dropped, ``<br>`` and paragraphs as new
    lines, entities such as X's ``&amp;`` decoded) and handles with a server or domain shortened to ``@name``.
    """
    if "<" in text:
        text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", text))
    if "&" in text:
        text = html.unescape(text)
    if "@" in text:
        text = _HANDLE_DOMAIN.sub(r"\1", text)
    return text.strip()


def clean(text: str, rules: Rules) -> str:
    """Own text without URLs (a ``?`` in a link is no question), quoted questions and leading mentions."""
    return split_mentions(text, rules)[1]


def split_mentions(text: str, rules: Rules) -> tuple[str, str]:
    """The leading @mentions of own text, and the text cleaned of URLs, quoted questions and those mentions.

    A question in quotation marks is someone else's (``Mijn zoon vroeg "mag ik erin?"``): it is removed
    like a URL, so its ``?`` and its opening word do not count.
    """
    text = rules.markers["url"].regex.sub(" ", text)
    quotation = rules.markers.get("quotation")
    if quotation is not None and "?" in text:
        text = quotation.regex.sub(" ", text)
    text = text.strip()
    mentions = rules.markers["leading_mention"].regex.match(text)
    if mentions is None:
        return "", text
    return mentions.group(0).strip(), text[mentions.end():].strip()


def clauses(text: str, rules: Rules) -> list[str]:
    """The sentences and clauses of cleaned text, each without leading noise, mentions or greeting."""
    pieces = []
    for piece in _CLAUSE_BOUNDARY.split(text):
        piece = _LEADING_NOISE.sub("", piece)
        piece = rules.markers["leading_mention"].regex.sub("", piece)
        piece = rules.markers["greeting"].regex.sub("", piece)
        if piece:
            pieces.append(piece)
    return pieces


def _matches(rule: Rule, text: str, starts: list[str], mentions: str) -> bool:
    """Whether one rule matches: a ``start`` rule at the start of a clause, an ``any`` rule anywhere, a
    ``mention`` rule on the leading @handles."""
    if rule.scope == "start":
        return any(rule.regex.match(piece) for piece in starts)
    if rule.scope == "mention":
        return bool(mentions) and rule.regex.search(mentions) is not None
    return rule.regex.search(text) is not None


def matching_rules(text: str, rules: Rules, mentions: str = "") -> list[Rule]:
    """Every rule that matches cleaned text (and its leading ``mentions``), each once; the negative rules
    only if a positive one did.

    Negative weights can only lower the score, so without a positive match the message is no question
    whatever else matches; skipping them keeps the common case fast and changes no decision.
    """
    starts = clauses(text, rules)
    matched = [rule for rule in rules.positive if _matches(rule, text, starts, mentions)]
    if matched:
        matched += [rule for rule in rules.negative if _matches(rule, text, starts, mentions)]
    return matched


def _reason(is_question: bool, score: int, matched: list[Rule], model: tuple[int, str] | None = None) -> str:
    """Name the rules (and the model) behind a decision, the strongest on the winning side first."""
    verdict = "question" if is_question else "not a question"
    if not matched:
        return f"{verdict}: no question signal matched"
    sign = 1 if is_question else -1
    named = [(rule.weight, rule.rule_id, f"{rule.rule_id} ({rule.weight:+d})") for rule in matched]
    if model is not None:
        named.append((model[0], MODEL_RULE_ID, model[1]))
    ordered = sorted(named, key=lambda item: (-(item[0] * sign), item[1]))
    return f"{verdict}: {', '.join(text for _, _, text in ordered)} = {score:+d}"


def classify(text: str, rules: Rules) -> Classification:
    """Classify one message as a question to the municipality or not, with the rules that decided."""
    own, had_retweet = own_text(text or "", rules)
    if had_retweet and not own:
        rule_id = rules.markers["retweet"].rule_id
        return Classification(False, f"not a question: native retweet ({rule_id})", 0, (rule_id,))
    mentions, cleaned = split_mentions(own, rules)
    matched = matching_rules(cleaned, rules, mentions)
    score = sum(rule.weight for rule in matched)
    rule_ids = tuple(rule.rule_id for rule in matched)
    model = None
    if rules.model is not None and matched:  # matched holds a positive rule: see matching_rules
        model = rules.model.weight(cleaned)
        if model[0]:
            score += model[0]
            rule_ids += (MODEL_RULE_ID,)
        else:
            model = None
    reason = _reason(score > 0, score, matched, model)
    if had_retweet:
        reason += " [own text before RT @ only]"
    return Classification(score > 0, reason, score, rule_ids)
