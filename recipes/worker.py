"""`python -m recipes.worker SPEC`: one keras-tuner worker of a recipe's search.

`Recipe.tune(workers=N)` writes SPEC (the recipe's parameters, the data
paths and the search settings) and starts N of these with keras-tuner's
environment variables set; each one asks the chief for trials until none
are left.
"""

import json
import logging
import sys


def main(spec_path: str) -> int:
    from recipes.recipe import RECIPES
    from recipes.search import worker_table

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    spec = json.loads(open(spec_path).read())
    recipe = RECIPES[spec["recipe"]](**spec["params"])
    recipe.tune(
        worker_table(spec["train"]),
        worker_table(spec["validation"]),
        **spec["search"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
