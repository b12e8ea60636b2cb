"""Tests of the Dutch question classifier: edge rules, seed loading, the model, and the measure on the labelled
sets (figures computed here, never typed in). The sealed batch 3 is only checked for its shape until the lead
engineer has measured it once (its floor and target tests are placeholders)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from question_classifier import DEFAULT_SEED_DIR, Rules, RulesError, classify, load_rules, rules_from_rows
from question_classifier.evaluate import (
    DEFAULT_DEV,
    DEFAULT_FIRST_SEALED,
    DEFAULT_LABELLED,
    DEFAULT_PLATFORMS_HELDOUT,
    DEFAULT_PLATFORMS_TRAIN,
    NEW_PLATFORMS,
    errors_by_kind,
    is_platforms_heldout,
    is_sealed,
    measure,
    precision_interval,
    read_dev_3,
    read_heldout,
    read_labelled,
    read_platforms,
    read_sealed,
    read_sealed_2,
    read_varied,
    throughput,
    wilson,
)
from question_classifier.model import CHAR_PREFIX, MODEL_RULE_ID, load_model, tokens

TARGET = 0.9
#: The most a kind of message may get wrong on the sealed part (issue [classifier]).
KIND_MAX_WRONG = 1 / 3
#: The kinds of message of the issue, each present in every labelled batch.
ISSUE_KINDS = ("rhetorical", "aimed_at_citizens", "quoted_question", "indirect_request", "exclamation", "mixed",
               "complaint")
#: The sealed batch 2 (varied_sealed_2.csv) measured once in round 2 (precision 0.868, recall 0.950) and is
#: development data since round 3: the model is trained on it. These floors hold it at the level of the
#: round-3 classifier (docs/classifier.md), as a regression check, not an estimate.
BATCH_2_PRECISION_FLOOR = 0.99
BATCH_2_RECALL_FLOOR = 0.96
#: The round-3 development messages (varied_dev_3.csv), trained on: held at the round-3 level.
DEV_3_PRECISION_FLOOR = 0.97
DEV_3_RECALL_FLOOR = 0.94

#: The sealed batch 3 measured once with the frozen round-3 classifier (commit 5302934): precision 0.925
#: (95 % CI 0.890-0.949), recall 0.955, no kind more than 0.25 wrong. Floors just under that level.
SEALED_3_PRECISION_FLOOR = 0.92
SEALED_3_RECALL_FLOOR = 0.95
SEALED_3_KIND_MAX_WRONG = 0.25


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_SEED_DIR)


def _development_texts() -> set[str]:
    """Every text the classifier was tuned or trained on, and the held-out set's."""
    earlier = (read_varied(DEFAULT_DEV) + read_varied(DEFAULT_FIRST_SEALED) + read_labelled(DEFAULT_LABELLED)
               + read_platforms(DEFAULT_PLATFORMS_TRAIN) + read_platforms(DEFAULT_PLATFORMS_HELDOUT)
               + read_sealed_2() + read_dev_3())
    return {m.text for m in earlier}


def _development_ids() -> set[str]:
    earlier = (read_varied(DEFAULT_DEV) + read_varied(DEFAULT_FIRST_SEALED) + read_labelled(DEFAULT_LABELLED)
               + read_platforms(DEFAULT_PLATFORMS_TRAIN) + read_platforms(DEFAULT_PLATFORMS_HELDOUT)
               + read_sealed_2() + read_dev_3())
    return {m.message_id for m in earlier}


def test_sealed_batch_3_is_large_varied_and_new() -> None:
    """The shape of the sealed batch 3 (no figure): enough messages, unique, none shared with any file the
    classifier was tuned on, six platforms and every kind of the issue."""
    sealed = read_sealed()
    assert len(sealed) >= 700
    assert len({m.text for m in sealed}) == len(sealed) and len({m.message_id for m in sealed}) == len(sealed)
    assert not {m.text for m in sealed} & _development_texts()
    assert not {m.message_id for m in sealed} & _development_ids()
    assert {m.platform for m in sealed} >= {"x", "facebook", "instagram", "mastodon", "bluesky", "webcare"}
    kinds = Counter(m.category for m in sealed)
    for needed in ISSUE_KINDS:
        assert kinds[needed] >= 1, needed


