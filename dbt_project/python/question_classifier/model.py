"""A small linear model on word and character n-grams: one more weighted signal for the classifier, readable in
the reason.

The model is a logistic regression trained by ``python -m question_classifier.train`` on the development
data only, and stored as JSON next to this file (``model_weights.json``): an intercept and a weight per
n-gram. Inference is pure Python: the n-grams of a message are looked up in a dict and summed, so the
classifier keeps no heavy import and stays deterministic.

Word unigrams and bigrams say what a message says; character n-grams inside words (round 3, e.g. ``<eig``,
``lijk>``) let the model recognise a word it saw in another spelling, inflection or dialect (``eigenlijk``,
``eigelijk``, ``eigenluk``), which matters on fresh messages written in words the training data lack. The
reason never names a character n-gram: their weights are added to the word they are part of, so it names
words and word pairs only.

Its log-odds enter the rule score as an integer weight, ``round(scale * log-odds)`` limited to
``[-limit, limit]``; a weight of at most ``min_abs`` in size counts as 0, and with ``negative_only`` the
model can only lower a score (it doubts, it never invents a question). All four settings are stored in the
JSON. The reason names the n-grams that pushed it most, e.g. ``model (-4: "nou", "eigenlijk", "🙄")``.
Like the negative rules, the model is consulted only when a positive rule matched: a message without any
question signal stays no question, and stays cheap.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Where the trained weights live (hashed into the build's code version with the rest of this package).
DEFAULT_MODEL: Path = Path(__file__).resolve().parent / "model_weights.json"
#: The rule id under which the model's contribution appears in scores and reasons.
MODEL_RULE_ID = "model"
#: How many n-grams the reason names.
REASON_NGRAMS = 3
#: How many words' character n-gram weights a model remembers before it starts over.
WORD_CACHE_SIZE = 200_000

#: Words (letters, digits, apostrophes inside a word), runs of ``?``/``!``, and single other symbols (emoji).
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[?!]+|[^\w\s]")
#: Symbols that carry no signal on their own.
_SKIP = frozenset(".,:;()[]{}\"'`-–—/\\*_~|<>=+&%$#@^")
#: Prefix of a character n-gram feature: keeps it apart from a word n-gram of the same letters.
CHAR_PREFIX = "#"


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of cleaned text, with ``<s>`` at the start and after each sentence end, ``</s>`` at
    the end (round 3: whether a message ends on its question or goes on after it, ``? </s>`` against
    ``logisch </s>``), digits folded to ``0`` and runs of ``?``/``!`` shortened."""
    found = ["<s>"]
    for token in _TOKEN.findall(text.lower()):
        if token in _SKIP:
            if token in ".:;" and found[-1] != "<s>":
                found.append("<s>")
            continue
        if token[0].isdigit():
            token = "0"
        elif token[0] in "?!":
            token = "?!" if ("?" in token and "!" in token) else token[0] * min(len(token), 2)
        found.append(token)
        if token[0] in "?!":
            found.append("<s>")
    if found[-1] == "<s>":
        found[-1] = "</s>"
    else:
        found.append("</s>")
    return found


def char_grams(word: str, sizes: tuple[int, int]) -> list[str]:
    """The distinct character n-grams of one word (``<`` and ``>`` mark its start and end), sizes ``lo`` to
    ``hi``."""
    lo, hi = sizes
    marked = f"<{word}>"
    return list(dict.fromkeys(CHAR_PREFIX + marked[i:i + n] for n in range(lo, hi + 1)
                              for i in range(len(marked) - n + 1)))


def features(text: str, char_sizes: tuple[int, int] | None = None) -> dict[str, int]:
    """The n-grams of cleaned text and their values: each word unigram and bigram of :func:`tokens` once
    (value 1), and with ``char_sizes`` each character n-gram with the number of distinct words of letters
    that hold it. So the model's log-odds are a sum over distinct words of their character n-grams'
    weights, which inference computes once per word and remembers (:meth:`Model.log_odds`)."""
    words = tokens(text)
    values = dict.fromkeys(_word_grams(words), 1)
    if char_sizes is not None:
        for word in _letter_words(words):
            for gram in char_grams(word, char_sizes):
                values[gram] = values.get(gram, 0) + 1
    return values


