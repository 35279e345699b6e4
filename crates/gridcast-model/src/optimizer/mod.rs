//! A pure-Rust optimizer for Prophet's Stan model, usable through
//! [`augurs_prophet::Optimizer`].
//!
//! Like Python Prophet: L-BFGS with CmdStan's default settings, Newton when
//! there are fewer than 100 rows, Newton as the fallback when L-BFGS fails.
//! Both start from the point a proximal Gauss-Newton stage reaches
//! (`gauss_newton.rs`) and apply CmdStan's convergence tests from there.

mod gauss_newton;
mod gram;
mod lbfgs;
mod newton;
mod objective;

use augurs_prophet::optimizer::{self as aopt, Data, InitialParams, OptimizeOpts, OptimizedParams};
use augurs_prophet::PositiveFloat;

use objective::{Objective, Scratch};

/// Which algorithm produced a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Limited-memory BFGS.
    Lbfgs,
    /// Newton's method.
    Newton,
    /// No optimization: a constant series.
    Constant,
}

/// Why the optimizer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// |Δf| below `tol_obj`.
    AbsoluteObjective,
    /// Relative |Δf| below `tol_rel_obj`.
    RelativeObjective,
    /// Gradient norm below `tol_grad`.
    Gradient,
    /// Relative gradient below `tol_rel_grad`.
    RelativeGradient,
    /// Step below `tol_param`.
    Parameter,
    /// Iteration limit reached.
    MaxIterations,
    /// Nothing to optimise.
    Constant,
}

/// What the optimizer did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitReport {
    /// The algorithm whose result was kept.
    pub algorithm: Algorithm,
    /// Whether L-BFGS failed and Newton took over.
    pub fell_back: bool,
    /// Iterations of the kept algorithm.
    pub iterations: usize,
    /// Stop reason.
    pub termination: Termination,
    /// Log density at the estimate (Stan's `lp__`).
    pub lp: f64,
}

/// The optimizer. Plug it into `augurs_prophet::Prophet` or use [`crate::fit`].
#[derive(Debug, Clone, Default)]
pub struct RustOptimizer;

/// An optimization failure.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// The data does not describe a valid problem.
    #[error("invalid optimization problem: {0}")]
    InvalidData(String),
    /// Neither L-BFGS nor Newton reached a finite optimum.
    #[error("optimization did not converge to a finite optimum")]
    Diverged,
}

fn validate(init: &InitialParams, data: &Data) -> Result<(), OptimizeError> {
    let n = data.T as usize;
    let (s, k) = (data.S as usize, data.K as usize);
    let check = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(OptimizeError::InvalidData(what.to_string()))
        }
    };
    check(
        data.T > 0 && data.K > 0 && data.S >= 0,
        "T, K must be positive",
    )?;
    check(
        data.y.len() == n && data.t.len() == n && data.cap.len() == n,
        "y, t, cap must have T values",
    )?;
    check(data.X.len() == n * k, "X must be T x K")?;
    check(
        data.t_change.len() == s && init.delta.len() == s,
        "t_change and delta must have S values",
    )?;
    check(
        data.s_a.len() == k
            && data.s_m.len() == k
            && data.sigmas.len() == k
            && init.beta.len() == k,
        "K-sized vectors",
    )?;
    check(data.t.windows(2).all(|w| w[0] <= w[1]), "t must be sorted")?;
    check(
        data.t_change.windows(2).all(|w| w[0] <= w[1]),
        "t_change must be sorted",
    )?;
    check(
        data.y
            .iter()
            .chain(&data.t)
            .chain(&data.X)
            .all(|v| v.is_finite()),
        "non-finite data",
    )?;
    Ok(())
}

