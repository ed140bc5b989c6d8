//! The vector instruction set the processor offers, detected once.
//!
//! The hot loops (a block's month loop, the tallies' scans, the
//! sensitivity deciles' sums) are compiled more than once: for the
//! target's baseline and for wider x86-64 vectors. Each call picks the
//! widest build the processor runs. Every build performs the same IEEE
//! operations in the same order and forms no fused multiply-add of its own
//! (see [`crate::fastmath::exp`]), so the choice changes speed, never a
//! number; the tests run every build the machine has and compare bits.

use std::sync::OnceLock;

/// An instruction set a hot loop is built for, from narrowest to widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// The target's baseline: SSE2 on x86-64, and every other architecture.
    Baseline,
    /// AVX2 with FMA (every AVX2 processor has FMA; checked all the same).
    Avx2,
    /// AVX-512 F, DQ and VL, with AVX2 and FMA.
    Avx512,
}

impl Isa {
    /// Every set, narrowest first.
    pub const ALL: [Isa; 3] = [Isa::Baseline, Isa::Avx2, Isa::Avx512];

    /// The widest set this processor runs, detected on the first call.
    pub fn detected() -> Isa {
        static DETECTED: OnceLock<Isa> = OnceLock::new();
        *DETECTED.get_or_init(detect)
    }

    /// Every set this processor runs, narrowest first: what the tests
    /// compare against the baseline build.
    pub fn available() -> impl Iterator<Item = Isa> {
        let widest = Isa::detected();
        Isa::ALL.into_iter().filter(move |&isa| isa <= widest)
    }

    /// The name in test messages and benchmark labels.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Isa {
    let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    let avx512 = avx2
        && std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512dq")
        && std::is_x86_feature_detected!("avx512vl");
    if avx512 {
        Isa::Avx512
    } else if avx2 {
        Isa::Avx2
    } else {
        Isa::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Isa {
    Isa::Baseline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_always_available_and_the_detected_set_is_the_widest() {
        let available: Vec<Isa> = Isa::available().collect();
        assert_eq!(available.first(), Some(&Isa::Baseline));
        assert_eq!(available.last(), Some(&Isa::detected()));
        assert!(available.windows(2).all(|w| w[0] < w[1]));
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_detected_set_has_every_feature_its_builds_are_compiled_for() {
        let isa = Isa::detected();
        if isa >= Isa::Avx2 {
            assert!(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"));
        }
        if isa >= Isa::Avx512 {
            for has in [
                std::is_x86_feature_detected!("avx512f"),
                std::is_x86_feature_detected!("avx512dq"),
                std::is_x86_feature_detected!("avx512vl"),
            ] {
                assert!(has);
            }
        }
    }
}
