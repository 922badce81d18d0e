"""When two vectors of values count as equal: the one tolerance rule of the grader.

Pointwise ``|s - r| <= atol + rtol * scale`` where the scale is ``|r|`` at that point, but
never below a thousandth of the reference's median size over the points: pointwise relative
error is fragile where a function crosses zero (an expanded polynomial against its factored
form near a root), so the floor ties the tolerance to the typical size of the function on the
interval. The median, not the mean, so that a function with a huge range (exp(10x) on
[-5, 5]) does not lend its largest values' tolerance to the points where it is small.
Not-a-number or infinite answer values never match.
"""

from __future__ import annotations

import numpy as np
import torch

SCALE_FLOOR = 1e-3


def tolerance(r: torch.Tensor, rtol: float, atol: float) -> torch.Tensor:
    """Per-point allowed difference from the reference ``r`` (compute once, reuse)."""
    size = r.abs()
    if size.numel() > 1:
        scale = torch.clamp(size, min=SCALE_FLOOR * float(size.median()))
    else:
        scale = size
    return atol + rtol * scale


def tolerance_elsewhere(r: np.ndarray, typical: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """The same rule at other points than the sample points (the readable points feedback
    names): ``r`` the reference there, the floor from the reference ``typical`` at the
    sample points, so that a value the grader accepts is never named as wrong."""
    floor = SCALE_FLOOR * float(np.median(np.abs(typical))) if typical.size > 1 else 0.0
    return atol + rtol * np.maximum(np.abs(r), floor)


def matches(
    s: torch.Tensor, r: torch.Tensor, rtol: float, atol: float, tol: torch.Tensor | None = None
) -> torch.Tensor:
    """Per-point boolean: does ``s`` equal ``r`` within tolerance? (broadcasts over rows)"""
    return (s - r).abs() <= (tolerance(r, rtol, atol) if tol is None else tol)


def all_match(s: torch.Tensor, r: torch.Tensor, rtol: float, atol: float) -> bool:
    return bool(matches(s, r, rtol, atol).all())


def first_mismatch(s: torch.Tensor, r: torch.Tensor, tol: torch.Tensor) -> int | None:
    """The first point where ``s`` differs from ``r`` beyond ``tol``, or None."""
    ok = (s - r).abs() <= tol  # nan compares false: an undefined value never matches
    if bool(ok.all()):
        return None
    return int((~ok).to(torch.uint8).argmax())
