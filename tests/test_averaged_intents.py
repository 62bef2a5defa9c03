"""The averaged intent classifier: the arithmetic, and the component trained on real features."""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest

from nlu_components.averaged_intents import EARLIER_WEIGHT, AveragedIntentClassifier, averaged_ranking


def test_averaged_ranking_is_the_weighted_mean_best_first() -> None:
    earlier = {"ask_weight": 0.8, "ask_side_effects": 0.2}
    own = {"ask_weight": 0.4, "ask_side_effects": 0.5, "out_of_scope": 0.1}

    ranking = averaged_ranking(earlier, own, 0.5)

    assert [entry["name"] for entry in ranking] == ["ask_weight", "ask_side_effects", "out_of_scope"]
    assert [entry["confidence"] for entry in ranking] == pytest.approx([0.6, 0.35, 0.05])


def test_an_intent_the_earlier_ranking_left_out_counts_as_zero_there() -> None:
    ranking = averaged_ranking({"greet": 1.0}, {"greet": 0.5, "thank": 0.5}, 0.75)

    assert {entry["name"]: entry["confidence"] for entry in ranking} == pytest.approx({"greet": 0.875, "thank": 0.125})


def test_nlu_fallback_from_an_earlier_component_is_not_averaged_as_an_intent() -> None:
    ranking = averaged_ranking({"nlu_fallback": 0.5, "greet": 0.4}, {"greet": 1.0}, 0.5)

    assert [entry["name"] for entry in ranking] == ["greet"]


TRAINING: List[Tuple[str, str]] = [
    ("does ldn make you gain weight", "ask_weight"),
    ("will i put on pounds with ldn", "ask_weight"),
    ("weight gain on naltrexone", "ask_weight"),
    ("what are the side effects of ldn", "ask_side_effects"),
    ("does naltrexone cause headaches", "ask_side_effects"),
    ("side effects of low dose naltrexone", "ask_side_effects"),
    ("hello there", "greet"),
    ("hi", "greet"),
    ("good morning", "greet"),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """Whitespace tokens + word counts (real Rasa components), and the classifier trained on them."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("storage")))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("words"), context
    )
    data = TrainingData([Message.build(text=text, intent=intent) for text, intent in TRAINING])
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    classifier = AveragedIntentClassifier.create(
        {**AveragedIntentClassifier.get_default_config(), EARLIER_WEIGHT: 0.5}, storage, Resource("vote"), context
    )
    classifier.train(data)
    loaded = AveragedIntentClassifier.load(
        classifier.config, storage, Resource("vote"), ExecutionContext(GraphSchema({}), "test")
    )

    def featurised(text: str, earlier_ranking=None) -> Message:
        message = Message.build(text=text)
        if earlier_ranking is not None:
            message.set("intent_ranking", earlier_ranking)
            message.set("intent", earlier_ranking[0])
        tokenizer.process([message])
        featurizer.process([message])
        return message

    return loaded, featurised


def test_alone_it_classifies_like_a_logistic_regression(trained) -> None:
    classifier, featurised = trained

    message = classifier.process([featurised("does ldn cause weight gain")])[0]

    assert message.get("intent")["name"] == "ask_weight"
    ranking = message.get("intent_ranking")
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)


def test_after_an_earlier_classifier_the_two_rankings_are_averaged(trained) -> None:
    classifier, featurised = trained
    alone = classifier.process([featurised("hello")])[0].get("intent_ranking")
    own_greet = next(entry["confidence"] for entry in alone if entry["name"] == "greet")
    # The earlier classifier is sure it is a side-effect question; the linear model says greet.
    earlier = [{"name": "ask_side_effects", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}]

    message = classifier.process([featurised("hello", earlier)])[0]

    averaged = {entry["name"]: entry["confidence"] for entry in message.get("intent_ranking")}
    assert averaged["greet"] == pytest.approx(0.5 * 0.1 + 0.5 * own_greet)
    assert message.get("intent")["name"] == max(averaged, key=averaged.get)
    assert message.get("intent")["confidence"] == pytest.approx(max(averaged.values()))


def test_a_message_without_features_keeps_the_earlier_ranking(trained) -> None:
    """In the project's pipeline SpacyNLP gives an empty or blank message no tokens, so the
    featurizers give it no sentence features (the REST and SMS tests send such messages)."""
    from rasa.shared.nlu.training_data.message import Message

    classifier, featurised = trained
    earlier = [{"name": "greet", "confidence": 0.7}, {"name": "ask_weight", "confidence": 0.3}]
    blank = Message.build(text="   ")
    blank.set("intent_ranking", earlier)
    blank.set("intent", earlier[0])
    with_words = featurised("hello", earlier)

    processed = classifier.process([blank, with_words])

    assert processed[0].get("intent_ranking") == earlier
    assert processed[0].get("intent") == earlier[0]
    assert processed[1].get("intent_ranking") != earlier  # the other message of the batch is averaged


def test_its_sentence_features_are_the_ones_rasa_trains_the_regression_on(trained) -> None:
    from nlu_components.averaged_intents import sentence_features

    classifier, featurised = trained
    message = featurised("does naltrexone cause weight gain")

    built = sentence_features(message)

    assert built is not None
    assert (built != classifier._create_X([message])).nnz == 0
    assert built.shape == classifier._create_X([message]).shape
