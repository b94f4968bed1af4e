"""Newton's method for the maximum-likelihood fits whose models give an analytic Hessian.

Used by :class:`crmlab.estimation.MaximumLikelihoodModel` (BG/NBD and Gamma-Gamma, whose
Hessians cost little more than their gradients): about 8 likelihood passes from the default
start instead of about 25 for L-BFGS-B plus 8 for a finite-difference Hessian.

References
----------
Nocedal, J. and Wright, S. J. (2006). Numerical Optimization, 2nd ed., Springer, sections 3.1
(backtracking, Armijo condition) and 3.4 (Newton's method with Hessian modification).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

__all__ = ["newton_minimise"]


def newton_minimise(
    value_grad_hess: Callable[[np.ndarray], tuple],
    start: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    max_iter: int,
    *,
    tol: float,
    grad_tol: float,
):
    """Minimise a smooth function in a box by Newton's method with backtracking.

    The Hessian's eigenvalues are taken in absolute value (floored at 1e-10 of the largest),
    so every step goes downhill even away from the optimum, and steps are capped at 2 (the
    working scale of log parameters: a factor e^2). A step is accepted on the Armijo condition,
    or, within rounding of the objective (1e-13 relative), when it shrinks the gradient.

    Parameters
    ----------
    value_grad_hess : callable
        ``x -> (value, gradient, Hessian)``; Hessian None where the function is not finite.
    start, lows, highs : ndarray
        Starting point and the box.
    max_iter : int
        Iteration limit.
    tol : float
        Stop once the largest gradient component is at most this.
    grad_tol : float
        A stalled line search counts as converged when the gradient is below
        ``1e-3 * grad_tol``.

    Returns
    -------
    tuple or None
        ``(x, value, grad, hess, result)`` (``result`` a scipy ``OptimizeResult``) at a point
        with a vanishing gradient, strictly inside the box and with a positive-definite
        Hessian; None otherwise (the caller falls back to another optimiser).
    """
    x = np.asarray(start, dtype=float)
    value, grad, hess = value_grad_hess(x)
    if hess is None:
        return None
    for nit in range(max_iter + 1):
        if np.max(np.abs(grad)) <= tol:
            break
        if nit == max_iter:
            return None
        eig, vec = np.linalg.eigh(hess)
        floor = 1e-10 * max(float(np.max(np.abs(eig))), 1e-300)
        step = vec @ ((vec.T @ grad) / np.maximum(np.abs(eig), floor))
        longest = float(np.max(np.abs(step)))
        if longest > 2.0:
            step *= 2.0 / longest
        t = 1.0
        while True:
            x_new = np.clip(x - t * step, lows, highs)
            f_new, g_new, h_new = value_grad_hess(x_new)
            if h_new is not None and (
                f_new <= value - 1e-4 * t * float(grad @ step)
                or (
                    f_new - value <= 1e-13 * max(1.0, abs(value))
                    and np.max(np.abs(g_new)) < np.max(np.abs(grad))
                )
            ):
                break
            t *= 0.5
            if t < 1e-6:
                h_new = None
                break
        if h_new is None:  # no decrease left: converged only if the gradient is tiny
            if np.max(np.abs(grad)) > 1e-3 * grad_tol:
                return None
            break
        x, value, grad, hess = x_new, f_new, g_new, h_new
    inside = np.all((x > lows + 1e-6) & (x < highs - 1e-6))
    if not inside or not np.linalg.eigvalsh(hess)[0] > 0:
        return None
    result = optimize.OptimizeResult(
        x=x, fun=value, jac=grad, nit=nit, success=True, message="Newton's method converged"
    )
    return x, value, grad, hess, result
