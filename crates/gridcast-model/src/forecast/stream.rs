//! The uncertainty simulation's random stream: rand_pcg's `Pcg64` (PCG XSL
//! RR 128/64), bit for bit, with its 128-bit step written for wasm.
//!
//! wasm has no 64 × 64 → 128-bit multiply, so there a `u128` product is a
//! call to compiler-builtins' general `__multi3` (its result passed through
//! memory): with 90 draws per sample of a 30-day forecast, the generator was
//! a quarter of the on-device forecast. Multiplying by the generator's fixed
//! constant in 64-bit halves keeps it inline. Natively the `u128` product is
//! one instruction and is kept. The stream equals rand_pcg's (tested), so
//! every forecast is unchanged.

use rand::{Error, RngCore, SeedableRng};

/// PCG's 128-bit LCG multiplier (rand_pcg's `MULTIPLIER`).
const MULTIPLIER: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;

/// rand_pcg's `Pcg64` (`Lcg128Xsl64`): the same seeding and outputs.
#[derive(Debug, Clone)]
pub(crate) struct Pcg64 {
    state: u128,
    increment: u128,
}

impl Pcg64 {
    fn from_state_increment(state: u128, increment: u128) -> Self {
        let mut pcg = Pcg64 {
            state: state.wrapping_add(increment),
            increment,
        };
        pcg.step();
        pcg
    }

    #[inline]
    fn step(&mut self) {
        self.state = times_multiplier(self.state).wrapping_add(self.increment);
    }
}

/// `x × MULTIPLIER mod 2¹²⁸`.
#[inline]
fn times_multiplier(x: u128) -> u128 {
    if cfg!(target_arch = "wasm32") {
        times_multiplier_by_halves(x)
    } else {
        x.wrapping_mul(MULTIPLIER)
    }
}

/// `x × MULTIPLIER mod 2¹²⁸` from 64-bit products: the low halves' full
/// product, plus the two cross products' low halves in the upper word.
#[inline]
fn times_multiplier_by_halves(x: u128) -> u128 {
    let (m_lo, m_hi) = (MULTIPLIER as u64, (MULTIPLIER >> 64) as u64);
    let (lo, hi) = (x as u64, (x >> 64) as u64);
    let (p_lo, p_hi) = wide_product(lo, m_lo);
    let top = p_hi
        .wrapping_add(lo.wrapping_mul(m_hi))
        .wrapping_add(hi.wrapping_mul(m_lo));
    (u128::from(top) << 64) | u128::from(p_lo)
}

/// `a × b` as its (low, high) 64-bit halves, from four 32-bit products.
#[inline]
fn wide_product(a: u64, b: u64) -> (u64, u64) {
    const LOW: u64 = 0xFFFF_FFFF;
    let (a0, a1, b0, b1) = (a & LOW, a >> 32, b & LOW, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    (
        (mid << 32) | (p00 & LOW),
        p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
    )
}

impl SeedableRng for Pcg64 {
    type Seed = [u8; 32];

    /// rand_pcg's: state and stream from the seed's two little-endian halves.
    fn from_seed(seed: Self::Seed) -> Self {
        let word = |i: usize| {
            let bytes: [u8; 16] = seed[i * 16..(i + 1) * 16].try_into().expect("16 bytes");
            u128::from_le_bytes(bytes)
        };
        Pcg64::from_state_increment(word(0), word(1) | 1)
    }
}

impl RngCore for Pcg64 {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    /// A step, then the XSL RR output of the new state.
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.step();
        let rotate = (self.state >> 122) as u32;
        (((self.state >> 64) as u64) ^ (self.state as u64)).rotate_right(rotate)
    }

    /// rand_core's `fill_bytes_via_next`, as rand_pcg fills.
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let mut chunks = dest.chunks_exact_mut(8);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        let n = rest.len();
        if n > 4 {
            rest.copy_from_slice(&self.next_u64().to_le_bytes()[..n]);
        } else if n > 0 {
            rest.copy_from_slice(&self.next_u32().to_le_bytes()[..n]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_by_halves_is_the_u128_product() {
        let mut x: u128 = 1;
        for _ in 0..10_000 {
            assert_eq!(times_multiplier_by_halves(x), x.wrapping_mul(MULTIPLIER));
            x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) ^ (x >> 61);
        }
        for x in [0, u128::MAX, u128::from(u64::MAX), u128::MAX << 64] {
            assert_eq!(times_multiplier_by_halves(x), x.wrapping_mul(MULTIPLIER));
        }
    }

    #[test]
    fn the_stream_is_rand_pcgs() {
        for seed in [0, 1, 7, 11, 12_345, u64::MAX] {
            let mut ours = Pcg64::seed_from_u64(seed);
            let mut theirs = rand_pcg::Pcg64::seed_from_u64(seed);
            for _ in 0..10_000 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
            }
            assert_eq!(ours.next_u32(), theirs.next_u32());
            for n in [3, 13, 16] {
                let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
                ours.fill_bytes(&mut a);
                theirs.fill_bytes(&mut b);
                assert_eq!(a, b);
            }
        }
        let seed: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        let (mut ours, mut theirs) = (Pcg64::from_seed(seed), rand_pcg::Pcg64::from_seed(seed));
        for _ in 0..1_000 {
            assert_eq!(ours.next_u64(), theirs.next_u64());
        }
    }
}
