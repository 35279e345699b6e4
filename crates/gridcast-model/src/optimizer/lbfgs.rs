//! L-BFGS in its orthant-wise form (OWL-QN, Andrew & Gao 2007) with
//! CmdStan's settings and convergence tests.
//!
//! Prophet's objective is smooth except for the Laplace prior on `delta`
//! (an L1 penalty). Plain L-BFGS zig-zags around `delta = 0` where the
//! gradient jumps by `2 / tau`; OWL-QN builds the curvature model from the
//! smooth part only, steers by the L1 pseudo-gradient and keeps each step in
//! one orthant, so it converges to the true optimum (with exact zeros) at or
//! above the log density Stan's L-BFGS reaches.

use std::collections::VecDeque;

use super::objective::{Objective, Scratch};
use super::Termination;
use crate::features::dot;

/// CmdStan's optimizer settings (its defaults unless overridden).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub init_alpha: f64,
    pub tol_obj: f64,
    pub tol_rel_obj: f64,
    pub tol_grad: f64,
    pub tol_rel_grad: f64,
    pub tol_param: f64,
    pub history: usize,
    pub iter: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            init_alpha: 1e-3,
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            history: 5,
            iter: 10_000,
        }
    }
}

/// The line search could not find a decrease.
#[derive(Debug)]
pub(crate) struct LineSearchFailed;

/// The problem in minimisation form: F(x) = f(x) + c · Σ_{j in l1} |x_j|,
/// with f = -(smooth log density).
struct Problem<'a> {
    obj: &'a Objective<'a>,
    l1: std::ops::Range<usize>,
    c: f64,
}

impl Problem<'_> {
    /// F(x), and the gradient of the smooth part.
    fn eval(&self, x: &[f64], g: &mut [f64], sc: &mut Scratch) -> f64 {
        let f = -self.obj.value_grad_smooth(x, g, sc);
        g.iter_mut().for_each(|v| *v = -*v);
        let penalty: f64 = x[self.l1.clone()].iter().map(|v| v.abs()).sum::<f64>() * self.c;
        let total = f + penalty;
        if total.is_finite() {
            total
        } else {
            f64::INFINITY
        }
    }

    /// The pseudo-gradient of F: the steepest-descent subgradient on the L1 coordinates.
    fn pseudo_gradient(&self, x: &[f64], g: &[f64]) -> Vec<f64> {
        let mut pg = g.to_vec();
        for j in self.l1.clone() {
            pg[j] = if x[j] > 0.0 {
                g[j] + self.c
            } else if x[j] < 0.0 {
                g[j] - self.c
            } else if g[j] + self.c < 0.0 {
                g[j] + self.c
            } else if g[j] - self.c > 0.0 {
                g[j] - self.c
            } else {
                0.0
            };
        }
        pg
    }
}

