//! What a block leaves behind of its monthly quantities: their sums over
//! iterations, and the lanes that belong to the monthly sample.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::BlockOutput;
use super::lanes::{LANES, Lanes, ZERO, lane_total};
use crate::simulate::layout::{Layout, Source};

/// Adds a block's monthly quantities to the sums (active lanes only) and
/// keeps those of the lanes in the monthly sample.
pub(super) struct Recorder<'a> {
    sums: &'a mut [f64],
    keep: &'a mut [f32],
    kept: usize,
    stride: usize,
    first_row: usize,
    /// All ones for the block's active lanes, zero for the others.
    mask: [u64; LANES],
    /// Every lane active (every block but, at most, a run's last one):
    /// its lanes are added as they are, bit for bit what the mask leaves
    /// of them, without rebuilding and applying the mask a quantity at a
    /// time.
    full: bool,
    /// Per quantity, what is recorded of it ([`recording`]).
    how: &'a [u8],
}

/// What the recorder does with a monthly quantity, by its [`Source`]:
/// nothing (the baseline's), keep it for the sample only (a total), or
/// also add it to its sum.
const SKIP: u8 = 0;
const KEEP: u8 = 1;
const SUM: u8 = 2;

/// [`Recorder::how`] of each monthly quantity.
pub(super) fn recording(layout: &Layout) -> Vec<u8> {
    layout
        .source
        .iter()
        .map(|source| match source {
            Source::Baseline(_) => SKIP,
            Source::Added => KEEP,
            Source::Recorded => SUM,
        })
        .collect()
}

impl<'a> Recorder<'a> {
    /// A recorder into `out` for a block whose first `active` lanes are
    /// iterations; `how` is [`recording`] of the run's layout.
    #[inline(always)]
    pub(super) fn new(out: BlockOutput<'a>, active: usize, how: &'a [u8]) -> Recorder<'a> {
        Recorder {
            sums: out.sums,
            keep: out.keep,
            kept: out.kept,
            stride: out.stride,
            first_row: out.first_row,
            mask: std::array::from_fn(|l| if l < active { u64::MAX } else { 0 }),
            full: active == LANES,
            how,
        }
    }

    /// Whether quantity `idx` is recorded at all (not the baseline's, and
    /// the monthly quantities on): worth computing.
    #[inline(always)]
    pub(super) fn wants(&self, idx: usize) -> bool {
        self.how.get(idx).is_some_and(|&how| how != SKIP)
    }

    // Always inlined: a call out of the AVX2 build would run it without AVX2.
    #[inline(always)]
    pub(super) fn put(&mut self, idx: usize, x: &Lanes) {
        // No entry when the monthly quantities are off
        // (Layout::without_monthly): nothing is recorded.
        debug_assert!(self.how.is_empty() || idx < self.how.len(), "monthly quantity {idx} of {}", self.how.len());
        let Some(&how) = self.how.get(idx) else { return };
        if how == SKIP {
            return;
        }
        // A copy the compiler keeps in registers; working through the
        // reference would reload the lanes for every use.
        let x = *x;
        if how == SUM {
            // Inactive lanes add +0.0 (masked, whatever they hold). The
            // block's lanes are added up before they reach the sum: one
            // number a quantity keeps every sum of the block in the
            // first-level cache, where 16 lanes a quantity would stream
            // through the second level on every block.
            if self.full {
                self.sums[idx] += lane_total(&x);
            } else {
                let mut masked = ZERO;
                for l in 0..LANES {
                    masked[l] = f64::from_bits(x[l].to_bits() & self.mask[l]);
                }
                self.sums[idx] += lane_total(&masked);
            }
        }
        if self.kept != 0 {
            // The kept lanes are consecutive rows of the sample: one
            // stretch, converted and stored as a few vector instructions.
            let at = idx * self.stride + self.first_row;
            if self.kept == LANES {
                // A fixed length: converted in registers. The general
                // case below needs the lanes in memory, so taking it for
                // every block would copy every quantity to the stack.
                let converted: [f32; LANES] = std::array::from_fn(|l| x[l] as f32);
                self.keep[at..at + LANES].copy_from_slice(&converted);
            } else {
                let kept = &mut self.keep[at..at + self.kept];
                for (to, &value) in kept.iter_mut().zip(&x) {
                    *to = value as f32;
                }
            }
        }
    }
}
