"""Prompt policy, the fast pass: words and patterns, run in the request before anything is queued.

It has to be cheap (no torch in the web process) and precise on everyday prompts that share words with
bad ones ("shooting a basketball", "killing it on the dance floor"), so most patterns need two things
together: a harmful act and who it is done to. What it misses, the meaning-based pass in the worker
(moderation.semantic) is there to catch. Precision and recall of both, per category, on a labelled
prompt set: BENCHMARKS.md § Prompt policy.

The package: `vocabulary` (the word lists and patterns), `rules` (the Rule table, `scan` and
`categories`).
"""

from __future__ import annotations

from moderation.policy.rules import CATEGORIES, LABELS, RULES, Flag, Rule, categories, scan

__all__ = ["CATEGORIES", "LABELS", "RULES", "Flag", "Rule", "categories", "scan"]