def _letter_words(words: list[str]) -> list[str]:
    """The distinct tokens that are words of letters (the ones with character n-grams)."""
    return [word for word in dict.fromkeys(words) if word.isalpha()]


def _word_grams(tokens: list[str]) -> dict[str, None]:
    grams = dict.fromkeys(tokens[1:])
    grams.update(dict.fromkeys(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)))
    grams.pop("<s>", None)
    grams.pop("</s>", None)
    return grams


@dataclass(frozen=True)
class Model:
    """Weights of the linear model and how its log-odds become an integer rule weight."""

    weights: dict[str, float]
    intercept: float
    scale: float
    limit: int
    min_abs: int = 0
    negative_only: bool = False
    source: str = ""
    #: Sizes (smallest, largest) of the character n-grams inside words; ``None``: word n-grams only.
    char_sizes: tuple[int, int] | None = None
    #: Each word's summed character n-gram weight, remembered: words repeat across messages, and summing
    #: a word's 10-20 n-grams again each time would cost a third of the classifier's speed.
    _word_weights: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    #: The character n-gram weights without :data:`CHAR_PREFIX`, so a new word is looked up without building
    #: a prefixed string per n-gram.
    _char_weights: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        prefix = len(CHAR_PREFIX)
        self._char_weights.update((gram[prefix:], weight) for gram, weight in self.weights.items()
                                  if gram.startswith(CHAR_PREFIX))

    def log_odds(self, text: str) -> tuple[float, list[tuple[str, float]]]:
        """The model's log-odds that cleaned ``text`` is a question, and the words and word pairs that carry
        weight: a word's weight includes that of its character n-grams, so the reason can name it."""
        weights = self.weights
        words = tokens(text)
        hits = {gram: weights[gram] for gram in _word_grams(words) if gram in weights}
        if self.char_sizes is not None:
            for word in _letter_words(words):
                total = self._word_weights.get(word)
                if total is None:
                    total = self._char_weight(word)
                    if len(self._word_weights) >= WORD_CACHE_SIZE:
                        self._word_weights.clear()
                    self._word_weights[word] = total
                if total:
                    hits[word] = hits.get(word, 0.0) + total
        return self.intercept + sum(hits.values()), list(hits.items())

    def _char_weight(self, word: str) -> float:
        """The summed weight of a word's distinct character n-grams (as :func:`char_grams`, unprefixed)."""
        lo, hi = self.char_sizes or (0, -1)
        marked = f"<{word}>"
        # dict, not set: the sum runs in the same order in every process (a set's order follows the hash seed)
        grams = dict.fromkeys(marked[i:i + n] for n in range(lo, hi + 1) for i in range(len(marked) - n + 1))
        get = self._char_weights.get
        return sum(get(gram, 0.0) for gram in grams)

    def weight(self, text: str) -> tuple[int, str]:
        """The integer weight the model adds to the rule score, and its part of the reason."""
        odds, hits = self.log_odds(text)
        weight = max(-self.limit, min(self.limit, round(self.scale * odds)))
        if abs(weight) <= self.min_abs or (self.negative_only and weight > 0):
            weight = 0
        sign = 1 if weight > 0 else -1
        top = sorted((hit for hit in hits if hit[1] * sign > 0), key=lambda hit: (-abs(hit[1]), hit[0]))
        named = ", ".join(f'"{_shown(gram)}"' for gram, _ in top[:REASON_NGRAMS])
        return weight, f"{MODEL_RULE_ID} ({weight:+d}{': ' + named if named and weight else ''})"


def _shown(gram: str) -> str:
    """An n-gram as the reason shows it: ``^`` for the start of a sentence, ``$`` for the end of the message,
    ``…`` for a sentence end that more text follows (``"?…"``: a question the writer goes on after)."""
    return gram.replace("<s> ", "^").replace(" </s>", "$").replace(" <s>", "…")


def load_model(path: Path = DEFAULT_MODEL) -> Model | None:
    """The stored model, or ``None`` if there is no weights file (the rules then decide alone)."""
    path = Path(path)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    sizes = data.get("char_ngrams")
    return Model({str(k): float(v) for k, v in data["weights"].items()}, float(data["intercept"]),
                 float(data["scale"]), int(data["limit"]), int(data.get("min_abs", 0)),
                 bool(data.get("negative_only", False)), path.name,
                 (int(sizes[0]), int(sizes[1])) if sizes else None)
