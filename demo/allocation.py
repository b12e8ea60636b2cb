"""Exact integer allocation and sampling helpers, so calibrated counts hold at every scale."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def apportion(total: int, weights: Sequence[float], caps: Sequence[int] | None = None) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), never above ``caps``."""
    size = len(weights)
    limits = list(caps) if caps is not None else [total] * size
    if total > sum(limit for limit, w in zip(limits, weights, strict=True) if w > 0):
        raise ValueError(f"cannot place {total} within caps {sum(limits)}")
    result = [0] * size
    remaining = total
    while remaining > 0:
        open_ = [i for i in range(size) if weights[i] > 0 and result[i] < limits[i]]
        weight_sum = sum(weights[i] for i in open_)
        shares = {i: remaining * weights[i] / weight_sum for i in open_}
        placed = 0
        for i in open_:
            add = min(math.floor(shares[i]), limits[i] - result[i])
            result[i] += add
            placed += add
        if placed == 0:
            order = sorted(open_, key=lambda i: (-(shares[i] - math.floor(shares[i])), i))
            for i in order[:remaining]:
                result[i] += 1
                placed += 1
        remaining -= placed
    return result


def weighted_sample(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """``k`` distinct items drawn with probability growing with weight (order of ``items`` is kept)."""
    if k > len(items):
        raise ValueError(f"cannot draw {k} of {len(items)}")
    keys = [(rng.random() ** (1.0 / max(w, 1e-9)), i) for i, w in enumerate(weights)]
    chosen = {i for _, i in sorted(keys, reverse=True)[:k]}
    return [item for i, item in enumerate(items) if i in chosen]


def stochastic_round(rng: random.Random, value: float) -> int:
    """Round down or up with the probability of the fraction, so sums stay right on average."""
    base = math.floor(value)
    return base + (1 if rng.random() < value - base else 0)
