//! CmdStan's Newton optimizer: finite-difference Hessian of the analytic
//! gradient, made negative definite by eigen-decomposition, step halving.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::objective::{Objective, Scratch};
use super::Termination;

/// Maximises lp from `x`; returns the point, its lp and the iteration count.
pub(crate) fn maximize(
    obj: &Objective,
    mut x: Vec<f64>,
    max_iter: usize,
) -> (Vec<f64>, f64, usize, Termination) {
    let dim = x.len();
    let mut sc = Scratch::default();
    let mut g = vec![0.0; dim];
    let mut lp = obj.value_grad(&x, &mut g, &mut sc);
    for iter in 1..=max_iter {
        let h = hessian(obj, &x, &mut sc);
        let eig = SymmetricEigen::new(h);
        let max_abs = eig.eigenvalues.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let floor = (max_abs * 1e-12).max(1e-300);
        let proj = eig.eigenvectors.transpose() * DVector::from_column_slice(&g);
        let scaled = DVector::from_iterator(
            dim,
            proj.iter()
                .zip(eig.eigenvalues.iter())
                .map(|(p, l)| p / l.abs().max(floor)),
        );
        let dir = &eig.eigenvectors * scaled;
        let mut step = 2.0;
        let mut accepted = None;
        while step > 1e-50 {
            step *= 0.5;
            let cand: Vec<f64> = x
                .iter()
                .zip(dir.iter())
                .map(|(a, d)| a + step * d)
                .collect();
            let mut gc = vec![0.0; dim];
            let lc = obj.value_grad(&cand, &mut gc, &mut sc);
            if lc.is_finite() && lc >= lp {
                accepted = Some((cand, lc, gc));
                break;
            }
        }
        let Some((cand, lc, gc)) = accepted else {
            return (x, lp, iter, Termination::RelativeObjective);
        };
        let improvement = lc - lp;
        x = cand;
        lp = lc;
        g = gc;
        if improvement <= 1e-8 {
            return (x, lp, iter, Termination::AbsoluteObjective);
        }
    }
    (x, lp, max_iter, Termination::MaxIterations)
}

/// Stan's `grad_hess_log_prob`: a fourth-order central finite difference of
/// the analytic gradient with a fixed step of 1e-3, symmetrised. (The fixed
/// step matters: across the Laplace prior's kink at zero it yields a large but
/// finite curvature that keeps small deltas small, as in Stan.)
fn hessian(obj: &Objective, x: &[f64], sc: &mut Scratch) -> DMatrix<f64> {
    const EPSILON: f64 = 1e-3;
    const PERTURBATIONS: [f64; 4] = [-2.0 * EPSILON, -EPSILON, EPSILON, 2.0 * EPSILON];
    const COEFFICIENTS: [f64; 4] = [1.0 / 12.0, -2.0 / 3.0, 2.0 / 3.0, -1.0 / 12.0];
    let dim = x.len();
    let mut h = DMatrix::zeros(dim, dim);
    let mut point = x.to_vec();
    let mut g = vec![0.0; dim];
    let half = 1.0 / (2.0 * EPSILON);
    for d in 0..dim {
        for (p, c) in PERTURBATIONS.iter().zip(COEFFICIENTS) {
            point[d] = x[d] + p;
            obj.value_grad(&point, &mut g, sc);
            for dd in 0..dim {
                h[(d, dd)] += half * c * g[dd];
                h[(dd, d)] += half * c * g[dd];
            }
        }
        point[d] = x[d];
    }
    h
}
