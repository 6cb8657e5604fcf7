"""Bursts in counts per time bucket, and a short-term forecast with an interval.

    detect_bursts(counts)              # buckets far above their recent baseline (robust z-score)
    kleinberg_states(counts)           # Kleinberg-style burst levels (0 = normal) for every bucket
    forecast(counts, horizon=7, seasonal_periods=7)   # ETS mean with a prediction interval
    backtest(counts, horizon=7, seasonal_periods=7)   # rolling-origin errors against a naive forecast

*counts* is a sequence of non-negative numbers (e.g. posts about a topic per day), oldest first.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "Burst",
    "Forecast",
    "backtest",
    "burst_intervals",
    "detect_bursts",
    "forecast",
    "kleinberg_states",
    "robust_zscores",
]

MAD_TO_SD = 1.4826  # MAD of a normal distribution × this = its standard deviation


@dataclass(frozen=True)
class Burst:
    index: int
    count: float
    baseline: float  # median of the preceding window
    z: float  # robust z-score against that baseline

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def _array(counts: Sequence[float]) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    if values.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ValueError("counts must be finite and non-negative")
    return values


def robust_zscores(
    counts: Sequence[float], window: int = 28, min_periods: int = 7
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline (rolling median of the *previous* ``window`` buckets), scale and z for every bucket.

    The scale is 1.4826 × the window's median absolute deviation, but at least √baseline (Poisson noise)
    and at least 1, so a flat or near-empty history does not make every small rise a burst. Buckets with
    fewer than ``min_periods`` previous buckets get NaN.
    """
    values = _array(counts)
    n = len(values)
    baseline = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    for t in range(n):
        history = values[max(0, t - window) : t]
        if len(history) < min_periods:
            continue
        median = float(np.median(history))
        mad = float(np.median(np.abs(history - median)))
        baseline[t] = median
        scale[t] = max(MAD_TO_SD * mad, math.sqrt(max(median, 0.0)), 1.0)
    z = (values - baseline) / scale
    return baseline, scale, z


def detect_bursts(
    counts: Sequence[float],
    window: int = 28,
    threshold: float = 4.0,
    min_count: float = 5,
    min_periods: int = 7,
) -> list[Burst]:
    """Buckets whose count is at least ``min_count`` and ``threshold`` robust z-scores above the baseline."""
    values = _array(counts)
    baseline, _, z = robust_zscores(values, window, min_periods)
    return [
        Burst(int(t), float(values[t]), round(float(baseline[t]), 3), round(float(z[t]), 3))
        for t in range(len(values))
        if not math.isnan(z[t]) and z[t] >= threshold and values[t] >= min_count
    ]


