"""Query building blocks shared by several handlers."""
