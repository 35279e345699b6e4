//! `JᵀJ` of the Jacobian of Prophet's mean, assembled from the model's
//! structure rather than from the `rows × (2 + S + K)` Jacobian.
//!
//! Between two consecutive changepoints (a segment), the Jacobian column of
//! every trend parameter `[k, m, delta..]` is a combination of the same two
//! row vectors: `a[c][g]·P + b[c][g]·Q` on the rows of segment `g` (linear
//! growth: `P = t·mult`, `Q = mult`; logistic: the sigmoid's slope times
//! `t - offset` and times the rate). So the trend block of `JᵀJ` needs only
//! the per-segment sums of `P²`, `PQ`, `Q²` and the trend-feature block the
//! per-segment sums of `P·x` and `Q·x`: O(rows · K) work instead of
//! O(rows · (S + K)²). Only the feature block is a dense product.

use std::ops::Range;

/// The Jacobian columns of the trend parameters `[k, m, delta..]`, by segment.
pub(crate) struct TrendColumns {
    /// Per row.
    pub p: Vec<f64>,
    /// Per row.
    pub q: Vec<f64>,
    /// The rows of each segment (consecutive, covering every row).
    pub segments: Vec<Range<usize>>,
    /// `a[c * segments + g]`: the weight of `P` in column `c` on segment `g`.
    pub a: Vec<f64>,
    /// `b[c * segments + g]`: the weight of `Q` in column `c` on segment `g`.
    pub b: Vec<f64>,
    /// Number of trend parameters (`2 + S`).
    pub count: usize,
}

impl TrendColumns {
    /// Zero weights for `count` parameters over `segments`, with `P` and `Q` to fill.
    pub(crate) fn new(rows: usize, segments: Vec<Range<usize>>, count: usize) -> Self {
        let cells = count * segments.len();
        Self {
            p: vec![0.0; rows],
            q: vec![0.0; rows],
            segments,
            a: vec![0.0; cells],
            b: vec![0.0; cells],
            count,
        }
    }

    /// Column `c`'s weights `(a, b)` on every segment.
    fn weights(&self, c: usize) -> (&[f64], &[f64]) {
        let g = self.segments.len();
        (&self.a[c * g..(c + 1) * g], &self.b[c * g..(c + 1) * g])
    }
}

/// `JᵀJ` (full `q × q`, `q = trend.count + k`) for the Jacobian whose first
/// columns are `trend`'s and whose last `k` are `features` (column-major,
/// `rows` values each).
pub(crate) fn gram(trend: &TrendColumns, features: &[f64], rows: usize, k: usize) -> Vec<f64> {
    let (tc, nseg) = (trend.count, trend.segments.len());
    let q = tc + k;
    let mut h = vec![0.0; q * q];
    let mut set = |a: usize, b: usize, v: f64| {
        h[a * q + b] = v;
        h[b * q + a] = v;
    };
    // Trend block, from the per-segment sums of P², PQ, Q².
    let sums = |x: &[f64], y: &[f64]| -> Vec<f64> {
        trend
            .segments
            .iter()
            .map(|r| dot(&x[r.clone()], &y[r.clone()]))
            .collect()
    };
    let (pp, pq, qq) = (
        sums(&trend.p, &trend.p),
        sums(&trend.p, &trend.q),
        sums(&trend.q, &trend.q),
    );
    for c in 0..tc {
        let (ac, bc) = trend.weights(c);
        for d in c..tc {
            let (ad, bd) = trend.weights(d);
            let v: f64 = (0..nseg)
                .map(|g| {
                    ac[g] * ad[g] * pp[g]
                        + (ac[g] * bd[g] + bc[g] * ad[g]) * pq[g]
                        + bc[g] * bd[g] * qq[g]
                })
                .sum();
            set(c, d, v);
        }
    }
    // Trend × features, from the per-segment sums of P·x and Q·x.
    for j in 0..k {
        let x = &features[j * rows..(j + 1) * rows];
        let (px, qx) = (sums(&trend.p, x), sums(&trend.q, x));
        for c in 0..tc {
            let (ac, bc) = trend.weights(c);
            let v: f64 = (0..nseg).map(|g| ac[g] * px[g] + bc[g] * qx[g]).sum();
            set(c, tc + j, v);
        }
    }
    // Features × features.
    let block = dense_gram(features, rows, k);
    for a in 0..k {
        for b in a..k {
            set(tc + a, tc + b, block[a * k + b]);
        }
    }
    h
}

