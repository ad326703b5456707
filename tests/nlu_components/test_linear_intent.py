"""LinearIntentClassifier: trained on Rasa features, persisted, loaded, and used like any
intent classifier (intent, ranking, confidences that FallbackClassifier can read)."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intent import LinearIntentClassifier

EXAMPLES = {
    "request_quote": ["cuanto vale un portatil", "me cotizan 10 monitores", "precio del mouse"],
    "report_incident": ["el portatil no prende", "la impresora no imprime", "el monitor fallo"],
    "greet": ["hola", "buenos dias", "buenas tardes"],
}


def _context(name: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=name)


def _featurize(
    storage: LocalModelStorage, train: TrainingData
) -> tuple[WhitespaceTokenizer, CountVectorsFeaturizer]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 4},
        storage,
        Resource("cvf"),
        _context("cvf"),
    )
    tokenizer.process_training_data(train)
    featurizer.train(train)
    featurizer.process_training_data(train)
    return tokenizer, featurizer


def test_trained_classifier_is_loaded_and_ranks_the_intents(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    train = TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    )
    tokenizer, featurizer = _featurize(storage, train)
    resource = Resource("linear")
    classifier = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, resource, _context("linear")
    )
    classifier.train(train)

    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, resource, _context("linear")
    )
    messages = [Message(data={"text": "cuanto vale el monitor"}), Message(data={"text": "holaa"})]
    tokenizer.process(messages)
    featurizer.process(messages)
    loaded.process(messages)

    assert [m.get("intent")["name"] for m in messages] == ["request_quote", "greet"]
    ranking = messages[0].get("intent_ranking")
    assert ranking[0]["name"] == "request_quote"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert ranking[0]["confidence"] > ranking[1]["confidence"]


def test_untrained_classifier_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    classifier = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("none"), _context("x")
    )
    message = Message(data={"text": "hola"})
    classifier.process([message])
    assert message.get("intent") is None
