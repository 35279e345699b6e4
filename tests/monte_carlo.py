"""The Monte-Carlo error allowed between two uncertainty bands."""
from statistics import NormalDist

import numpy as np


def band_edge_tolerance(width, interval_width, samples):
    """How far apart two Monte-Carlo estimates of one band edge may be: five
    times the standard error of the difference of two independent sample
    quantiles (p = 0.1 or 0.9 of `samples` draws, roughly normal with the
    spread the band's width implies). The same rule as the model crate's
    parity test (crates/gridcast-model/tests/parity.rs, band_edge_tolerance)."""
    p = (1 - interval_width) / 2
    z = NormalDist().inv_cdf(1 - p)
    sigma = np.asarray(width) / (2 * z)
    standard_error = (p * (1 - p) / samples) ** 0.5 * sigma / NormalDist().pdf(z)
    return 5 * 2 ** 0.5 * standard_error


def band_problems(mine_lower, mine_upper, their_lower, their_upper, interval_width, samples):
    """What is wrong with our band against theirs: each row's edges and their
    means within the Monte-Carlo error of both sides' draws (empty: nothing)."""
    tolerance = band_edge_tolerance(np.asarray(their_upper) - np.asarray(their_lower), interval_width, samples)
    problems = []
    for name, mine, theirs in (("yhat_lower", mine_lower, their_lower), ("yhat_upper", mine_upper, their_upper)):
        mine, theirs = np.asarray(mine), np.asarray(theirs)
        gap = np.abs(theirs - mine)
        if np.any(gap > tolerance):
            i = int(np.argmax(gap / tolerance))
            problems.append(f"{name} row {i}: {mine[i]} vs Python's {theirs[i]} (tolerance {tolerance[i]})")
        if abs(theirs.mean() - mine.mean()) > tolerance.mean():
            problems.append(f"mean {name} {mine.mean()} vs Python's {theirs.mean()} (tolerance {tolerance.mean()})")
    return problems
