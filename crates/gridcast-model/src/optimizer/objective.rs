//! Prophet's Stan model as a function: the log density (Stan's `lp__`,
//! constants dropped, no Jacobian) and its analytic gradient over the
//! unconstrained parameters `[k, m, delta.., ln sigma_obs, beta..]`.

use augurs_prophet::optimizer::Data;
use augurs_prophet::TrendIndicator;

use super::gram::{self, TrendColumns};
use crate::features::dot;

/// The data of one fit, laid out for fast evaluation.
pub(crate) struct Objective<'a> {
    data: &'a Data,
    n: usize,
    s: usize,
    k: usize,
    /// X with the additive / multiplicative indicator applied, row-major
    /// (empty when no feature has that mode).
    xa: Vec<f64>,
    xm: Vec<f64>,
    /// X column-major (the Jacobian's layout).
    x_cols: Vec<f64>,
    any_mult: bool,
    any_add: bool,
    /// Per row, the number of changepoints at or before it.
    segment: Vec<usize>,
    /// Per changepoint, the first row at or after it.
    first_row: Vec<usize>,
    inv_sigma2: Vec<f64>,
    inv_tau: f64,
}

/// Scratch buffers reused between evaluations.
#[derive(Default)]
pub(crate) struct Scratch {
    trend: Vec<f64>,
    xba: Vec<f64>,
    xbm: Vec<f64>,
    r: Vec<f64>,
    w: Vec<f64>,
    gammas: Vec<f64>,
    ks: Vec<f64>,
    mpr: Vec<f64>,
    g_seg_rate: Vec<f64>,
    g_seg_off: Vec<f64>,
    /// The features' Jacobian columns, column-major.
    features: Vec<f64>,
}

impl<'a> Objective<'a> {
    pub(crate) fn new(data: &'a Data) -> Self {
        let n = data.T as usize;
        let s = data.S as usize;
        let k = data.K as usize;
        let any_mult = data.s_m.iter().any(|&v| v != 0);
        let any_add = data.s_a.iter().any(|&v| v != 0);
        let with_indicator = |indicator: &[i32]| -> Vec<f64> {
            let weight: Vec<f64> = indicator.iter().map(|&v| f64::from(v)).collect();
            data.X
                .chunks_exact(k)
                .flat_map(|row| row.iter().zip(&weight).map(|(x, w)| x * w))
                .collect()
        };
        let xa = if any_add {
            with_indicator(&data.s_a)
        } else {
            Vec::new()
        };
        let xm = if any_mult {
            with_indicator(&data.s_m)
        } else {
            Vec::new()
        };
        let mut x_cols = vec![0.0; n * k];
        for (i, row) in data.X.chunks_exact(k).enumerate() {
            for (j, x) in row.iter().enumerate() {
                x_cols[j * n + i] = *x;
            }
        }
        let segment = data
            .t
            .iter()
            .map(|&t| data.t_change.iter().filter(|&&c| t >= c).count())
            .collect();
        let first_row = data
            .t_change
            .iter()
            .map(|&c| data.t.iter().position(|&t| t >= c).unwrap_or(n))
            .collect();
        Self {
            data,
            n,
            s,
            k,
            any_mult,
            any_add,
            xa,
            xm,
            x_cols,
            segment,
            first_row,
            inv_sigma2: data.sigmas.iter().map(|s| 1.0 / (**s * **s)).collect(),
            inv_tau: 1.0 / *data.tau,
        }
    }

    /// Number of unconstrained parameters.
    pub(crate) fn dim(&self) -> usize {
        3 + self.s + self.k
    }

    pub(crate) fn n_changepoints(&self) -> usize {
        self.s
    }