impl RustOptimizer {
    /// Runs the optimization and reports how it went.
    pub fn run(
        &self,
        init: &InitialParams,
        data: &Data,
        opts: &OptimizeOpts,
    ) -> Result<(OptimizedParams, FitReport), OptimizeError> {
        validate(init, data)?;
        let obj = Objective::new(data);
        let s = obj.n_changepoints();
        let mut x0: Vec<f64> = Vec::with_capacity(obj.dim());
        x0.push(init.k);
        x0.push(init.m);
        x0.extend(&init.delta);
        x0.push(init.sigma_obs.ln());
        x0.extend(&init.beta);

        let settings = lbfgs::Settings {
            init_alpha: opts.init_alpha.unwrap_or(1e-3),
            tol_obj: opts.tol_obj.unwrap_or(1e-12),
            tol_rel_obj: opts.tol_rel_obj.unwrap_or(1e4),
            tol_grad: opts.tol_grad.unwrap_or(1e-8),
            tol_rel_grad: opts.tol_rel_grad.unwrap_or(1e7),
            tol_param: opts.tol_param.unwrap_or(1e-8),
            history: opts.history_size.unwrap_or(5) as usize,
            iter: opts.iter.unwrap_or(10_000) as usize,
        };
        let algorithm = match opts.algorithm {
            Some(aopt::Algorithm::Newton) => Algorithm::Newton,
            Some(_) => Algorithm::Lbfgs,
            None if data.T < 100 => Algorithm::Newton,
            None => Algorithm::Lbfgs,
        };
        // Reach the optimum fast, then let the named algorithm confirm it
        // with CmdStan's convergence tests.
        if let Some(x) = gauss_newton::solve(&obj, &x0, 100) {
            x0 = x;
        }
        let newton = |x0: Vec<f64>| newton::maximize(&obj, x0, settings.iter);
        let (x, lp, iterations, termination, used, fell_back) = match algorithm {
            Algorithm::Lbfgs => match lbfgs::minimize(&obj, x0.clone(), &settings) {
                Ok((x, lp, it, term)) if lp.is_finite() => {
                    (x, lp, it, term, Algorithm::Lbfgs, false)
                }
                _ => {
                    let (x, lp, it, term) = newton(x0);
                    (x, lp, it, term, Algorithm::Newton, true)
                }
            },
            _ => {
                let (x, lp, it, term) = newton(x0);
                (x, lp, it, term, Algorithm::Newton, false)
            }
        };
        if !lp.is_finite() || x.iter().any(|v| !v.is_finite()) {
            return Err(OptimizeError::Diverged);
        }
        let mut sc = Scratch::default();
        let trend = obj.trend(&x, &mut sc);
        let sigma = x[obj.sigma_index()].exp();
        let params = OptimizedParams {
            k: x[0],
            m: x[1],
            delta: x[2..2 + s].to_vec(),
            sigma_obs: PositiveFloat::try_from(sigma).map_err(|_| OptimizeError::Diverged)?,
            beta: x[3 + s..].to_vec(),
            trend,
        };
        Ok((
            params,
            FitReport {
                algorithm: used,
                fell_back,
                iterations,
                termination,
                lp,
            },
        ))
    }
}

impl aopt::Optimizer for RustOptimizer {
    fn optimize(
        &self,
        init: &InitialParams,
        data: &Data,
        opts: &OptimizeOpts,
    ) -> Result<OptimizedParams, aopt::Error> {
        self.run(init, data, opts)
            .map(|(p, _)| p)
            .map_err(aopt::Error::custom)
    }
}