def test_sealed_batch_3_holds_its_floors(rules: Rules, capsys: pytest.CaptureFixture[str]) -> None:
    """The level the frozen round-3 classifier measured, once, on the sealed batch 3 (docs/classifier.md):
    computed from the file on every run, so a later change that slides back below it fails here."""
    sealed = read_sealed()
    metrics = measure(sealed, rules)
    with capsys.disabled():
        print(f"\nclassifier sealed batch 3: precision={metrics.precision:.3f} {precision_interval(metrics)} "
              f"recall={metrics.recall:.3f}", metrics)
    assert metrics.precision >= SEALED_3_PRECISION_FLOOR, f"sealed precision {metrics.precision:.3f} slid back"
    assert metrics.recall >= SEALED_3_RECALL_FLOOR, f"sealed recall {metrics.recall:.3f} slid back"
    too_wrong = [(k.kind, k.wrong, k.total) for k in errors_by_kind(sealed, rules)
                 if k.share_wrong > SEALED_3_KIND_MAX_WRONG]
    assert not too_wrong, f"kinds of message that slid back on the sealed batch 3: {too_wrong}"


def test_sealed_batch_3_reaches_target(rules: Rules) -> None:
    """The issue's target on the sealed batch 3: precision and recall at least 0.9, no kind of message more than
    a third wrong."""
    sealed = read_sealed()
    metrics = measure(sealed, rules)
    assert metrics.precision >= TARGET and metrics.recall >= TARGET, metrics
    assert all(k.share_wrong <= KIND_MAX_WRONG for k in errors_by_kind(sealed, rules))


