"""Rules and look-ups shared by several vendor interfaces (below the handlers, above the data)."""