/// Minimises -lp from `x0`. Returns the point, its lp, iterations and why it stopped.
pub(crate) fn minimize(
    obj: &Objective,
    x0: Vec<f64>,
    cfg: &Settings,
) -> Result<(Vec<f64>, f64, usize, Termination), LineSearchFailed> {
    const EPS: f64 = f64::EPSILON;
    let problem = Problem {
        obj,
        l1: 2..2 + obj.n_changepoints(),
        c: obj.laplace_weight(),
    };
    let dim = x0.len();
    let mut sc = Scratch::default();
    let mut x = x0;
    let mut g = vec![0.0; dim];
    let mut f = problem.eval(&x, &mut g, &mut sc);
    if !f.is_finite() {
        return Err(LineSearchFailed);
    }
    let mut pg = problem.pseudo_gradient(&x, &g);
    let mut history: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(cfg.history);
    let mut restarted = false;
    for iter in 1..=cfg.iter {
        let mut d = two_loop(&pg, &history);
        // Keep only the components that descend along the pseudo-gradient.
        for j in problem.l1.clone() {
            if d[j] * pg[j] >= 0.0 {
                d[j] = 0.0;
            }
        }
        let slope = dot(&pg, &d);
        let mut alpha = if history.is_empty() {
            cfg.init_alpha.max(1e-3 / norm(&pg).max(1.0))
        } else {
            1.0
        };
        if slope >= 0.0 {
            history.clear();
            d = pg.iter().map(|v| -v).collect();
            alpha = cfg.init_alpha;
        }
        // The orthant each coordinate may live in during this step.
        let orthant: Vec<f64> = (0..dim)
            .map(|j| {
                if x[j] != 0.0 {
                    x[j].signum()
                } else {
                    -pg[j].signum()
                }
            })
            .collect();
        let mut accepted = None;
        let mut g_new = vec![0.0; dim];
        for _ in 0..60 {
            let mut xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + alpha * b).collect();
            for j in problem.l1.clone() {
                if xn[j] * orthant[j] <= 0.0 {
                    xn[j] = 0.0;
                }
            }
            let fn_ = problem.eval(&xn, &mut g_new, &mut sc);
            let decrease: f64 = pg
                .iter()
                .zip(xn.iter().zip(&x))
                .map(|(p, (a, b))| p * (a - b))
                .sum();
            if fn_.is_finite() && fn_ <= f + 1e-4 * decrease.min(0.0) && fn_ <= f {
                accepted = Some((xn, fn_));
                break;
            }
            // A step that changes the objective by less than CmdStan's
            // absolute or relative tolerance, and still does not decrease it
            // enough: the start is the optimum to those tolerances (halving
            // further only makes the step vanish, ~30 evaluations later).
            // The first-order prediction must be as small: a step that
            // overshoots a minimum can land at the start's value while half
            // of it would descend.
            if fn_.is_finite() {
                let change = (fn_ - f).abs().max(decrease.abs());
                if change < cfg.tol_obj {
                    return Ok((x, -f, iter, Termination::AbsoluteObjective));
                }
                if change / f.abs().max(fn_.abs()).max(EPS) < cfg.tol_rel_obj * EPS {
                    return Ok((x, -f, iter, Termination::RelativeObjective));
                }
            }
            alpha *= 0.5;
        }
        let Some((x_new, f_new)) = accepted else {
            if history.is_empty() || restarted {
                return Err(LineSearchFailed);
            }
            // Like Stan: forget the curvature estimate and retry once.
            history.clear();
            restarted = true;
            continue;
        };
        restarted = false;
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        if sy > 1e-300 {
            if history.len() == cfg.history {
                history.pop_front();
            }
            history.push_back((s.clone(), yv, 1.0 / sy));
        }
        let df = (f - f_new).abs();
        let f_old = f;
        x = x_new;
        f = f_new;
        std::mem::swap(&mut g, &mut g_new);
        pg = problem.pseudo_gradient(&x, &g);
        // Convergence tests, in CmdStan's order (on the pseudo-gradient).
        if df < cfg.tol_obj {
            return Ok((x, -f, iter, Termination::AbsoluteObjective));
        }
        if df / f_old.abs().max(f.abs()).max(EPS) < cfg.tol_rel_obj * EPS {
            return Ok((x, -f, iter, Termination::RelativeObjective));
        }
        if norm(&pg) < cfg.tol_grad {
            return Ok((x, -f, iter, Termination::Gradient));
        }
        let hg = two_loop(&pg, &history);
        if -dot(&pg, &hg) / f.abs().max(EPS) < cfg.tol_rel_grad * EPS {
            return Ok((x, -f, iter, Termination::RelativeGradient));
        }
        if norm(&s) < cfg.tol_param {
            return Ok((x, -f, iter, Termination::Parameter));
        }
    }
    Ok((x, -f, cfg.iter, Termination::MaxIterations))
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Two-loop recursion: `-H g` with the scaled-identity initial Hessian.
fn two_loop(g: &[f64], history: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q: Vec<f64> = g.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let a = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
        alphas.push(a);
    }
    if let Some((s, y, _)) = history.back() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (a - b) * si;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}