/// Stan's `lp__` (constants dropped, no Jacobian) of parameters `(k, m,
/// delta, sigma_obs, beta)` on the given data.
pub fn log_density(
    data: &Data,
    k: f64,
    m: f64,
    delta: &[f64],
    sigma_obs: f64,
    beta: &[f64],
) -> f64 {
    let obj = Objective::new(data);
    let mut x = vec![k, m];
    x.extend(delta);
    x.push(sigma_obs.ln());
    x.extend(beta);
    let mut g = vec![0.0; x.len()];
    obj.value_grad(&x, &mut g, &mut Scratch::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use augurs_prophet::TrendIndicator;

    fn problem(trend: TrendIndicator, mult: bool) -> Data {
        let n = 60;
        let t: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        // Deterministic pseudo-noise keeps the optimum finite (a perfect fit sends sigma to 0).
        let y: Vec<f64> = t
            .iter()
            .enumerate()
            .map(|(i, t)| {
                0.5 + 0.2 * t
                    + 0.03 * (40.0 * t).sin()
                    + 0.01 * ((i * 7919 % 101) as f64 / 50.0 - 1.0)
            })
            .collect();
        let x: Vec<f64> = t
            .iter()
            .flat_map(|t| [(40.0 * t).sin(), (40.0 * t).cos()])
            .collect();
        let sa = if mult { vec![0, 0] } else { vec![1, 1] };
        let sm = if mult { vec![1, 1] } else { vec![0, 0] };
        Data {
            T: n as i32,
            y,
            t,
            cap: vec![1.2; n],
            S: 3,
            t_change: vec![0.2, 0.4, 0.6],
            trend_indicator: trend,
            K: 2,
            s_a: sa,
            s_m: sm,
            X: x,
            sigmas: vec![PositiveFloat::try_from(10.0).unwrap(); 2],
            tau: PositiveFloat::try_from(0.05).unwrap(),
        }
    }

    /// The analytic gradient agrees with central differences for every trend and mode.
    #[test]
    fn gradient_matches_finite_differences() {
        for trend in [
            TrendIndicator::Linear,
            TrendIndicator::Logistic,
            TrendIndicator::Flat,
        ] {
            for mult in [false, true] {
                let data = problem(trend, mult);
                let obj = Objective::new(&data);
                let x = vec![0.7, 0.1, 0.05, -0.03, 0.02, (0.05f64).ln(), 0.01, -0.02];
                let mut g = vec![0.0; x.len()];
                let mut sc = Scratch::default();
                obj.value_grad(&x, &mut g, &mut sc);
                for j in 0..x.len() {
                    let h = 1e-6;
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[j] += h;
                    xm[j] -= h;
                    let mut tmp = vec![0.0; x.len()];
                    let fd = (obj.value_grad(&xp, &mut tmp, &mut sc)
                        - obj.value_grad(&xm, &mut tmp, &mut sc))
                        / (2.0 * h);
                    let tol = 1e-5 * fd.abs().max(1.0);
                    assert!(
                        (fd - g[j]).abs() < tol,
                        "{trend:?} mult={mult} param {j}: analytic {} vs fd {fd}",
                        g[j]
                    );
                }
            }
        }
    }

    /// The structured `JᵀJ` equals the product of the Jacobian of `mu` taken
    /// by central differences, for every trend and mode, with changepoints
    /// before the first row, between rows and on a row.
    #[test]
    fn gram_matches_the_finite_difference_jacobian() {
        for trend in [
            TrendIndicator::Linear,
            TrendIndicator::Logistic,
            TrendIndicator::Flat,
        ] {
            for mult in [false, true] {
                let mut data = problem(trend, mult);
                data.t_change = vec![0.0, 0.3, 20.0 / 59.0, 0.61];
                data.S = 4;
                let obj = Objective::new(&data);
                let x = [
                    0.7,
                    0.1,
                    0.3,
                    0.05,
                    -0.03,
                    0.02,
                    (0.05f64).ln(),
                    0.01,
                    -0.02,
                ];
                let mut sc = Scratch::default();
                let (_, h) = obj.residual_gram(&x, &mut sc, true);
                let h = h.unwrap();
                let mu = |x: &[f64], sc: &mut Scratch| -> Vec<f64> {
                    let (r, _) = obj.residual_gram(x, sc, false);
                    data.y.iter().zip(&r).map(|(y, r)| y - r).collect()
                };
                let si = obj.sigma_index();
                let params: Vec<usize> = (0..x.len()).filter(|&i| i != si).collect();
                let jac: Vec<Vec<f64>> = params
                    .iter()
                    .map(|&p| {
                        let step = 1e-6;
                        let (mut up, mut down) = (x.to_vec(), x.to_vec());
                        up[p] += step;
                        down[p] -= step;
                        let (a, b) = (mu(&up, &mut sc), mu(&down, &mut sc));
                        a.iter()
                            .zip(&b)
                            .map(|(a, b)| (a - b) / (2.0 * step))
                            .collect()
                    })
                    .collect();
                let q = params.len();
                for a in 0..q {
                    for b in 0..q {
                        let want: f64 = jac[a].iter().zip(&jac[b]).map(|(u, v)| u * v).sum();
                        let got = h[a * q + b];
                        assert!(
                            (got - want).abs() < 1e-6 * want.abs().max(1.0),
                            "{trend:?} mult={mult} ({a}, {b}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    /// The optimizer plugs into augurs's own Prophet through its trait.
    #[test]
    fn works_as_an_augurs_optimizer() {
        use augurs_prophet::{IncludeHistory, Prophet, ProphetOptions, TrainingData};
        let ds: Vec<i64> = (0..200).map(|d| 1_640_995_200 + d * 86_400).collect();
        let y: Vec<f64> = (0..200)
            .map(|d| 100.0 + 0.5 * d as f64 + 5.0 * ((d % 7) as f64))
            .collect();
        let mut prophet = Prophet::new(ProphetOptions::default(), RustOptimizer);
        prophet
            .fit(TrainingData::new(ds, y).unwrap(), Default::default())
            .unwrap();
        let future = prophet
            .make_future_dataframe(3.try_into().unwrap(), IncludeHistory::No)
            .unwrap();
        let yhat = prophet.predict(future).unwrap().yhat.point;
        assert_eq!(yhat.len(), 3);
        // The series is exactly trend + weekly pattern: the forecast continues it.
        let truth: Vec<f64> = (200..203)
            .map(|d| 100.0 + 0.5 * d as f64 + 5.0 * ((d % 7) as f64))
            .collect();
        for (a, b) in yhat.iter().zip(&truth) {
            assert!((a - b).abs() < 0.5, "{yhat:?} vs {truth:?}");
        }
    }

    #[test]
    fn lbfgs_and_newton_agree_on_the_optimum() {
        let data = problem(TrendIndicator::Linear, false);
        let init = InitialParams {
            k: 0.0,
            m: 0.5,
            delta: vec![0.0; 3],
            beta: vec![0.0; 2],
            sigma_obs: PositiveFloat::try_from(1.0).unwrap(),
        };
        let lb = OptimizeOpts {
            algorithm: Some(aopt::Algorithm::Lbfgs),
            ..Default::default()
        };
        let nt = OptimizeOpts {
            algorithm: Some(aopt::Algorithm::Newton),
            ..Default::default()
        };
        let (_, a) = RustOptimizer.run(&init, &data, &lb).unwrap();
        let (_, b) = RustOptimizer.run(&init, &data, &nt).unwrap();
        assert_eq!(a.algorithm, Algorithm::Lbfgs);
        assert_eq!(b.algorithm, Algorithm::Newton);
        assert!(
            (a.lp - b.lp).abs() < 1e-3 * a.lp.abs(),
            "lbfgs {} newton {}",
            a.lp,
            b.lp
        );
    }
}
