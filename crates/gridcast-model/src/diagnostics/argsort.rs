//! numpy's `argsort(kind="quicksort")` (numpy 1.26's introsort for
//! `timedelta64`), which pandas' `sort_values` uses: it is not stable, and
//! `rolling_median_by_h` takes points from the previous horizon in the order
//! it leaves them, so the same order gives Python's medians.

/// Partitions at most this long are insertion-sorted (numpy's `SMALL_QUICKSORT`).
const SMALL_QUICKSORT: usize = 15;

/// The indices that sort `v`, in the order numpy's quicksort gives them.
pub fn numpy_argsort(v: &[i64]) -> Vec<usize> {
    let mut tosort: Vec<usize> = (0..v.len()).collect();
    if v.len() < 2 {
        return tosort;
    }
    let less = |a: usize, b: usize| v[a] < v[b];
    let mut stack: Vec<(usize, usize, i32)> = Vec::new();
    let (mut pl, mut pr) = (0usize, v.len() - 1);
    let mut cdepth = 2 * (usize::BITS - 1 - v.len().leading_zeros()) as i32;
    loop {
        if cdepth < 0 {
            heapsort(v, &mut tosort[pl..=pr]);
        } else {
            while pr - pl > SMALL_QUICKSORT {
                let pm = pl + ((pr - pl) >> 1);
                if less(tosort[pm], tosort[pl]) {
                    tosort.swap(pm, pl);
                }
                if less(tosort[pr], tosort[pm]) {
                    tosort.swap(pr, pm);
                }
                if less(tosort[pm], tosort[pl]) {
                    tosort.swap(pm, pl);
                }
                let vp = v[tosort[pm]];
                let mut pi = pl;
                let mut pj = pr - 1;
                tosort.swap(pm, pj);
                loop {
                    pi += 1;
                    while v[tosort[pi]] < vp {
                        pi += 1;
                    }
                    pj -= 1;
                    while vp < v[tosort[pj]] {
                        pj -= 1;
                    }
                    if pi >= pj {
                        break;
                    }
                    tosort.swap(pi, pj);
                }
                tosort.swap(pi, pr - 1);
                cdepth -= 1;
                // Push the larger partition, go on with the smaller.
                if pi - pl < pr - pi {
                    stack.push((pi + 1, pr, cdepth));
                    pr = pi - 1;
                } else {
                    stack.push((pl, pi - 1, cdepth));
                    pl = pi + 1;
                }
            }
            insertion_sort(v, &mut tosort[pl..=pr]);
        }
        match stack.pop() {
            Some((l, r, depth)) => (pl, pr, cdepth) = (l, r, depth),
            None => break,
        }
    }
    tosort
}

fn insertion_sort(v: &[i64], idx: &mut [usize]) {
    for i in 1..idx.len() {
        let vi = idx[i];
        let mut j = i;
        while j > 0 && v[vi] < v[idx[j - 1]] {
            idx[j] = idx[j - 1];
            j -= 1;
        }
        idx[j] = vi;
    }
}

/// numpy's `aheapsort_` (1-based heap), used past the depth limit.
fn heapsort(v: &[i64], idx: &mut [usize]) {
    let n = idx.len();
    // a[k] is idx[k - 1].
    let at = |idx: &[usize], k: usize| v[idx[k - 1]];
    let sift = |idx: &mut [usize], mut i: usize, n: usize| {
        let tmp = idx[i - 1];
        let mut j = i * 2;
        while j <= n {
            if j < n && at(idx, j) < at(idx, j + 1) {
                j += 1;
            }
            if v[tmp] < at(idx, j) {
                idx[i - 1] = idx[j - 1];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        idx[i - 1] = tmp;
    };
    for l in (1..=n / 2).rev() {
        sift(idx, l, n);
    }
    let mut n = n;
    while n > 1 {
        idx.swap(0, n - 1);
        n -= 1;
        sift(idx, 1, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy 1.26.4: `pd.DataFrame({"h": pd.to_timedelta(np.tile(np.arange(1, 15), 8),
    /// unit="D")}).sort_values("h").index[:40]`.
    #[test]
    fn orders_ties_as_numpy_does() {
        let h: Vec<i64> = (0..8).flat_map(|_| 1..15).collect();
        let order = numpy_argsort(&h);
        assert_eq!(
            order[..40],
            [
                0, 56, 28, 70, 42, 98, 84, 14, 57, 29, 71, 15, 85, 43, 99, 1, 72, 44, 16, 30, 86,
                2, 58, 100, 31, 3, 87, 73, 45, 17, 101, 59, 102, 46, 4, 60, 18, 88, 32, 74
            ]
        );
        assert!(order.windows(2).all(|w| h[w[0]] <= h[w[1]]));
    }

    #[test]
    fn sorts_and_falls_back_to_heapsort() {
        let v: Vec<i64> = (0..500).map(|i| (i * 7919 % 263) as i64).collect();
        let order = numpy_argsort(&v);
        assert!(order.windows(2).all(|w| v[w[0]] <= v[w[1]]));
        let mut idx: Vec<usize> = (0..v.len()).collect();
        heapsort(&v, &mut idx);
        assert!(idx.windows(2).all(|w| v[w[0]] <= v[w[1]]));
        assert_eq!(numpy_argsort(&[3]), [0]);
        assert!(numpy_argsort(&[]).is_empty());
    }
}
