"""The HTTP layer: the app, the vendor endpoint, dispatch, batching, kept answers, threads, bounds,
the request log, serving, start-up, the parent watch and TLS certificates."""
