"""The members of the demo province: about 100,000 memberships with five years of movements (generator.py)."""

from __future__ import annotations

import random


def extend(result, rng: random.Random, size: str) -> None:
    from danvan.members import generator

    if size == "small":
        generator.generate(province=result.province, seed=rng.randint(0, 10**9), per_branch=(3, 8))
    else:
        generator.generate(province=result.province, seed=rng.randint(0, 10**9), memberships=100_000)
