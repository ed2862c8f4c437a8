"""mock-iovox: a local, stateful sandbox of the IOVOX Enterprise REST API v3.0."""

__version__ = "0.1.0"
