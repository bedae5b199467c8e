"""`python -m recipes` runs the command line."""

from recipes.cli import main

raise SystemExit(main())
