"""Call flows as domain objects: the XML vocabulary, parsing and validation, per-link values, storage.

Used by the CallFlow/Flow, Rules and Links handlers, and meant for the call engine: `Flow` is a typed,
walkable model (rules by id, their messages and branches), built by `parse.read_flow`.
"""
