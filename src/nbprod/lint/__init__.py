"""Static checks of notebooks (never executes a cell): the rule catalogue in ``rules/``, the
checks that implement it, and the engine that applies configuration and suppressions."""
