"""`rasa` with numpy's global random generator seeded first (NLU_CV_SEED, default 1), so that
`rasa test nlu --cross-validation` draws the same folds on every run: Rasa builds them with
scikit-learn's StratifiedKFold(shuffle=True) and no seed of its own. Fold draws change the
macro-F1 by about ±0.005 (docs/nlu.md); a fixed draw makes two runs on the same data and
pipeline comparable. Usage: python scripts/seeded_rasa.py test nlu ... (any rasa command)."""

import os
import sys

import numpy as np


def main() -> None:
    np.random.seed(int(os.environ.get("NLU_CV_SEED", "1")))
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