@pytest.mark.parametrize(
    ("read", "precision_floor", "recall_floor"),
    [(read_sealed_2, BATCH_2_PRECISION_FLOOR, BATCH_2_RECALL_FLOOR),
     (read_dev_3, DEV_3_PRECISION_FLOOR, DEV_3_RECALL_FLOOR)],
    ids=["batch 2", "dev 3"],
)
def test_development_batches_hold_their_floors(rules: Rules, read, precision_floor: float,  # noqa: ANN001
                                               recall_floor: float, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression floors on the development batches of rounds 2 and 3: the model is trained on them, so
    these say the classifier did not slide back, not how it does on fresh messages."""
    messages = read()
    metrics = measure(messages, rules)
    with capsys.disabled():
        print(f"\nclassifier {read.__name__}: precision={metrics.precision:.3f} recall={metrics.recall:.3f}", metrics)
    assert metrics.precision >= precision_floor, f"precision {metrics.precision:.3f} slid back"
    assert metrics.recall >= recall_floor, f"recall {metrics.recall:.3f} slid back"
    too_wrong = [(k.kind, k.wrong, k.total) for k in errors_by_kind(messages, rules) if k.share_wrong > KIND_MAX_WRONG]
    assert not too_wrong, too_wrong


@pytest.mark.parametrize("read", [read_sealed_2, read_dev_3], ids=["batch 2", "dev 3"])
def test_development_batches_are_large_varied_and_new(read) -> None:  # noqa: ANN001
    batch = read()
    earlier = read_varied(DEFAULT_DEV) + read_varied(DEFAULT_FIRST_SEALED) + read_labelled(DEFAULT_LABELLED)
    assert len(batch) >= 400
    assert len({m.text for m in batch}) == len(batch) and len({m.message_id for m in batch}) == len(batch)
    assert not {m.text for m in batch} & {m.text for m in earlier}
    assert {m.platform for m in batch} >= {"x", "facebook", "instagram", "mastodon", "bluesky"}
    kinds = Counter(m.category for m in batch)
    for needed in ("rhetorical", "aimed_at_citizens", "indirect_request", "exclamation", "mixed"):
        assert kinds[needed] >= 20, needed


def test_model_is_one_more_signal_named_in_the_reason(rules: Rules) -> None:
    model = load_model()
    assert rules.model is not None and model is not None and model.weights
    assert load_rules(DEFAULT_SEED_DIR, model=False).model is None
    reasons = [classify(m.text, rules) for m in read_varied(DEFAULT_DEV)]
    with_model = [r for r in reasons if MODEL_RULE_ID in r.rule_ids]
    assert with_model, "the model never contributed on the dev part"
    for decision in with_model:
        assert f"{MODEL_RULE_ID} (-" in decision.reason and '"' in decision.reason, decision.reason
    # no question signal, no model: such messages stay cheap and undecided by the model
    assert classify("De lantaarnpaal is kapot.", rules).rule_ids == ()


def test_model_reason_names_words_of_the_message_never_character_ngrams(rules: Rules) -> None:
    """Character n-grams weigh in (round 3), but the reason names words and word pairs of the message only:
    a character n-gram's weight counts for the word it is part of."""
    import re

    from question_classifier.classifier import clean, own_text

    model = load_model()
    assert model is not None and model.char_sizes is not None
    assert any(gram.startswith(CHAR_PREFIX) for gram in model.weights)
    named = 0
    for message in read_varied(DEFAULT_DEV):
        decision = classify(message.text, rules)
        if MODEL_RULE_ID not in decision.rule_ids:
            continue
        part = re.search(r"model \([^)]*\)", decision.reason).group(0)
        words = set(tokens(clean(own_text(message.text, rules)[0], rules)))
        for gram in re.findall(r'"([^"]+)"', part):
            named += 1
            assert CHAR_PREFIX not in gram, decision.reason
            shown = gram.removeprefix("^").removesuffix("$").removesuffix("…")
            assert set(shown.split(" ")) <= words, (gram, decision.reason)
    assert named


def test_varied_set_is_large_varied_and_split_by_hash() -> None:
    dev, sealed = read_varied(DEFAULT_DEV), read_varied(DEFAULT_FIRST_SEALED)
    everything = dev + sealed
    assert len(everything) >= 1500
    assert all(is_sealed(m.text) for m in sealed) and not any(is_sealed(m.text) for m in dev)
    assert 0.3 <= len(sealed) / len(everything) <= 0.45
    assert len({m.text for m in everything}) == len(everything)
    assert len({m.message_id for m in everything}) == len(everything)
    assert {m.platform for m in everything} >= {"x", "facebook", "instagram", "mastodon", "bluesky"}
    kinds = Counter(m.category for m in everything)
    for needed in ("rhetorical", "aimed_at_citizens", "quoted_question", "indirect_request", "exclamation",
                   "mixed", "complaint"):
        assert kinds[needed] >= 50, needed
    for kind in kinds:  # every kind has messages in the sealed part
        assert any(m.category == kind for m in sealed), kind


def test_wilson_interval() -> None:
    low, high = wilson(243, 274)
    assert 0.84 < low < 0.85 and 0.91 < high < 0.92
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(5, 5)[1] == 1.0


def test_first_set_still_reaches_target(rules: Rules, capsys: pytest.CaptureFixture[str]) -> None:
    messages = read_labelled(DEFAULT_LABELLED)
    report = []
    for part in ("train", "heldout"):
        metrics = measure([message for message in messages if message.split == part], rules)
        report.append((part, metrics))
    speed = throughput([message.text for message in messages], rules, repeat=3)
    with capsys.disabled():
        for part, metrics in report:
            figures = f"precision={metrics.precision:.3f} recall={metrics.recall:.3f}"
            print(f"\nclassifier {part}: {figures}", metrics)
        print(f"classifier throughput: {speed:,.0f} messages/s")
    heldout = dict(report)["heldout"]
    assert heldout.precision >= TARGET, f"held-out precision {heldout.precision:.3f} < {TARGET}"
    assert heldout.recall >= TARGET, f"held-out recall {heldout.recall:.3f} < {TARGET}"


def test_heldout_set_with_new_platforms_reaches_target(rules: Rules, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue [platforms]: held-out precision and recall stay >= 0.9 with the new platforms' messages added to
    the held-out part, overall and on the new platforms alone."""
    heldout = read_heldout()
    parts = {"all": heldout, "new platforms": [m for m in heldout if m.platform in NEW_PLATFORMS]}
    for part, messages in parts.items():
        metrics = measure(messages, rules)
        with capsys.disabled():
            print(f"\nclassifier held out ({part}): precision={metrics.precision:.3f} recall={metrics.recall:.3f}",
                  metrics)
        assert metrics.precision >= TARGET, f"held-out ({part}) precision {metrics.precision:.3f} < {TARGET}"
        assert metrics.recall >= TARGET, f"held-out ({part}) recall {metrics.recall:.3f} < {TARGET}"


def test_platforms_set_is_large_varied_and_split_by_hash() -> None:
    heldout, train = read_platforms(DEFAULT_PLATFORMS_HELDOUT), read_platforms(DEFAULT_PLATFORMS_TRAIN)
    everything = heldout + train
    assert all(m.split == "heldout" for m in heldout) and all(m.split == "train" for m in train)
    assert 0.4 <= len(heldout) / len(everything) <= 0.6
    assert len({m.text for m in everything}) == len(everything)
    assert len({m.message_id for m in everything}) == len(everything)
    earlier = (read_varied(DEFAULT_DEV) + read_varied(DEFAULT_FIRST_SEALED) + read_labelled(DEFAULT_LABELLED)
               + read_sealed_2())
    assert not {m.text for m in everything} & {m.text for m in earlier}
    platforms = Counter(m.platform for m in everything)
    assert set(platforms) == set(NEW_PLATFORMS)
    for platform in NEW_PLATFORMS:
        assert platforms[platform] >= 150, platform
        assert any(m.platform == platform for m in heldout), platform
    kinds = Counter(m.category for m in everything)
    for needed in ("direct_question", "question_no_mark", "indirect_request", "mixed", "rhetorical",
                   "aimed_at_citizens", "quoted_question", "complaint", "statement", "thanks"):
        assert kinds[needed] >= 20, needed
    labels = Counter(m.is_question for m in heldout)
    assert labels[True] >= 100 and labels[False] >= 100
    # the salted split is not the sealed split of the varied set
    assert {is_platforms_heldout(m.text) for m in everything if is_sealed(m.text)} == {True, False}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # HTML remnants: paragraphs and <br> are new lines, entities decoded, other tags dropped
        ("<p>@gemeentedelft@social.overheid.nl Het viaduct is beklad.</p><p>Wanneer wordt het schoongemaakt</p>",
         True),
        ("<p><span class=\"h-card\"><a href=\"https://social.overheid.nl/@zutphen\" class=\"u-url mention\">"
         "@<span>zutphen</span></a></span> Dank voor het snelle antwoord!</p>", False),
        ("@wageningen@social.overheid.nl Weer kapot.<br>Kan iemand komen kijken", True),
        ("Mijn zoon vroeg &quot;mogen wij daar schaatsen?&quot; Nee dus 😅", False),
        ("Ik &lt;3 de nieuwe bieb &amp; het plein", False),
        # mentions with a server or domain, also in the middle of a message
        ("Vraag aan @deventer@social.overheid.nl: geldt de parkeerzone ook voor de Brink?", True),
        ("@zwolle.nl @bramkoster.bsky.social jij weet toch hoe dat zat met die vergunning?", False),
        ("@gemeente-leiden.bsky.social wanneer worden de kerstbomen opgehaald", True),
        # emoji: one ending in a variation selector ends a clause too
        ("Mooi plein ❤️ Komen er ook bankjes bij", True),
        ("😍😍😍", False),
        # a link without scheme, as Bluesky shows a link facet: its ? is no question mark
        ("interessant stuk: tubantia.nl/enschede/nieuw-stadhuis?ref=bsky", False),
    ],
)
def test_new_platform_texts(rules: Rules, text: str, expected: bool) -> None:
    assert classify(text, rules).is_question is expected, classify(text, rules).reason


def test_text_preparation_of_new_platforms() -> None:
    from question_classifier.classifier import prepared

    assert prepared("<p>a</p><p>b<br/>c</p>") == "a\n\nb\nc"
    assert prepared("hoi @kees@mastodon.social en @anne.bsky.social, @zwolle.nl!") == "hoi @kees en @anne, @zwolle!"
    assert prepared("mail info@gemeente.nl of bel") == "mail info@gemeente.nl of bel"
    assert prepared("ik <3 dit & a < b") == "ik <3 dit & a < b"
    assert prepared("V&amp;D") == "V&D"


def test_labelled_set_is_large_varied_and_split() -> None:
    messages = read_labelled(DEFAULT_LABELLED)
    splits = Counter(message.split for message in messages)
    assert len(messages) >= 650
    assert set(splits) == {"train", "heldout"}
    assert 0.35 <= splits["heldout"] / len(messages) <= 0.45
    assert len({message.message_id for message in messages}) == len(messages)
    assert len({message.text for message in messages}) == len(messages)
    categories = Counter(message.category for message in messages)
    for needed in ("retweet", "url_qmark", "citizen_question", "rhetorical", "sarcasm", "exclamation",
                   "question_no_mark", "request", "question_en", "question_before_rt", "thanks", "complaint"):
        assert categories[needed] >= 5, needed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@gemeenteutrecht@social.overheid.nl wanneer gaat de Catharijnesingel dicht", True),
        ("@gemeente-utrecht.bsky.social waarom staat de fontein droog", True),
        ('Mijn zoon vroeg "mag ik erin?" en dat mocht 😂', False),
        ("Eerste vraag van mijn dochter: 'waar zijn de eendjes?' Ze waren weg.", False),
        ("@gemeente_x @buurman_kees Hebben jullie die brief ook ontvangen?", False),
        ("@Rotterdam Graag weten wanneer de brug weer open is", True),
        ("Hoe lang nog? Blijkbaar eeuwig.", False),
        ("Weten jullie eigenlijk wel hoe het is om hier te wonen?", False),
        ("Mijn dochter vroeg waarom de speeltuin dicht is. Wat is er aan de hand?", True),
        ("Haal die dode boom weg voordat hij op een auto valt", True),
        ("Het zou fijn zijn als er een bankje bij de bushalte komt", True),
    ],
)
def test_new_platforms_quotes_tags_rhetoric_and_requests(rules: Rules, text: str, expected: bool) -> None:
    assert classify(text, rules).is_question is expected, classify(text, rules).reason


def test_demo_templates_are_classified_as_intended(rules: Rules) -> None:
    import random

    texts = pytest.importorskip("demo.texts")
    labels = pytest.importorskip("demo.labels")
    rng = random.Random(7)
    templates = [template for _, template in texts.QUESTIONS] + [
        *texts.COMPLAINTS, *texts.PRAISE, *texts.THANKS, *texts.FOLLOW_UPS, *texts.OWN_COMMENTS_BEFORE_RT]
    for template in templates:
        for _ in range(5):
            text = "@AlphenAanDenRij " + texts.fill(template, rng)
            assert classify(text, rules).is_question is labels.is_intended_question(text), text


@pytest.mark.parametrize(
    "text",
    [
        "RT @gemeenteutrecht: Wanneer wordt uw afval opgehaald? Kijk op https://t.co/a8Ks9",
        "rt @zaanstad: kunt u uw grofvuil online aanmelden?",
        "RT@Gemeente050 Hoe gaat het met de schade in uw wijk?",
    ],
)
def test_native_retweet_is_never_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "retweet" in result.reason


def test_own_text_before_rt_is_judged_alone(rules: Rules) -> None:
    asked = classify("Geldt dit ook voor Bennekom? RT @Gemeente_Ede: Vanaf 1 juli nieuwe afvalregels", rules)
    assert asked.is_question
    assert "own text before RT @" in asked.reason
    cheered = classify("Eindelijk!! RT @burger_jan: @gemeente wanneer wordt de brug gemaakt?", rules)
    assert not cheered.is_question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Het raadsvoorstel staat hier: https://ris.gemeente.nl/document?id=8812&type=pdf", False),
        ("@gemeente zie https://www.youtube.com/watch?v=Xy7dQ2 dit gebeurde gisteren", False),
        ("Klopt dit? https://www.parool.nl/nieuws?id=3", True),
    ],
)
def test_question_mark_inside_url_does_not_count(rules: Rules, text: str, expected: bool) -> None:
    assert classify(text, rules).is_question is expected


@pytest.mark.parametrize(
    "text",
    [
        "Wat een prachtige kerstmarkt dit jaar!",
        "@gemeente wat een chaos op de Biltstraat",
        "Hoe mooi is het park!",
    ],
)
def test_exclamation_is_not_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "neg_exclaim" in result.reason


@pytest.mark.parametrize(
    "text",
    [
        "@buurman weet jij of de milieustraat vandaag open is?",
        "@gemeente @sanne heb jij dit ook gehad met je parkeervergunning?",
        "Anja van Dijk heb jij dit gezien? Ze gaan de speeltuin weghalen",
    ],
)
def test_question_to_another_citizen_is_not_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "neg_citizen" in result.reason or "neg_name_tag" in result.reason


@pytest.mark.parametrize(
    "text",
    [
        "Graag weten wanneer de Dorpsstraat weer open gaat",
        "@gemeente Kunt u de lantaarnpaal voor nummer 41 repareren",
        "Wilt u de lantaarnpaal repareren",
        "Weet iemand bij de gemeente wanneer de bladkorven komen",
        "mag ik mijn caravan voor de deur parkeren",
        "Is het mogelijk om de aanslag in termijnen te betalen",
        "@gemeente Wanneer gaat het zwembad V&amp;D open?",
    ],
)
def test_questions_and_requests_without_question_mark(rules: Rules, text: str) -> None:
    assert classify(text, rules).is_question


@pytest.mark.parametrize(
    "text",
    [
        "Hoe moeilijk kan het zijn om een stoep vlak te leggen?",
        "Goed bezig gemeente, weer de hele straat open 👏",
        "@gemeente Dank voor de snelle reactie!",
        "De lantaarnpaal in de Merelstraat is al een week kapot.",
        "",
        "   ",
    ],
)
def test_rhetoric_sarcasm_thanks_and_complaints_are_not_questions(rules: Rules, text: str) -> None:
    assert not classify(text, rules).is_question


def test_reason_names_seed_rules_and_is_deterministic(rules: Rules) -> None:
    text = "@gemeente Wanneer wordt het grofvuil opgehaald?"
    first, second = classify(text, rules), classify(text, rules)
    assert first == second
    known = {rule.rule_id for rule in rules.scoring}
    assert first.rule_ids and set(first.rule_ids) <= known
    assert first.reason.startswith("question: ") and "q_mark (+2)" in first.reason


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEED_DIR, target, ignore=shutil.ignore_patterns("*.yml"))
    return target


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('bad_re,request,any,"(unclosed",3,x\n', "invalid pattern"),
        ("q_mark,request,any,x,3,duplicate\n", "duplicate rule id"),
        ("odd,request,everywhere,x,3,x\n", "unknown scope"),
        ("heavy,request,any,x,three,x\n", "non-integer weight"),
        ("rt_again,retweet,marker,x,0,x\n", "defined twice"),
        ("odd_marker,emoji,marker,x,0,x\n", "unknown text markers"),
    ],
)
def test_load_rules_rejects_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    seeds = _copy_seeds(tmp_path)
    with (seeds / "request_phrases.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    with pytest.raises(RulesError, match=message):
        load_rules(seeds)


def test_load_rules_needs_columns_and_markers(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "text_markers.csv").unlink()
    with pytest.raises(RulesError, match="missing text markers"):
        load_rules(seeds)
    (seeds / "request_phrases.csv").write_text("rule_id,pattern\nx,y\n", encoding="utf-8")
    with pytest.raises(RulesError, match="missing columns"):
        load_rules(seeds)
    with pytest.raises(RulesError, match="no classifier seeds"):
        load_rules(tmp_path / "empty")


def test_rules_from_warehouse_rows_decide_like_the_files(rules: Rules) -> None:
    rows = []
    for path in sorted(DEFAULT_SEED_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += [dict(row, weight=int(row["weight"])) for row in csv.DictReader(handle)]
    from_rows = rules_from_rows(rows)
    for message in read_labelled(DEFAULT_LABELLED)[:200]:
        assert classify(message.text, from_rows) == classify(message.text, rules)
