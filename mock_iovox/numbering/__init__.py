"""Numbering: countries, the number plan the mock sells from, postcode districts, VoxNumber
assignment to links, and outbound purchase callbacks (SPEC.md §5.8, §5.9, §6, §8; DECISIONS.md §5).

Everything here is plain logic or static data; the vendor methods live in mock_iovox.handlers.
"""
