//! Elementary functions the hot loops need, written so they vectorise.
//!
//! std's `f64::exp` is a libm call per value: it keeps the lane loops of
//! the month loop (the lognormal noise) and of Erlang C (the service level's
//! waiting-time factor) from becoming SIMD, and `powf`, for the monthly
//! step of an uncertain annual rate, is another libm call per lane. These
//! are plain IEEE arithmetic without branches, give the same bits whatever
//! the lane count, and stay within 2 ulps of libm (`exp`), 1 ulp (`ln`),
//! and 4 ulps of `powf` for the monthly steps (`pow`).

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

/// fdlibm's split of ln 2: LN2_HI has 32 significant bits, so `k * LN2_HI`
/// is exact for the exponents `k` of a double.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

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
///
/// Every multiply-add is fused (`mul_add`, exactly rounded): one
/// instruction instead of two where the processor has FMA, as every one
/// with AVX2 does, and the block's vector builds are compiled for it. The
/// fused result is the same on every build: one without FMA (the
/// portable block) calls libm's `fma` instead, slower but bit for bit the
/// same. Its sixteen multiply-adds are one instruction each instead of
/// two (the block: 23,088 -> 22,376 instructions an iteration, callgrind).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // 1.5 * 2^52: adding it rounds to an integer k, which lands in the low
    // bits of the sum's mantissa (as k + 2^51).
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 709.0);
    let shifted = x.mul_add(std::f64::consts::LOG2_E, SHIFT);
    let k = shifted - SHIFT;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, x));
    // Estrin's scheme: pairs, then pairs of pairs, so the dependency chain
    // is 4 multiply-adds deep instead of Horner's 13.
    let c = &INV_FACTORIAL;
    let r2 = r * r;
    let r4 = r2 * r2;
    let p: [f64; 7] = std::array::from_fn(|i| c[2 * i + 1].mul_add(r, c[2 * i]));
    let p = [p[1].mul_add(r2, p[0]), p[3].mul_add(r2, p[2]), p[5].mul_add(r2, p[4]), p[6]];
    let p = p[3].mul_add(r4, p[2]).mul_add(r4 * r4, p[1].mul_add(r4, p[0]));
    // k in [-1021, 1023]: k + 1023 is a normal exponent. The low 12 bits of
    // `shifted` are k's two's complement (SHIFT's own low bits are zero);
    // shifting by 52 keeps just those, in the exponent field.
    let two_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * two_k
}

/// `ln x` to within an ulp, for positive normal `x`, in plain IEEE
/// arithmetic (no branches, so a lane loop of it vectorises).
///
/// Method (fdlibm's `e_log.c`, whose coefficients these are): `x = 2^k m`
/// with `sqrt(1/2) <= m < sqrt(2)`, `f = m - 1`, `s = f / (2 + f)`; then
/// `ln m = f - f^2/2 + s (f^2/2 + R(s^2))`, with `R` fdlibm's minimax
/// polynomial (error below 2^-58.45), and `k ln 2` added in two parts.
/// Zero, negatives, subnormals, infinities and NaN are outside its domain:
/// the callers pass growth factors floored at 1e-12.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    // fdlibm's digits, as printed there.
    #[allow(clippy::excessive_precision)]
    const LG: [f64; 7] = [
        6.666_666_666_666_735_130e-1,
        3.999_999_999_940_941_908e-1,
        2.857_142_874_366_239_149e-1,
        2.222_219_843_214_978_396e-1,
        1.818_357_216_161_805_012e-1,
        1.531_383_769_920_937_332e-1,
        1.479_819_860_511_658_591e-1,
    ];
    const MANTISSA: u64 = (1 << 52) - 1;
    debug_assert!(x.is_normal() && x > 0.0, "ln of {x}, outside its domain");
    let bits = x.to_bits();
    // m in [1, 2), halved where it is above sqrt(2) (k one more).
    let m = f64::from_bits((bits & MANTISSA) | (1023 << 52));
    let high = m > std::f64::consts::SQRT_2;
    let m = if high { 0.5 * m } else { m };
    let k = ((bits >> 52) as i64 - 1023 + i64::from(high)) as f64;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let (z, hfsq) = (s * s, 0.5 * f * f);
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// `base^exponent` for positive normal `base`, as `exp(exponent ln base)`,
/// vectorising: within 4 ulps of `powf` while `exponent * ln base` stays
/// within a few units (the monthly step of any growth factor from the
/// month loop's floor of 1e-12 up to about 1e6; tested); the error grows
/// with that product, as `ln`'s error is relative to `ln base`.
#[inline(always)]
pub fn pow(base: f64, exponent: f64) -> f64 {
    exp(exponent * ln(base))
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

    /// `ln` within an ulp of libm's over the normal range.
    #[test]
    fn ln_matches_std_within_one_ulp() {
        // Log-spaced over the normal range, plus a dense sweep near 1 (the
        // growth factors of rates) and the reduction's edges.
        let mut worst = 0;
        let mut check = |x: f64| {
            let (a, b) = (ln(x), x.ln());
            let d = if a == b { 0 } else { a.to_bits().abs_diff(b.to_bits()) };
            worst = worst.max(d);
        };
        for i in 0..=200_000 {
            check((-700.0 + 1400.0 * f64::from(i) / 200_000.0_f64).exp());
            check(0.5 + f64::from(i) / 100_000.0);
        }
        #[rustfmt::skip]
        let special = [
            1.0, 1e-12, f64::MIN_POSITIVE, f64::MAX,
            std::f64::consts::SQRT_2, std::f64::consts::FRAC_1_SQRT_2, 2.0, 0.5,
        ];
        for x in special {
            check(x);
        }
        assert!(worst <= 1, "worst error {worst} ulps");
        assert_eq!(ln(1.0), 0.0);
    }

    /// The monthly step of an annual rate, as the month loop takes it,
    /// within 4 ulps of `powf`: densely for rates from -99% to +900%, and
    /// log-spaced from the growth factors' floor (1e-12) up to 1e6.
    #[test]
    fn pow_matches_powf_for_monthly_steps() {
        let mut worst = 0;
        let dense = (0..=100_000).map(|i| 0.01 + 9.99 * f64::from(i) / 100_000.0);
        let wide = (0..=100_000).map(|i| 1e-12 * 1e18_f64.powf(f64::from(i) / 100_000.0));
        for growth in dense.chain(wide).chain([1e-12, 1e6]) {
            for e in [1.0 / 12.0, -1.0 / 12.0] {
                worst = worst.max(ulps(pow(growth, e), growth.powf(e)));
            }
        }
        assert!(worst <= 4, "worst error {worst} ulps");
        assert_eq!(pow(1.0, 1.0 / 12.0), 1.0);
    }
}