    /// Number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.n
    }

    /// Prior precision of each non-sigma parameter `[k, m, delta.., beta..]`
    /// (the Laplace prior on delta is handled separately).
    pub(crate) fn prior_precision(&self) -> Vec<f64> {
        let mut p = vec![1.0 / 25.0, 1.0 / 25.0];
        p.extend(std::iter::repeat(0.0).take(self.s));
        p.extend(&self.inv_sigma2);
        p
    }

    /// Whether the Jacobian of `mu` (so `JᵀJ`) does not depend on the parameters:
    /// linear or flat growth with additive features only.
    pub(crate) fn jacobian_is_constant(&self) -> bool {
        !self.any_mult && self.data.trend_indicator != TrendIndicator::Logistic
    }

    /// Residuals `y - mu` and, when asked for, `JᵀJ` of the Jacobian of `mu`
    /// with respect to `[k, m, delta.., beta..]` (full `q × q`, `q = 2 + S + K`).
    pub(crate) fn residual_gram(
        &self,
        theta: &[f64],
        sc: &mut Scratch,
        want_gram: bool,
    ) -> (Vec<f64>, Option<Vec<f64>>) {
        let (n, s, kk) = (self.n, self.s, self.k);
        let beta = &theta[3 + s..];
        self.compute_trend(theta, sc);
        let mut resid = vec![0.0; n];
        let mut mult = vec![1.0; n];
        for i in 0..n {
            let xbm = if self.any_mult {
                dot(&self.xm[i * kk..(i + 1) * kk], beta)
            } else {
                0.0
            };
            let xba = if self.any_add {
                dot(&self.xa[i * kk..(i + 1) * kk], beta)
            } else {
                0.0
            };
            mult[i] = 1.0 + xbm;
            resid[i] = self.data.y[i] - (sc.trend[i] * mult[i] + xba);
        }
        if !want_gram {
            return (resid, None);
        }
        // The features' columns: d mu / d beta_j = xa_ij + trend_i xm_ij.
        let mut features = std::mem::take(&mut sc.features);
        features.clear();
        features.resize(n * kk, 0.0);
        for j in 0..kk {
            let (a, m) = (f64::from(self.data.s_a[j]), f64::from(self.data.s_m[j]));
            let x = &self.x_cols[j * n..(j + 1) * n];
            let col = &mut features[j * n..(j + 1) * n];
            if m == 0.0 {
                col.iter_mut().zip(x).for_each(|(c, x)| *c = a * x);
            } else {
                for ((c, x), t) in col.iter_mut().zip(x).zip(&sc.trend) {
                    *c = x * (a + m * t);
                }
            }
        }
        let trend = self.trend_columns(&mult, sc);
        let h = gram::gram(&trend, &features, n, kk);
        sc.features = features;
        (resid, Some(h))
    }

    /// The Jacobian columns of `mu` for the trend parameters `[k, m, delta..]`
    /// at the parameters `compute_trend` last saw, by segment: see
    /// [`gram::TrendColumns`].
    fn trend_columns(&self, mult: &[f64], sc: &Scratch) -> TrendColumns {
        let (n, s) = (self.n, self.s);
        let segments: Vec<std::ops::Range<usize>> = (0..=s)
            .map(|g| {
                let start = if g == 0 { 0 } else { self.first_row[g - 1] };
                let end = if g == s { n } else { self.first_row[g] };
                start..end.max(start)
            })
            .collect();
        let nseg = segments.len();
        let mut cols = TrendColumns::new(n, segments, 2 + s);
        let t = &self.data.t;
        let tc = &self.data.t_change;
        match self.data.trend_indicator {
            TrendIndicator::Flat => {
                cols.q.copy_from_slice(mult);
                cols.b[nseg..2 * nseg].fill(1.0);
            }
            TrendIndicator::Linear => {
                // trend = rate_g t + offset_g: rate_g = k + Σ_{l<g} delta_l,
                // offset_g = m - Σ_{l<g} delta_l tc_l.
                for i in 0..n {
                    cols.p[i] = t[i] * mult[i];
                    cols.q[i] = mult[i];
                }
                cols.a[..nseg].fill(1.0);
                cols.b[nseg..2 * nseg].fill(1.0);
                for l in 0..s {
                    let c = (2 + l) * nseg;
                    cols.a[c + l + 1..c + nseg].fill(1.0);
                    cols.b[c + l + 1..c + nseg].fill(-tc[l]);
                }
            }
            TrendIndicator::Logistic => {
                // trend = cap σ(z), z = ks_g (t - mpr_g): d mu / d θ =
                // mult · trend (1 - trend / cap) · (d ks_g (t - mpr_g) - ks_g d mpr_g).
                let (ks, mpr) = (&sc.ks, &sc.mpr);
                for i in 0..n {
                    let g = self.segment[i];
                    let slope = mult[i] * sc.trend[i] * (1.0 - sc.trend[i] / self.data.cap[i]);
                    cols.p[i] = slope * (t[i] - mpr[g]);
                    cols.q[i] = -slope * ks[g];
                }
                // d ks_j / d θ_c: k moves every rate, m none, delta_l those after it.
                let dks = |c: usize, j: usize| match c {
                    0 => 1.0,
                    1 => 0.0,
                    _ => f64::from(u8::from(j > c - 2)),
                };
                for c in 0..2 + s {
                    let row = c * nseg;
                    let mut d_mpr = if c == 1 { 1.0 } else { 0.0 };
                    for g in 0..nseg {
                        cols.a[row + g] = dks(c, g);
                        cols.b[row + g] = d_mpr;
                        if g < s {
                            // mpr_{g+1} = mpr_g + (tc_g - mpr_g)(1 - ks_g / ks_{g+1}).
                            let (k0, k1) = (ks[g], ks[g + 1]);
                            let r = 1.0 - k0 / k1;
                            let dr = -dks(c, g) / k1 + k0 * dks(c, g + 1) / (k1 * k1);
                            d_mpr = d_mpr * (1.0 - r) + (tc[g] - mpr[g]) * dr;
                        }
                    }
                }
            }
        }
        cols
    }

    /// Index of `ln sigma_obs` in the parameter vector.
    pub(crate) fn sigma_index(&self) -> usize {
        2 + self.s
    }

    /// The trend (scaled) at the history rows.
    pub(crate) fn trend(&self, theta: &[f64], scratch: &mut Scratch) -> Vec<f64> {
        self.compute_trend(theta, scratch);
        scratch.trend.clone()
    }

    fn compute_trend(&self, theta: &[f64], sc: &mut Scratch) {
        let (n, s) = (self.n, self.s);
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[2..2 + s];
        let t = &self.data.t;
        let tc = &self.data.t_change;
        sc.trend.resize(n, 0.0);
        match self.data.trend_indicator {
            TrendIndicator::Linear => {
                // rate and offset per segment
                sc.ks.clear();
                sc.mpr.clear();
                let (mut rate, mut off) = (k, m);
                sc.ks.push(rate);
                sc.mpr.push(off);
                for j in 0..s {
                    rate += delta[j];
                    off -= delta[j] * tc[j];
                    sc.ks.push(rate);
                    sc.mpr.push(off);
                }
                for i in 0..n {
                    let g = self.segment[i];
                    sc.trend[i] = sc.ks[g] * t[i] + sc.mpr[g];
                }
            }
            TrendIndicator::Logistic => {
                sc.ks.clear();
                sc.mpr.clear();
                sc.gammas.clear();
                sc.ks.push(k);
                for j in 0..s {
                    sc.ks.push(sc.ks[j] + delta[j]);
                }
                let mut off = m;
                sc.mpr.push(off);
                for j in 0..s {
                    let g = (tc[j] - off) * (1.0 - sc.ks[j] / sc.ks[j + 1]);
                    sc.gammas.push(g);
                    off += g;
                    sc.mpr.push(off);
                }
                for i in 0..n {
                    let g = self.segment[i];
                    let z = sc.ks[g] * (t[i] - sc.mpr[g]);
                    sc.trend[i] = self.data.cap[i] / (1.0 + (-z).exp());
                }
            }
            TrendIndicator::Flat => sc.trend.iter_mut().for_each(|v| *v = m),
        }
    }

    /// Log density at `theta`; fills `grad` with its gradient.
    pub(crate) fn value_grad(&self, theta: &[f64], grad: &mut [f64], sc: &mut Scratch) -> f64 {
        self.evaluate(theta, grad, sc, true)
    }

    /// The log density without the Laplace prior on `delta` (the smooth part);
    /// fills `grad` with its gradient.
    pub(crate) fn value_grad_smooth(
        &self,
        theta: &[f64],
        grad: &mut [f64],
        sc: &mut Scratch,
    ) -> f64 {
        self.evaluate(theta, grad, sc, false)
    }

    /// The Laplace prior's weight `1 / tau` on each |delta|.
    pub(crate) fn laplace_weight(&self) -> f64 {
        self.inv_tau
    }

    fn evaluate(&self, theta: &[f64], grad: &mut [f64], sc: &mut Scratch, laplace: bool) -> f64 {
        let (n, s, kk) = (self.n, self.s, self.k);
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[2..2 + s];
        let u = theta[2 + s];
        let sigma = u.exp();
        let beta = &theta[3 + s..];
        self.compute_trend(theta, sc);

        sc.xba.resize(n, 0.0);
        sc.xbm.resize(n, 0.0);
        for i in 0..n {
            let row = i * kk..(i + 1) * kk;
            sc.xba[i] = if self.any_add {
                dot(&self.xa[row.clone()], beta)
            } else {
                0.0
            };
            sc.xbm[i] = if self.any_mult {
                dot(&self.xm[row], beta)
            } else {
                0.0
            };
        }
        let y = &self.data.y;
        let inv_s2 = 1.0 / (sigma * sigma);
        let mut sse = 0.0;
        sc.w.resize(n, 0.0);
        sc.r.resize(n, 0.0);
        for i in 0..n {
            let mu = sc.trend[i] * (1.0 + sc.xbm[i]) + sc.xba[i];
            let resid = y[i] - mu;
            sse += resid * resid;
            sc.w[i] = resid * inv_s2; // d ll / d mu
            sc.r[i] = sc.w[i] * (1.0 + sc.xbm[i]); // d ll / d trend
        }
        let mut lp = -(n as f64) * u - 0.5 * sse * inv_s2;
        grad.iter_mut().for_each(|g| *g = 0.0);

        // beta: likelihood part
        {
            let gb = &mut grad[3 + s..];
            let accumulate = |gb: &mut [f64], x: &[f64], w: f64| {
                gb.iter_mut().zip(x).for_each(|(g, x)| *g += w * x);
            };
            for i in 0..n {
                let (wa, wm) = (sc.w[i], sc.w[i] * sc.trend[i]);
                if self.any_add {
                    accumulate(gb, &self.xa[i * kk..(i + 1) * kk], wa);
                }
                if self.any_mult {
                    accumulate(gb, &self.xm[i * kk..(i + 1) * kk], wm);
                }
            }
        }
        // sigma (on the log scale, no Jacobian): d/du = sigma * d/dsigma
        grad[2 + s] = -(n as f64) + sse * inv_s2;

        self.trend_gradient(grad, sc);

        // priors
        lp -= (k * k + m * m) / 50.0;
        grad[0] -= k / 25.0;
        grad[1] -= m / 25.0;
        if laplace {
            for j in 0..s {
                lp -= delta[j].abs() * self.inv_tau;
                grad[2 + j] -= delta[j].signum() * self.inv_tau * (delta[j] != 0.0) as u8 as f64;
            }
        }
        lp -= sigma * sigma * 2.0;
        grad[2 + s] -= 4.0 * sigma * sigma;
        for j in 0..kk {
            lp -= 0.5 * beta[j] * beta[j] * self.inv_sigma2[j];
            grad[3 + s + j] -= beta[j] * self.inv_sigma2[j];
        }
        lp
    }

    /// Adds d lp / d (k, m, delta) through the trend, given `sc.r` = d lp / d trend.
    fn trend_gradient(&self, grad: &mut [f64], sc: &mut Scratch) {
        let (n, s) = (self.n, self.s);
        let t = &self.data.t;
        let tc = &self.data.t_change;
        match self.data.trend_indicator {
            TrendIndicator::Flat => {
                grad[1] += sc.r.iter().sum::<f64>();
            }
            TrendIndicator::Linear => {
                let (mut a0, mut a1) = (0.0, 0.0);
                for i in 0..n {
                    a0 += sc.r[i];
                    a1 += sc.r[i] * t[i];
                }
                grad[0] += a1;
                grad[1] += a0;
                // suffix sums from the first row of each changepoint
                // Changepoints are sorted: walk them from the last, extending
                // the suffix sums of r and r·t down to each one's first row.
                let (mut s0, mut s1, mut row) = (0.0, 0.0, n);
                for j in (0..s).rev() {
                    while row > self.first_row[j] {
                        row -= 1;
                        s0 += sc.r[row];
                        s1 += sc.r[row] * t[row];
                    }
                    grad[2 + j] += s1 - tc[j] * s0;
                }
            }
            TrendIndicator::Logistic => {
                // Backpropagate through z_i = ks[g] (t_i - mpr[g]), trend_i = cap_i sigmoid(z_i).
                sc.g_seg_rate.clear();
                sc.g_seg_rate.resize(s + 1, 0.0);
                sc.g_seg_off.clear();
                sc.g_seg_off.resize(s + 1, 0.0);
                for i in 0..n {
                    let g = self.segment[i];
                    let cap = self.data.cap[i];
                    let p = sc.trend[i] / cap;
                    let gz = sc.r[i] * cap * p * (1.0 - p);
                    sc.g_seg_rate[g] += gz * (t[i] - sc.mpr[g]);
                    sc.g_seg_off[g] -= gz * sc.ks[g];
                }
                // mpr[j+1] = mpr[j] + gamma_j; gamma_j = (tc_j - mpr[j]) (1 - ks[j]/ks[j+1])
                let mut g_ks = sc.g_seg_rate.clone();
                let mut g_mpr = sc.g_seg_off.clone();
                for j in (0..s).rev() {
                    let g_gamma = g_mpr[j + 1];
                    g_mpr[j] += g_mpr[j + 1];
                    let c = 1.0 - sc.ks[j] / sc.ks[j + 1];
                    let a = tc[j] - sc.mpr[j];
                    g_mpr[j] -= g_gamma * c;
                    g_ks[j] -= g_gamma * a / sc.ks[j + 1];
                    g_ks[j + 1] += g_gamma * a * sc.ks[j] / (sc.ks[j + 1] * sc.ks[j + 1]);
                }
                grad[1] += g_mpr[0];
                // ks[q] = k + sum_{l<q} delta_l
                let mut suffix = 0.0;
                for q in (0..=s).rev() {
                    if q < s {
                        grad[2 + q] += suffix;
                    }
                    suffix += g_ks[q];
                }
                grad[0] += suffix;
            }
        }
    }
}
