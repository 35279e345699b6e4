//! Proximal Gauss-Newton: a fast route to the MAP estimate that exploits the
//! structure of Prophet's model.
//!
//! For a fixed `sigma_obs` the density is a Gaussian likelihood, Gaussian
//! priors and the Laplace (L1) prior on `delta`: with linear or flat growth
//! and additive features that is exactly a quadratic plus an L1 term, which
//! one proximal Newton step solves (coordinate descent on the quadratic
//! model, soft-thresholding the deltas). Multiplicative features and
//! logistic growth make it a Gauss-Newton model, refined by a few steps.
//! Given the other parameters, `sigma_obs` has a closed form. Alternating the
//! two converges in a handful of iterations where first-order methods need
//! thousands on this badly conditioned problem.

use super::objective::{Objective, Scratch};

/// Runs proximal Gauss-Newton from `x0` (the full parameter vector, with
/// `ln sigma_obs`). Returns the improved point and its log density, or `None`
/// when it could not make progress from a finite start.
pub(crate) fn solve(obj: &Objective, x0: &[f64], max_iter: usize) -> Option<(Vec<f64>, f64)> {
    let s = obj.n_changepoints();
    let n = obj.rows() as f64;
    let si = obj.sigma_index();
    let c = obj.laplace_weight();
    let precision = obj.prior_precision();
    let mut sc = Scratch::default();
    let mut x = x0.to_vec();
    let mut grad = vec![0.0; x.len()];
    let mut lp = obj.value_grad(&x, &mut grad, &mut sc);
    if !lp.is_finite() {
        return None;
    }
    // Parameters other than sigma, in the order of the Jacobian columns.
    let others: Vec<usize> = (0..x.len()).filter(|&i| i != si).collect();
    let q = others.len();
    for _ in 0..max_iter {
        // sigma in closed form: maximise -n ln s - SSE / (2 s^2) - 2 s^2.
        let (resid, jac) = obj.residual_jacobian(&x, &mut sc);
        let sse: f64 = resid.iter().map(|r| r * r).sum();
        let u = (-n + (n * n + 16.0 * sse).sqrt()) / 8.0;
        if u > 0.0 && u.is_finite() {
            x[si] = 0.5 * u.ln();
        }
        let sigma2 = (2.0 * x[si]).exp();
        lp = obj.value_grad_smooth(&x, &mut grad, &mut sc);
        // Gradient of the smooth part and the Gauss-Newton (negative) Hessian.
        let g: Vec<f64> = others.iter().map(|&i| grad[i]).collect();
        let mut h = vec![0.0; q * q];
        let rows = obj.rows();
        for i in 0..rows {
            let row = &jac[i * q..(i + 1) * q];
            for a in 0..q {
                let ra = row[a];
                if ra == 0.0 {
                    continue;
                }
                for b in a..q {
                    h[a * q + b] += ra * row[b];
                }
            }
        }
        for a in 0..q {
            for b in a..q {
                h[a * q + b] /= sigma2;
                h[b * q + a] = h[a * q + b];
            }
            h[a * q + a] += precision[a] + 1e-12;
        }
        let xs: Vec<f64> = others.iter().map(|&i| x[i]).collect();
        let d = prox_newton_step(&h, &g, &xs, 2..2 + s, c);

        // Backtracking on the full density.
        let full = |x: &[f64], sc: &mut Scratch, g: &mut [f64]| obj.value_grad(x, g, sc);
        let current = full(&x, &mut sc, &mut grad);
        let mut alpha = 1.0;
        let mut moved = false;
        for _ in 0..30 {
            let mut cand = x.clone();
            for (k, &i) in others.iter().enumerate() {
                cand[i] = x[i] + alpha * d[k];
            }
            let v = full(&cand, &mut sc, &mut grad);
            if v.is_finite() && v >= current {
                let gain = v - current;
                x = cand;
                lp = v;
                moved = gain > 1e-12 * v.abs().max(1.0);
                break;
            }
            alpha *= 0.5;
        }
        if !moved {
            lp = full(&x, &mut sc, &mut grad);
            break;
        }
    }
    lp.is_finite().then_some((x, lp))
}

/// Maximises `g·d - ½ dᵀHd - c Σ_{j∈l1} |x_j + d_j|` by coordinate descent.
fn prox_newton_step(h: &[f64], g: &[f64], x: &[f64], l1: std::ops::Range<usize>, c: f64) -> Vec<f64> {
    let q = g.len();
    let mut d = vec![0.0; q];
    let mut hd = vec![0.0; q];
    for _sweep in 0..500 {
        let mut largest = 0.0f64;
        for j in 0..q {
            let a = h[j * q + j];
            let b = g[j] - hd[j] + a * d[j];
            let new = if l1.contains(&j) {
                let z = x[j] + b / a;
                let shrunk = z.signum() * (z.abs() - c / a).max(0.0);
                shrunk - x[j]
            } else {
                b / a
            };
            let change = new - d[j];
            if change != 0.0 {
                for k in 0..q {
                    hd[k] += h[k * q + j] * change;
                }
                d[j] = new;
                largest = largest.max(change.abs());
            }
        }
        if largest < 1e-13 {
            break;
        }
    }
    d
}
