//! Elementary functions the hot loops need, written so they vectorise.
//!
//! std's `f64::exp` is a libm call per value: it keeps the lane loops of
//! the month loop (the lognormal noise) and of Erlang C (the service level's
//! waiting-time factor) from becoming SIMD. This one is plain IEEE
//! arithmetic without branches, gives the same bits whatever the lane
//! count, and stays within 2 ulps of libm.

/// Reciprocal factorials 1/k!, k = 0..=13: the Taylor coefficients of e^r.
const INV_FACTORIAL: [f64; 14] = {
    let mut c = [1.0; 14];
    let mut k = 1;
    while k < 14 {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
};

/// `e^x` to within a couple of ulps, for `x` clamped to [-708, 709] (the
/// normal range of the result), in plain IEEE arithmetic.
///
/// std's `f64::exp` is a libm call, made once per lane and value; this one
/// vectorises across lanes and gives the same bits whatever the lane count.
/// Clamping changes nothing for its callers: the noise's arguments are a
/// few sigma, and below `e^-708` (3e-308) Erlang C's waiting-time factor
/// cannot move a service level off 1.
///
/// Method (Cody-Waite, as in fdlibm's `e_exp.c`): `x = k ln2 + r` with
/// `k = round(x / ln2)` and `|r| <= ln2 / 2`, `ln2` split in two so
/// `k * LN2_HI` is exact; `e^r` by its Taylor series to `r^13`, whose
/// remainder is below `0.35^14 / 14! < 5e-18`; `2^k` built in the exponent
/// field.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // fdlibm's split of ln 2: LN2_HI has 32 significant bits.
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // 1.5 * 2^52: adding it rounds to an integer k, which lands in the low
    // bits of the sum's mantissa (as k + 2^51).
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 709.0);
    let shifted = x * std::f64::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Estrin's scheme: pairs, then pairs of pairs, so the dependency chain
    // is 4 multiply-adds deep instead of Horner's 13.
    let c = &INV_FACTORIAL;
    let (r2, r4) = (r * r, r * r * (r * r));
    let p: [f64; 7] = std::array::from_fn(|i| c[2 * i] + c[2 * i + 1] * r);
    let p = [p[0] + p[1] * r2, p[2] + p[3] * r2, p[4] + p[5] * r2, p[6]];
    let p = (p[0] + p[1] * r4) + (p[2] + p[3] * r4) * (r4 * r4);
    // k in [-1021, 1023]: k + 1023 is a normal exponent. The low 12 bits of
    // `shifted` are k's two's complement (SHIFT's own low bits are zero);
    // shifting by 52 keeps just those, in the exponent field.
    let two_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * two_k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite positives.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_matches_std_within_two_ulps() {
        // A dense sweep over the clamped range, both signs, plus the ends.
        let mut worst = 0;
        let steps = 200_000;
        for i in 0..=steps {
            let x = -708.0 + 1417.0 * f64::from(i) / f64::from(steps);
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for x in [0.0, -0.0, 1e-300, -1e-17, 0.5, -0.5, 1.0, -1.0, -708.0, 709.0] {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn exp_clamps_outside_the_normal_range() {
        assert_eq!(exp(-1e6), exp(-708.0));
        assert_eq!(exp(f64::NEG_INFINITY), exp(-708.0));
        assert!(exp(-708.0) > 0.0 && exp(-708.0).is_normal());
        assert_eq!(exp(1e6), exp(709.0));
        assert!(exp(709.0).is_finite());
    }
}
