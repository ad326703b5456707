"""The simulator's routes, one module per surface of Meta's API (and one for the control API)."""