def kleinberg_states(
    counts: Sequence[float],
    totals: Sequence[float] | None = None,
    s: float = 2.0,
    gamma: float = 1.0,
    n_states: int = 3,
) -> list[int]:
    """Kleinberg's burst automaton (2002) on batched counts: the cheapest state sequence by Viterbi.

    State *i* emits at rate ``base × s**i``; moving up *k* states costs ``k × gamma × ln(n)``, moving down
    is free. With ``totals`` (documents per bucket, all topics) the emission is binomial on the share
    ``counts/totals`` (Kleinberg's enumerating model, base = overall share); without, Poisson on the counts
    (base = the series' median, at least its mean / s so a mostly-empty series still has a base).
    """
    values = _array(counts)
    n = len(values)
    if n == 0:
        return []
    if totals is not None:
        sizes = _array(totals)
        if len(sizes) != n or np.any(values > sizes):
            raise ValueError("totals must have one entry per bucket, each at least the count")
        p0 = values.sum() / max(sizes.sum(), 1.0)
        rates = np.clip(p0 * s ** np.arange(n_states), 1e-9, 1 - 1e-9)
        # negative log-likelihood of a binomial, without the constant term
        costs = -(values[:, None] * np.log(rates) + (sizes - values)[:, None] * np.log1p(-rates))
    else:
        base = max(float(np.median(values)), float(values.mean()) / s, 1e-3)
        rates = base * s ** np.arange(n_states)
        costs = rates[None, :] - values[:, None] * np.log(rates)[None, :]
    up_cost = gamma * math.log(max(n, 2))
    states = np.arange(n_states)
    transition = np.maximum(states[None, :] - states[:, None], 0) * up_cost  # [from, to]
    total = costs[0] + states * up_cost  # start in state 0
    back = np.zeros((n, n_states), dtype=int)
    for t in range(1, n):
        candidates = total[:, None] + transition
        back[t] = candidates.argmin(axis=0)
        total = candidates.min(axis=0) + costs[t]
    path = [int(total.argmin())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def burst_intervals(states: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(start, end_inclusive, max_level)`` for every run of states above 0."""
    intervals: list[tuple[int, int, int]] = []
    start = None
    level = 0
    for t, state in enumerate([*states, 0]):
        if state > 0 and start is None:
            start, level = t, state
        elif state > 0:
            level = max(level, state)
        elif start is not None:
            intervals.append((start, t - 1, level))
            start = None
    return intervals


# --- forecasting -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    mean: list[float]
    lower: list[float]
    upper: list[float]
    level: float  # e.g. 0.9 for a 90 % interval
    model: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _naive_forecast(values: np.ndarray, horizon: int, level: float, seasonal_periods: int | None) -> Forecast:
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    if seasonal_periods and len(values) >= seasonal_periods:
        season = values[-seasonal_periods:]
        mean = np.array([season[h % seasonal_periods] for h in range(horizon)])
    else:
        recent = values[-min(len(values), 7) :] if len(values) else np.zeros(1)
        mean = np.full(horizon, float(recent.mean()))
    spread = float(np.std(values)) if len(values) > 1 else max(float(mean.mean()), 1.0) ** 0.5
    width = z * spread * np.sqrt(np.arange(1, horizon + 1))
    return Forecast(
        [round(float(v), 3) for v in mean],
        [round(float(v), 3) for v in np.maximum(mean - width, 0)],
        [round(float(v), 3) for v in mean + width],
        level,
        "naive",
    )


def forecast(
    counts: Sequence[float],
    horizon: int = 7,
    seasonal_periods: int | None = None,
    level: float = 0.9,
) -> Forecast:
    """Exponential-smoothing (ETS, statsmodels) forecast of the next ``horizon`` buckets with an interval.

    Additive errors, damped additive trend, additive seasonality when ``seasonal_periods`` is given and the
    series covers at least two seasons (plus a few buckets); the interval is the model's prediction
    interval at ``level``, clipped at 0. Series shorter than 10 buckets, or where the fit fails, fall back
    to a naive (seasonal) forecast with a widening interval (``model == "naive"``).
    """
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    values = _array(counts)
    if len(values) < 10 or np.ptp(values) == 0:
        return _naive_forecast(values, horizon, level, seasonal_periods)
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = seasonal_periods if seasonal_periods and len(values) >= 2 * seasonal_periods + 4 else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(
                pd.Series(values),  # statsmodels' prediction intervals need an indexed series
                error="add",
                trend="add",
                damped_trend=True,
                seasonal="add" if seasonal else None,
                seasonal_periods=seasonal,
            )
            result = model.fit(disp=False, maxiter=200)
            frame = result.get_prediction(start=len(values), end=len(values) + horizon - 1).summary_frame(
                alpha=1 - level
            )
    except (ValueError, np.linalg.LinAlgError):
        return _naive_forecast(values, horizon, level, seasonal_periods)
    mean = np.maximum(frame["mean"].to_numpy(), 0)
    lower = np.maximum(frame["pi_lower"].to_numpy(), 0)
    upper = np.maximum(frame["pi_upper"].to_numpy(), mean)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(upper))):
        return _naive_forecast(values, horizon, level, seasonal_periods)
    name = f"ETS(A,Ad,{'A' if seasonal else 'N'})" + (f" m={seasonal}" if seasonal else "")
    return Forecast(
        [round(float(v), 3) for v in mean],
        [round(float(v), 3) for v in lower],
        [round(float(v), 3) for v in upper],
        level,
        name,
    )


def backtest(
    counts: Sequence[float],
    horizon: int = 7,
    seasonal_periods: int | None = None,
    origins: int = 8,
    level: float = 0.9,
) -> dict[str, float | int]:
    """Rolling-origin evaluation over the last ``origins × horizon`` buckets.

    Returns the forecast's mean absolute error (``mae``), the naive baseline's (``naive_mae``: the last
    season, or the last value), their ratio (``relative_mae`` < 1 means better than naive) and the share
    of actual values inside the interval (``coverage``, to compare with ``level``).
    """
    values = _array(counts)
    first = len(values) - origins * horizon
    if first < 10:
        raise ValueError("series too short for this many origins")
    errors: list[float] = []
    naive_errors: list[float] = []
    inside = 0
    for origin in range(first, len(values) - horizon + 1, horizon):
        history, actual = values[:origin], values[origin : origin + horizon]
        result = forecast(history, horizon, seasonal_periods, level)
        if seasonal_periods and len(history) >= seasonal_periods:
            naive = np.array([history[-seasonal_periods + (h % seasonal_periods)] for h in range(horizon)])
        else:
            naive = np.full(horizon, history[-1])
        errors.extend(np.abs(np.asarray(result.mean) - actual))
        naive_errors.extend(np.abs(naive - actual))
        inside += int(np.sum((actual >= np.asarray(result.lower)) & (actual <= np.asarray(result.upper))))
    mae = float(np.mean(errors))
    naive_mae = float(np.mean(naive_errors))
    return {
        "origins": len(range(first, len(values) - horizon + 1, horizon)),
        "horizon": horizon,
        "mae": round(mae, 3),
        "naive_mae": round(naive_mae, 3),
        "relative_mae": round(mae / naive_mae, 3) if naive_mae > 0 else float("nan"),
        "coverage": round(inside / len(errors), 3),
        "level": level,
    }
