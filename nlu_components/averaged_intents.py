"""A second opinion on the intent: logistic regression averaged with DIET.

Placed right after DIETClassifier. It trains Rasa's LogisticRegressionClassifier on the same
sentence features (spaCy-lemma word counts and character n-grams) and, for each message,
averages its probabilities with the intent ranking DIET already put on the message. The two
models make different mistakes: DIET is over-confident on some out-of-scope questions, the
linear model on short keyword queries, and the average of the two is wrong less often than
either alone (config.yml gives the cross-validation numbers that chose this).
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from scipy.sparse import csr_matrix, hstack, vstack

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH

#: Config key: how much the ranking already on the message (DIET's) counts, 0..1.
EARLIER_WEIGHT = "earlier_classifier_weight"
#: Config key: the logistic regression's inverse regularisation strength (scikit-learn's C).
REGULARISATION = "C"


def averaged_ranking(
    earlier: Mapping[str, float], own: Mapping[str, float], earlier_weight: float
) -> List[Dict[str, Any]]:
    """The weighted mean of two intent rankings, best first. An intent missing from one
    ranking (DIET lists only its top ten) counts as 0 there."""
    intents = (set(earlier) | set(own)) - {DEFAULT_NLU_FALLBACK_INTENT_NAME}
    mean = {
        intent: earlier_weight * earlier.get(intent, 0.0) + (1.0 - earlier_weight) * own.get(intent, 0.0)
        for intent in intents
    }
    return [{"name": name, "confidence": float(mean[name])} for name in sorted(mean, key=lambda n: (-mean[n], n))]


def sentence_features(message: Message) -> Optional[csr_matrix]:
    """The message's sentence features as the logistic regression was trained on them: every
    featurizer's sparse sentence features, then the dense ones, side by side (what
    LogisticRegressionClassifier._create_X builds), or None if it has none. Built directly:
    Message.get_sparse_features deep-copies every featurizer's sequence and sentence matrices
    first: that was more than half of this component's time (cProfile: 2.5 -> 1.1 ms per parse)."""
    sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    sparse = [f.features for f in sentence if f.is_sparse()]
    if not sparse:
        return None
    dense = [f.features for f in sentence if f.is_dense()]
    return hstack([csr_matrix(part) for part in (*sparse, *dense)]).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AveragedIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression whose probabilities are averaged with the earlier classifier's."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "max_iter": 1000,
            REGULARISATION: 1.0,
            EARLIER_WEIGHT: 0.5,
        }

    def __init__(self, config: Dict[Text, Any], *args: Any) -> None:
        super().__init__(config, *args)
        self.clf.set_params(C=float(self.config[REGULARISATION]))

    def process(self, messages: List[Message]) -> List[Message]:
        # An empty or whitespace-only message has no sentence features: the earlier ranking
        # stands (Rasa's own LogisticRegressionClassifier raises there, and the turn would fail).
        featurised = [(m, row) for m in messages if (row := sentence_features(m)) is not None]
        if not featurised:
            return messages
        probabilities = self.clf.predict_proba(vstack([row for _, row in featurised]))
        weight = float(self.config[EARLIER_WEIGHT])
        length = int(self.config[RANKING_LENGTH])
        for (message, _), row in zip(featurised, probabilities):
            earlier = {entry["name"]: entry["confidence"] for entry in message.get(INTENT_RANKING_KEY) or []}
            # With nothing to average with (no earlier classifier ran) its own ranking stands.
            ranking = averaged_ranking(earlier, dict(zip(self.clf.classes_, row)), weight if earlier else 0.0)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages
