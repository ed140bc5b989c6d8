//! Standard normal draws for all the lanes of a block at once.
//!
//! The lognormal noise needs 180 standard normals an iteration on the
//! canonical case, most of the draws the model makes. Drawn one lane at a
//! time through `rand_distr`'s ziggurat, each costs a scalar generator step
//! and a few branches. Here the 16 lanes' Xoshiro256++ generators step
//! together (their states side by side, so the integer arithmetic becomes
//! SIMD), and the ziggurat's fast path, which takes about 99 draws in 100,
//! runs on every lane at once.
//!
//! Every lane gets bit for bit the numbers `StandardNormal` would draw from
//! its own generator: the fast path is `rand_distr`'s (same table, same
//! arithmetic), and a lane that misses it is rewound to the state before
//! the draw (by undoing the step, [`step_back`]) and drawn again by
//! `StandardNormal` itself, which takes the same first step and goes on
//! into its slow path. So each iteration's numbers
//! still depend only on (seed, index), and the engine's output does not
//! change.
//!
//! The table is `ZIG_NORM_X` of rand_distr 0.6 (`src/ziggurat_tables.rs`,
//! Copyright 2018 Developers of the Rand project, 2013 The Rust Project
//! Developers; MIT or Apache-2.0, as this crate), which does not export it.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::block::{LANES, Lanes};
use crate::dist::Dist;

/// The generators of a block's lanes, state word by state word.
#[derive(Debug, Clone)]
pub struct LaneStreams {
    s: [[u64; LANES]; 4],
}

impl Default for LaneStreams {
    fn default() -> LaneStreams {
        LaneStreams { s: [[0; LANES]; 4] }
    }
}

impl LaneStreams {
    /// Take over `rng`'s state as lane `lane`'s.
    pub fn set(&mut self, lane: usize, rng: &Xoshiro256PlusPlus) {
        for (w, word) in words_of(rng).into_iter().enumerate() {
            self.s[w][lane] = word;
        }
    }

    /// Lane `lane`'s generator as it stands.
    pub fn get(&self, lane: usize) -> Xoshiro256PlusPlus {
        generator([self.s[0][lane], self.s[1][lane], self.s[2][lane], self.s[3][lane]])
    }

    /// One Xoshiro256++ step on every lane (rand_xoshiro's `next_u64`).
    #[inline(always)]
    fn step(&mut self) -> [u64; LANES] {
        // Word by word: whole 128-byte arrays stay in registers, where the
        // 512-byte state copied at once would be a call to memcpy.
        let (mut s0, mut s1, mut s2, mut s3) = (self.s[0], self.s[1], self.s[2], self.s[3]);
        let bits = step_words(&mut s0, &mut s1, &mut s2, &mut s3);
        (self.s[0], self.s[1], self.s[2], self.s[3]) = (s0, s1, s2, s3);
        bits
    }

    /// One uniform in (0, 1) for every lane: [`crate::dist::open_unit`] of
    /// its own generator.
    #[inline(always)]
    pub fn open_units(&mut self) -> Lanes {
        let bits = self.step();
        let mut u = [0.0; LANES];
        for l in 0..LANES {
            u[l] = ((bits[l] >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64);
        }
        u
    }

    /// One standard normal for every lane, from its own generator.
    #[inline(always)]
    pub fn standard_normals(&mut self) -> Lanes {
        let bits = self.step();
        let (mut x, mut missed) = fast_path(&bits);
        while missed != 0 {
            let l = missed.trailing_zeros() as usize;
            missed &= missed - 1;
            let (value, rng) = redraw(self.get(l));
            x[l] = value;
            self.set(l, &rng);
        }
        x
    }

    /// One draw of `dist` for every lane, from its own generator: what
    /// `dist.sample` draws from it. The families the canonical models use
    /// run on all lanes at once; the others lane by lane.
    #[inline(always)]
    pub fn sample(&mut self, dist: &Dist) -> Lanes {
        let mut x = [0.0; LANES];
        match dist {
            Dist::Constant(c) => x = [*c; LANES],
            Dist::Normal(d) => {
                let z = self.standard_normals();
                let (mean, sd) = (d.mean(), d.sd());
                for l in 0..LANES {
                    x[l] = mean + sd * z[l];
                }
            }
            Dist::Pert(d) => {
                let z = self.standard_normals();
                for l in 0..LANES {
                    x[l] = d.from_score(z[l]);
                }
            }
            Dist::Uniform(d) => {
                let u = self.open_units();
                for l in 0..LANES {
                    x[l] = d.quantile(u[l]);
                }
            }
            Dist::Triangular(d) => {
                let u = self.open_units();
                for l in 0..LANES {
                    x[l] = d.quantile(u[l]);
                }
            }
            _ => {
                for l in 0..LANES {
                    let mut rng = self.get(l);
                    x[l] = dist.sample(&mut rng);
                    self.set(l, &rng);
                }
            }
        }
        x
    }
}

/// A generator's state as its four words (rand_xoshiro's byte order).
fn words_of(rng: &Xoshiro256PlusPlus) -> [u64; 4] {
    let state = rng.state();
    std::array::from_fn(|w| u64::from_le_bytes(state[8 * w..8 * w + 8].try_into().expect("8 bytes")))
}

/// The generator whose state is these four words.
fn generator(words: [u64; 4]) -> Xoshiro256PlusPlus {
    let mut seed = [0u8; 32];
    for (w, word) in words.iter().enumerate() {
        seed[8 * w..8 * w + 8].copy_from_slice(&word.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(seed)
}

/// One Xoshiro256++ step (rand_xoshiro's `next_u64`) on each of `N`
/// generators, their states word by word.
#[inline(always)]
fn step_words<const N: usize>(s0: &mut [u64; N], s1: &mut [u64; N], s2: &mut [u64; N], s3: &mut [u64; N]) -> [u64; N] {
    let mut bits = [0u64; N];
    for l in 0..N {
        bits[l] = s0[l].wrapping_add(s3[l]).rotate_left(23).wrapping_add(s0[l]);
        let t = s1[l] << 17;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = s3[l].rotate_left(45);
    }
    bits
}

/// The state one Xoshiro256++ step before `after`: the step is linear and
/// invertible, so a lane that misses the ziggurat's fast path is rewound
/// from where it stands. Keeping every lane's state from before every draw
/// instead would take sixteen more vector registers on AVX2 (which has
/// sixteen) and spill them to memory at each draw.
fn step_back(after: [u64; 4]) -> [u64; 4] {
    let [a0, a1, a2, a3] = after;
    // Forward, with x' the words after: s3' = rotl(s3 ^ s1, 45),
    // s1' = s1 ^ s2 ^ s0, s0' = s0 ^ s3 ^ s1, s2' = s2 ^ s0 ^ (s1 << 17).
    let s3_s1 = a3.rotate_right(45);
    // y = s2 ^ s0 solves y = s2' ^ (s1' << 17) ^ (y << 17), since
    // s1 = s1' ^ y: a xorshift, undone by its powers.
    let a = a2 ^ (a1 << 17);
    let y = a ^ (a << 17) ^ (a << 34) ^ (a << 51);
    let s1 = a1 ^ y;
    let s3 = s3_s1 ^ s1;
    let s0 = a0 ^ s3_s1;
    let s2 = y ^ s0;
    [s0, s1, s2, s3]
}

/// The ziggurat's fast path (rand_distr's `ziggurat`, symmetric) on every
/// lane's bits: the low 8 bits pick the layer, the top 52 make u in
/// [-1, 1). The mask has a bit set for each lane that misses it.
#[inline(always)]
fn fast_path(bits: &[u64; LANES]) -> (Lanes, u32) {
    let mut x = [0.0; LANES];
    let mut missed = 0u32;
    for l in 0..LANES {
        let i = (bits[l] & 0xff) as usize;
        let u = f64::from_bits((bits[l] >> 12) | (1024 << 52)) - 3.0;
        x[l] = u * ZIG_NORM_X[i];
        missed |= u32::from(x[l].abs() >= ZIG_NORM_X[i + 1]) << l;
    }
    (x, missed)
}

/// A lane that missed the fast path, drawn again through `StandardNormal`
/// itself from its state before that step (`after` is its generator after
/// it): the same first step, then its slow path. The draw and the
/// generator after it. Out of line: it is rare.
#[cold]
#[inline(never)]
fn redraw(after: Xoshiro256PlusPlus) -> (f64, Xoshiro256PlusPlus) {
    let mut rng = generator(step_back(words_of(&after)));
    let x = StandardNormal.sample(&mut rng);
    (x, rng)
}

/// rand_distr 0.6's `ZIG_NORM_X`: the ziggurat's layer edges for the
/// standard normal (257 values, 256 layers).
// Copied digit for digit from rand_distr, as generated there.
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
static ZIG_NORM_X: [f64; 257] = [
    3.910757959537090045, 3.654152885361008796, 3.449278298560964462, 3.320244733839166074,
    3.224575052047029100, 3.147889289517149969, 3.083526132001233044, 3.027837791768635434,
    2.978603279880844834, 2.934366867207854224, 2.894121053612348060, 2.857138730872132548,
    2.822877396825325125, 2.790921174000785765, 2.760944005278822555, 2.732685359042827056,
    2.705933656121858100, 2.680514643284522158, 2.656283037575502437, 2.633116393630324570,
    2.610910518487548515, 2.589575986706995181, 2.569035452680536569, 2.549221550323460761,
    2.530075232158516929, 2.511544441625342294, 2.493583041269680667, 2.476149939669143318,
    2.459208374333311298, 2.442725318198956774, 2.426670984935725972, 2.411018413899685520,
    2.395743119780480601, 2.380822795170626005, 2.366237056715818632, 2.351967227377659952,
    2.337996148795031370, 2.324308018869623016, 2.310888250599850036, 2.297723348901329565,
    2.284800802722946056, 2.272108990226823888, 2.259637095172217780, 2.247375032945807760,
    2.235313384928327984, 2.223443340090905718, 2.211756642882544366, 2.200245546609647995,
    2.188902771624720689, 2.177721467738641614, 2.166695180352645966, 2.155817819875063268,
    2.145083634046203613, 2.134487182844320152, 2.124023315687815661, 2.113687150684933957,
    2.103474055713146829, 2.093379631137050279, 2.083399693996551783, 2.073530263516978778,
    2.063767547809956415, 2.054107931648864849, 2.044547965215732788, 2.035084353727808715,
    2.025713947862032960, 2.016433734904371722, 2.007240830558684852, 1.998132471356564244,
    1.989106007615571325, 1.980158896898598364, 1.971288697931769640, 1.962493064942461896,
    1.953769742382734043, 1.945116560006753925, 1.936531428273758904, 1.928012334050718257,
    1.919557336591228847, 1.911164563769282232, 1.902832208548446369, 1.894558525668710081,
    1.886341828534776388, 1.878180486290977669, 1.870072921069236838, 1.862017605397632281,
    1.854013059758148119, 1.846057850283119750, 1.838150586580728607, 1.830289919680666566,
    1.822474540091783224, 1.814703175964167636, 1.806974591348693426, 1.799287584547580199,
    1.791640986550010028, 1.784033659547276329, 1.776464495522344977, 1.768932414909077933,
    1.761436365316706665, 1.753975320315455111, 1.746548278279492994, 1.739154261283669012,
    1.731792314050707216, 1.724461502945775715, 1.717160915015540690, 1.709889657069006086,
    1.702646854797613907, 1.695431651932238548, 1.688243209434858727, 1.681080704722823338,
    1.673943330923760353, 1.666830296159286684, 1.659740822855789499, 1.652674147080648526,
    1.645629517902360339, 1.638606196773111146, 1.631603456932422036, 1.624620582830568427,
    1.617656869570534228, 1.610711622367333673, 1.603784156023583041, 1.596873794420261339,
    1.589979870021648534, 1.583101723393471438, 1.576238702733332886, 1.569390163412534456,
    1.562555467528439657, 1.555733983466554893, 1.548925085471535512, 1.542128153226347553,
    1.535342571438843118, 1.528567729435024614, 1.521803020758293101, 1.515047842773992404,
    1.508301596278571965, 1.501563685112706548, 1.494833515777718391, 1.488110497054654369,
    1.481394039625375747, 1.474683555695025516, 1.467978458615230908, 1.461278162507407830,
    1.454582081885523293, 1.447889631277669675, 1.441200224845798017, 1.434513276002946425,
    1.427828197027290358, 1.421144398672323117, 1.414461289772464658, 1.407778276843371534,
    1.401094763676202559, 1.394410150925071257, 1.387723835686884621, 1.381035211072741964,
    1.374343665770030531, 1.367648583594317957, 1.360949343030101844, 1.354245316759430606,
    1.347535871177359290, 1.340820365893152122, 1.334098153216083604, 1.327368577624624679,
    1.320630975217730096, 1.313884673146868964, 1.307128989027353860, 1.300363230327433728,
    1.293586693733517645, 1.286798664489786415, 1.279998415710333237, 1.273185207661843732,
    1.266358287014688333, 1.259516886060144225, 1.252660221891297887, 1.245787495544997903,
    1.238897891102027415, 1.231990574742445110, 1.225064693752808020, 1.218119375481726552,
    1.211153726239911244, 1.204166830140560140, 1.197157747875585931, 1.190125515422801650,
    1.183069142678760732, 1.175987612011489825, 1.168879876726833800, 1.161744859441574240,
    1.154581450355851802, 1.147388505416733873, 1.140164844363995789, 1.132909248648336975,
    1.125620459211294389, 1.118297174115062909, 1.110938046009249502, 1.103541679420268151,
    1.096106627847603487, 1.088631390649514197, 1.081114409698889389, 1.073554065787871714,
    1.065948674757506653, 1.058296483326006454, 1.050595664586207123, 1.042844313139370538,
    1.035040439828605274, 1.027181966030751292, 1.019266717460529215, 1.011292417434978441,
    1.003256679539591412, 0.995156999629943084, 0.986990747093846266, 0.978755155288937750,
    0.970447311058864615, 0.962064143217605250, 0.953602409875572654, 0.945058684462571130,
    0.936429340280896860, 0.927710533396234771, 0.918898183643734989, 0.909987953490768997,
    0.900975224455174528, 0.891855070726792376, 0.882622229578910122, 0.873271068082494550,
    0.863795545546826915, 0.854189171001560554, 0.844444954902423661, 0.834555354079518752,
    0.824512208745288633, 0.814306670128064347, 0.803929116982664893, 0.793369058833152785,
    0.782615023299588763, 0.771654424216739354, 0.760473406422083165, 0.749056662009581653,
    0.737387211425838629, 0.725446140901303549, 0.713212285182022732, 0.700661841097584448,
    0.687767892786257717, 0.674499822827436479, 0.660822574234205984, 0.646695714884388928,
    0.632072236375024632, 0.616896989996235545, 0.601104617743940417, 0.584616766093722262,
    0.567338257040473026, 0.549151702313026790, 0.529909720646495108, 0.509423329585933393,
    0.487443966121754335, 0.463634336771763245, 0.437518402186662658, 0.408389134588000746,
    0.375121332850465727, 0.335737519180459465, 0.286174591747260509, 0.215241895913273806,
    0.000000000000000000,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::stream::iteration_rng;

    /// Every lane's normals are those `StandardNormal` draws from the same
    /// generator, and the generators end in the same state: over enough
    /// draws to pass through every layer and the slow paths many times.
    #[test]
    fn lanes_draw_what_standard_normal_draws() {
        let (seed, draws) = (2027, 20_000);
        let mut reference: Vec<Xoshiro256PlusPlus> = (0..LANES as u64).map(|i| iteration_rng(seed, i)).collect();
        let mut streams = LaneStreams::default();
        for (l, rng) in reference.iter().enumerate() {
            streams.set(l, rng);
        }
        let mut tails = 0;
        for _ in 0..draws {
            let x = streams.standard_normals();
            for (l, rng) in reference.iter_mut().enumerate() {
                let want: f64 = StandardNormal.sample(rng);
                assert_eq!(x[l].to_bits(), want.to_bits(), "lane {l}");
                tails += usize::from(want.abs() > ZIG_NORM_X[1]);
            }
        }
        for (l, rng) in reference.iter().enumerate() {
            assert_eq!(streams.get(l), *rng, "lane {l}'s generator after the draws");
        }
        // The layer-0 tail (|x| > r) has probability about 2.6e-4: these
        // draws must have gone through it, so the slow path was exercised.
        assert!(tails > 20, "only {tails} draws in the tail");
    }

    /// Stepping back undoes a step, from 10,000 successive states of a
    /// generator.
    #[test]
    fn stepping_back_undoes_a_step() {
        let mut rng = iteration_rng(5, 0);
        for _ in 0..10_000 {
            let before = words_of(&rng);
            let mut words = before.map(|w| [w]);
            let [s0, s1, s2, s3] = &mut words;
            step_words(s0, s1, s2, s3);
            assert_eq!(step_back(words.map(|[w]| w)), before);
            rand::Rng::next_u64(&mut rng);
        }
    }

    #[test]
    fn a_lane_round_trips_its_generator() {
        let rng = iteration_rng(7, 3);
        let mut streams = LaneStreams::default();
        streams.set(5, &rng);
        assert_eq!(streams.get(5), rng);
    }

    /// Uniforms and every family's draws are those of the scalar code on
    /// each lane's own generator, which ends in the same state.
    #[test]
    fn lanes_draw_what_each_family_draws() {
        use crate::dist::{Beta, Normal, Pert, Triangular, Uniform, open_unit};
        let dists = [
            Dist::Normal(Normal::new(0.004, 0.002).unwrap()),
            Dist::Pert(Pert::new(6.0, 8.0, 12.0).unwrap()),
            Dist::Uniform(Uniform::new(30_000.0, 45_000.0).unwrap()),
            Dist::Triangular(Triangular::new(0.02, 0.04, 0.07).unwrap()),
            Dist::Beta(Beta::new(2.0, 5.0).unwrap()),
            Dist::Constant(3.5),
        ];
        let mut reference: Vec<Xoshiro256PlusPlus> = (0..LANES as u64).map(|i| iteration_rng(99, i)).collect();
        let mut streams = LaneStreams::default();
        for (l, rng) in reference.iter().enumerate() {
            streams.set(l, rng);
        }
        for round in 0..2_000 {
            let u = streams.open_units();
            for (l, rng) in reference.iter_mut().enumerate() {
                assert_eq!(u[l].to_bits(), open_unit(rng).to_bits(), "round {round}, lane {l}");
            }
            for dist in &dists {
                let x = streams.sample(dist);
                for (l, rng) in reference.iter_mut().enumerate() {
                    assert_eq!(x[l].to_bits(), dist.sample(rng).to_bits(), "{dist:?}, lane {l}");
                }
            }
        }
        for (l, rng) in reference.iter().enumerate() {
            assert_eq!(streams.get(l), *rng, "lane {l}'s generator after the draws");
        }
    }
}
