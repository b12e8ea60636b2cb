"""Train the classifier's n-gram model and write ``model_weights.json`` next to it.

``python -m question_classifier.train`` fits a logistic regression (scikit-learn, L2, ``C`` below) on the
word and character n-grams (:func:`question_classifier.model.features`) of the development data only
(:func:`question_classifier.evaluate.development_messages`): the varied set's two parts, the first labelled
set, the new platforms' train part, the round-2 batch (``varied_sealed_2.csv``, measured once and since then
development data) and the round-3 development messages. The sealed batch 3 and the held-out set are never
read here.

Only messages where a positive rule matched are used, because only those ever reach the model (see
:mod:`question_classifier.model`). The weights are written rounded and sorted, so the same data give the
same file byte for byte. ``--cv`` first prints out-of-fold figures of the rules with and without the model,
which is how ``C``, ``CHAR_SIZES``, ``SCALE``, ``LIMIT``, ``MIN_ABS`` and ``NEGATIVE_ONLY`` were chosen: over
10 folds of all the development data, and with each later batch left out whole (the model trained on the
rest), which is closer to what a fresh batch written in other words will see.

scikit-learn is needed here only; the classifier reads the JSON with the standard library.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from question_classifier.classifier import matching_rules, own_text, split_mentions
from question_classifier.evaluate import Labelled, development_messages, metrics_of
from question_classifier.model import DEFAULT_MODEL, features
from question_classifier.rules import DEFAULT_SEED_DIR, Rules, load_rules

#: Inverse L2 regularisation strength of the logistic regression.
C = 1.0
#: Sizes of the character n-grams inside words (round 3): out of fold they gained precision on a batch
#: left out whole, where words are spelled and inflected unlike the training data.
CHAR_SIZES = (3, 5)
#: Batches (by message id prefix) that ``--cv`` also leaves out whole.
LEFT_OUT_BATCHES = {"s2_": "varied_sealed_2.csv", "d3_": "varied_dev_3.csv"}
#: Log-odds to rule-score units: the model's integer weight is round(SCALE * log-odds) ...
SCALE = 2.0
#: ... at most LIMIT in size ...
LIMIT = 6
#: ... and counts only when larger than MIN_ABS in size ...
MIN_ABS = 2
#: ... and only to lower the score: out of fold, positive contributions cost more precision than they
#: gained recall.
NEGATIVE_ONLY = True
#: Weights smaller than this are dropped from the file (they cannot move a decision).
MIN_WEIGHT = 0.01


def rule_view(text: str, rules: Rules) -> tuple[str, int, bool]:
    """Cleaned text as the model sees it, the rule score, and whether a positive rule matched."""
    own, had_retweet = own_text(text, rules)
    if had_retweet and not own:
        return "", 0, False
    mentions, cleaned = split_mentions(own, rules)
    matched = matching_rules(cleaned, rules, mentions)
    return cleaned, sum(rule.weight for rule in matched), bool(matched)


def _fit(texts: list[str], labels: list[bool]):  # noqa: ANN202 - scikit-learn objects
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([_vector(text) for text in texts])
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(matrix, labels)
    return vectorizer, model


def _vector(text: str) -> dict[str, int]:
    return features(text, CHAR_SIZES)


def _contribution(odds: float) -> int:
    weight = max(-LIMIT, min(LIMIT, round(SCALE * odds)))
    if abs(weight) <= MIN_ABS or (NEGATIVE_ONLY and weight > 0):
        return 0
    return weight


def _print_figures(name: str, scores: list[int], labels: list[bool]) -> None:
    figures = metrics_of((score > 0, label) for score, label in zip(scores, labels, strict=True))
    print(f"{name:44} precision={figures.precision:.3f} recall={figures.recall:.3f} "
          f"(tp={figures.true_pos} fp={figures.false_pos} fn={figures.false_neg})")


def _model_scores(views: list[tuple[str, int, bool]], labels: list[bool], train: list[int],
                  test: list[int]) -> dict[int, int]:
    """Rule score plus the model's weight for the ``test`` messages, the model fitted on ``train`` only."""
    train = [i for i in train if views[i][2]]
    vectorizer, model = _fit([views[i][0] for i in train], [labels[i] for i in train])
    test = [i for i in test if views[i][2]]
    scores = {i: views[i][1] for i in test}
    if test:
        odds = model.decision_function(vectorizer.transform([_vector(views[i][0]) for i in test]))
        for i, value in zip(test, odds, strict=True):
            scores[i] += _contribution(float(value))
    return scores


