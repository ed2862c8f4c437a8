"""The call results written when no rule runs: a number whose link has no rules gives `NO RULES
SET`, a number set on hold `NUMBER ON HOLD` (the vendor's call results as a customer lists them,
DECISIONS.md §8); nothing is then forwarded, recorded or e-mailed and rule_result stays empty.

Every other result comes from the link's flow, through the call engine's walk (calls/engine.py),
for placed and generated calls alike; the whole vocabulary is calls/results.py.
"""

from __future__ import annotations

from mock_iovox.calls.results import NO_RULES_SET, NUMBER_ON_HOLD

__all__ = ["BLOCKED_RESULTS", "NO_RULES_SET", "NUMBER_ON_HOLD"]

#: results of a call to a number on a link without rules, or to a number set on hold
BLOCKED_RESULTS = (NO_RULES_SET, NUMBER_ON_HOLD)