/// `XᵀX` of a column-major `rows × q` matrix, as a full `q × q` matrix.
///
/// Each column's products run only over its non-zero rows, and for a sparse
/// column (a holiday's 0/1 indicator: a few rows a year) over its non-zero
/// entries alone; only the upper triangle is computed; the dense dot
/// products run on contiguous columns with four accumulators so they
/// vectorise.
pub(crate) fn dense_gram(cols: &[f64], rows: usize, q: usize) -> Vec<f64> {
    let column = |a: usize| &cols[a * rows..(a + 1) * rows];
    // Each column's non-zero rows: their span, and their indices when few.
    let mut range = Vec::with_capacity(q);
    let mut sparse: Vec<Option<Vec<usize>>> = Vec::with_capacity(q);
    for a in 0..q {
        let c = column(a);
        let start = c.iter().position(|v| *v != 0.0).unwrap_or(rows);
        let end = c.iter().rposition(|v| *v != 0.0).map_or(start, |e| e + 1);
        let nonzero = c[start..end].iter().filter(|v| **v != 0.0).count();
        range.push((start, end));
        sparse.push((nonzero * 8 < rows).then(|| (start..end).filter(|&i| c[i] != 0.0).collect()));
    }
    let mut h = vec![0.0; q * q];
    for a in 0..q {
        for b in a..q {
            let v = match (&sparse[a], &sparse[b]) {
                (Some(idx), _) | (None, Some(idx)) => {
                    idx.iter().map(|&i| column(a)[i] * column(b)[i]).sum()
                }
                (None, None) => {
                    let from = range[a].0.max(range[b].0);
                    let to = range[a].1.min(range[b].1).max(from);
                    dot(&column(a)[from..to], &column(b)[from..to])
                }
            };
            h[a * q + b] = v;
            h[b * q + a] = v;
        }
    }
    h
}

/// A dot product with four accumulators (vectorises).
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

#[cfg(test)]
mod tests {
    use super::dense_gram;

    /// The structured `XᵀX` (changepoint ramps, sparse indicator columns,
    /// all-zero columns, dense ones) equals the plain triple loop.
    #[test]
    fn dense_gram_matches_the_plain_product() {
        let rows = 97;
        let columns: Vec<Vec<f64>> = vec![
            (0..rows).map(|i| (i as f64 * 0.37).sin()).collect(), // dense
            vec![0.0; rows],                                      // all zero
            (0..rows)
                .map(|i| if i >= 40 { i as f64 - 40.0 } else { 0.0 })
                .collect(), // ramp
            (0..rows)
                .map(|i| f64::from(u8::from(i % 45 == 3)))
                .collect(), // sparse
            (0..rows)
                .map(|i| if (10..14).contains(&i) { 0.5 } else { 0.0 })
                .collect(), // window
            (0..rows)
                .map(|i| if i < 60 { 1.0 + i as f64 } else { 0.0 })
                .collect(), // ends early
        ];
        let q = columns.len();
        let cols: Vec<f64> = columns.concat();
        let h = dense_gram(&cols, rows, q);
        for a in 0..q {
            for b in 0..q {
                let want: f64 = (0..rows).map(|i| columns[a][i] * columns[b][i]).sum();
                let got = h[a * q + b];
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "({a}, {b}): {got} vs {want}"
                );
            }
        }
    }
}