def cross_validate(messages: list[Labelled], rules: Rules, folds: int = 10) -> None:
    """Print out-of-fold precision and recall of the rules alone and of the rules with the model: over
    ``folds`` folds of all ``messages``, and on each batch of :data:`LEFT_OUT_BATCHES` left out whole."""
    from sklearn.model_selection import StratifiedKFold

    views = [rule_view(m.text, rules) for m in messages]
    labels = [m.is_question for m in messages]
    rule_scores = [score for _, score, _ in views]
    with_model = list(rule_scores)
    strata = [2 * label + positive for label, (_, _, positive) in zip(labels, views, strict=True)]
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(views, strata):
        for i, score in _model_scores(views, labels, list(train), list(test)).items():
            with_model[i] = score
    _print_figures(f"{folds} folds, rules only", rule_scores, labels)
    _print_figures(f"{folds} folds, rules + model", with_model, labels)
    for prefix, name in LEFT_OUT_BATCHES.items():
        test = [i for i, m in enumerate(messages) if m.message_id.startswith(prefix)]
        if not test:
            continue
        train = [i for i, m in enumerate(messages) if not m.message_id.startswith(prefix)]
        scores = _model_scores(views, labels, train, test)
        _print_figures(f"{name} left out, rules only", [rule_scores[i] for i in test], [labels[i] for i in test])
        _print_figures(f"{name} left out, rules + model", [scores.get(i, rule_scores[i]) for i in test],
                       [labels[i] for i in test])


def train(rules: Rules) -> dict[str, object]:
    """Fit on every development message a positive rule matched; the JSON document of the model."""
    messages = development_messages()
    views = [(rule_view(m.text, rules), m.is_question) for m in messages]
    used = [(view[0], label) for view, label in views if view[2]]
    vectorizer, model = _fit([text for text, _ in used], [label for _, label in used])
    weights = {gram: round(float(weight), 3) for gram, weight in zip(vectorizer.get_feature_names_out(),
                                                                     model.coef_[0], strict=True)
               if abs(weight) >= MIN_WEIGHT}
    return {
        "about": "Logistic regression on word and character n-grams (dbt_project/python/question_classifier/model.py), "
                 "trained by python -m question_classifier.train on development data only (varied_dev.csv, "
                 "varied_sealed.csv, labelled_messages.csv, platforms_train.csv, varied_sealed_2.csv, "
                 "varied_dev_3.csv; never the sealed batch 3 nor platforms_heldout.csv).",
        "trained_on": len(used),
        "C": C,
        "char_ngrams": list(CHAR_SIZES) if CHAR_SIZES else None,
        "scale": SCALE,
        "limit": LIMIT,
        "min_abs": MIN_ABS,
        "negative_only": NEGATIVE_ONLY,
        "intercept": round(float(model.intercept_[0]), 3),
        "weights": dict(sorted(weights.items())),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m question_classifier.train")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEED_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--cv", action="store_true", help="print out-of-fold figures first")
    args = parser.parse_args(argv)
    rules = load_rules(args.seeds, model=False)
    if args.cv:
        cross_validate(development_messages(), rules)
    document = train(rules)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(document['weights'])} n-gram weights, trained on {document['trained_on']} messages)")


if __name__ == "__main__":
    main()
