from __future__ import annotations

import numpy as np
import pytest

from danvan.nlp.bursts import (
    backtest,
    burst_intervals,
    detect_bursts,
    forecast,
    kleinberg_states,
    robust_zscores,
)


def series_with_spikes(seed: int = 0, n: int = 150) -> tuple[np.ndarray, set[int]]:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(20, n).astype(float)
    spikes = {60, 100, 101, 102}
    for t in spikes:
        counts[t] += 60
    return counts, spikes


@pytest.mark.parametrize("seed", range(5))
def test_robust_z_flags_the_spikes(seed):
    counts, spikes = series_with_spikes(seed)
    flagged = {b.index for b in detect_bursts(counts)}
    assert spikes <= flagged
    assert len(flagged - spikes) <= 1  # Poisson noise alone crosses z = 4 about once in 3,000 buckets


def test_false_positive_rate_on_quiet_series():
    flagged = sum(len(detect_bursts(np.random.default_rng(seed).poisson(15, 300))) for seed in range(20))
    assert flagged / (20 * 300) < 0.002


def test_flat_and_low_series_do_not_divide_by_zero():
    assert detect_bursts([0] * 40 + [3]) == []  # below min_count
    bursts = detect_bursts([10] * 40 + [40])
    assert [b.index for b in bursts] == [40]
    assert bursts[0].baseline == 10


def test_baseline_uses_only_the_past():
    counts = [5.0] * 30 + [100.0]
    baseline, _, z = robust_zscores(counts, window=10, min_periods=5)
    assert np.isnan(baseline[:5]).all()
    assert baseline[30] == 5.0 and z[30] > 10


def test_kleinberg_states_cover_the_spikes():
    counts, spikes = series_with_spikes(2)
    intervals = burst_intervals(kleinberg_states(counts))
    covered = {t for start, end, _ in intervals for t in range(start, end + 1)}
    assert spikes <= covered
    assert len(covered) <= len(spikes) + 3


def test_kleinberg_with_totals():
    counts = [2, 3, 2, 1, 2, 30, 35, 28, 2, 1, 2, 3]
    states = kleinberg_states(counts, totals=[100] * 12)
    assert burst_intervals(states) == [(5, 7, max(states))]
    with pytest.raises(ValueError):
        kleinberg_states([5], totals=[1])


def test_burst_intervals():
    assert burst_intervals([0, 1, 2, 1, 0, 0, 1]) == [(1, 3, 2), (6, 6, 1)]
    assert burst_intervals([]) == []


def test_forecast_follows_a_weekly_pattern_with_an_interval():
    t = np.arange(140)
    counts = 50 + 20 * np.sin(2 * np.pi * t / 7) + np.random.default_rng(3).normal(0, 2, len(t))
    result = forecast(counts, horizon=7, seasonal_periods=7)
    assert result.model.startswith("ETS")
    assert len(result.mean) == len(result.lower) == len(result.upper) == 7
    truth = 50 + 20 * np.sin(2 * np.pi * np.arange(140, 147) / 7)
    assert np.max(np.abs(np.array(result.mean) - truth)) < 6
    assert all(lo <= m <= hi for lo, m, hi in zip(result.lower, result.mean, result.upper, strict=True))
    assert all(lo >= 0 for lo in result.lower)


def test_short_series_fall_back_to_naive():
    result = forecast([3, 4, 5], horizon=2)
    assert result.model == "naive" and len(result.mean) == 2


def test_backtest_beats_naive_on_a_trend_with_noise():
    rng = np.random.default_rng(4)
    t = np.arange(120)
    counts = np.maximum(0, 20 + 0.5 * t + 15 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 3, len(t)))
    report = backtest(counts, horizon=7, seasonal_periods=7, origins=5)
    assert report["origins"] == 5
    assert report["relative_mae"] < 1.0
    assert 0.5 <= report["coverage"] <= 1.0


def test_invalid_input():
    with pytest.raises(ValueError):
        detect_bursts([1, -1, 2])
    with pytest.raises(ValueError):
        forecast([1.0] * 20, horizon=0)
    with pytest.raises(ValueError):
        backtest([1.0] * 20, horizon=7, origins=5)
