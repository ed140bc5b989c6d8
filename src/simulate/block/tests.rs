//! The block against its formulas, its builds against each other.

// Lanes are indexed explicitly, as in the block itself.
#![allow(clippy::needless_range_loop)]

use super::effects::apply_effects;
use super::lanes::monthly_factor;
use super::*;
use crate::fastmath::pow;
use crate::model::Effect;
use crate::simulate::layout::{MonthlyMetric, Source};

fn lanes(x: f64) -> Lanes {
    [x; LANES]
}

/// Rates outside what validation lets through still give a growth
/// factor inside `ln`'s domain (its debug assertion checks it): a NaN or
/// a rate at or below -100% the floor's step, an infinite one the
/// largest double's.
#[test]
fn monthly_factors_of_stray_rates_stay_finite() {
    let floor = pow(1e-12, 1.0 / 12.0);
    assert_eq!(monthly_factor(&[f64::NAN; LANES], 1.0 / 12.0), [floor; LANES]);
    assert_eq!(monthly_factor(&[-3.0; LANES], 1.0 / 12.0), [floor; LANES]);
    let top = monthly_factor(&[f64::INFINITY; LANES], 1.0 / 12.0);
    assert_eq!(top, [pow(f64::MAX, 1.0 / 12.0); LANES]);
    assert!(top[0].is_finite() && top[0] > 1e25);
    assert_eq!(monthly_factor(&[0.0; LANES], -1.0 / 12.0), [1.0; LANES]);
}

#[test]
fn payback_edge_cases() {
    assert_eq!(payback_month(10.0, 0.0), 1.0, "never negative: month 1");
    assert_eq!(payback_month(10.0, 1.0), 2.0);
    assert_eq!(payback_month(0.0, 5.0), 6.0, "zero counts as paid back");
    assert!(payback_month(-1.0, 36.0).is_nan(), "negative at M: none");
}

#[test]
fn deflection_conserves_contacts() {
    // share 0.2 (input 0), leak 0.25 (input 1), w = 0.5: a = 0.1.
    let v = [lanes(0.2), lanes(0.25)];
    let effects = [Effect::Deflect { from: 0, to: Some(1), share: 0, leak: 1 }];
    let mut volume = [lanes(1000.0), lanes(500.0)];
    let mut price = [lanes(5.0), lanes(0.1)];
    let mut aht = [lanes(1.0), lanes(1.0)];
    let mut cost = lanes(0.0);
    apply_effects::<true>(&effects, &v, &lanes(0.5), &[false; 2], &mut volume, &mut price, &mut aht, &mut cost);
    let moved = 100.0;
    assert!((volume[0][3] - (1000.0 - moved * 0.75)).abs() < 1e-9);
    assert!((volume[1][3] - (500.0 + moved)).abs() < 1e-9);
    // Moved contacts are not lost: agent contacts removed plus leaked
    // ones equal the self-service sessions added.
    let removed = 1000.0 - volume[0][0];
    assert!((removed + moved * 0.25 - (volume[1][0] - 500.0)).abs() < 1e-9);
    assert_eq!(price, [lanes(5.0), lanes(0.1)]);
}

#[test]
fn a_failed_lane_is_untouched() {
    let v = [lanes(0.5)];
    let mut w = lanes(1.0);
    w[2] = 0.0;
    let mut volume = [lanes(100.0)];
    let mut price = [lanes(2.0)];
    let mut aht = [lanes(1.0)];
    let mut cost = lanes(200.0);
    apply_effects::<true>(
        &[Effect::Avoid { channels: vec![0], share: 0 }],
        &v,
        &w,
        &[false],
        &mut volume,
        &mut price,
        &mut aht,
        &mut cost,
    );
    apply_effects::<true>(
        &[Effect::ReduceCost { channels: vec![0], share: 0 }],
        &v,
        &w,
        &[false],
        &mut volume,
        &mut price,
        &mut aht,
        &mut cost,
    );
    assert_eq!((volume[0][2], price[0][2]), (100.0, 2.0));
    assert_eq!(cost[2], 200.0, "a failed lane's cost does not move, not even by rounding (finite inputs)");
    assert_eq!((volume[0][0], price[0][0]), (50.0, 1.0));
}

#[test]
fn deflection_without_destination_vanishes() {
    let v = [lanes(0.5), lanes(0.0)];
    let mut volume = [lanes(100.0), lanes(7.0)];
    let mut price = [lanes(1.0), lanes(1.0)];
    let mut aht = [lanes(1.0), lanes(1.0)];
    let mut cost = lanes(0.0);
    apply_effects::<true>(
        &[Effect::Deflect { from: 0, to: None, share: 0, leak: 1 }],
        &v,
        &lanes(1.0),
        &[false; 2],
        &mut volume,
        &mut price,
        &mut aht,
        &mut cost,
    );
    assert_eq!(cost[0], -50.0, "vanished contacts no longer cost");
    assert_eq!((volume[0][0], volume[1][0]), (50.0, 7.0));
}

/// The running cost the month loop settles from: the baseline's moved by
/// each effect's change. It must match pricing the final state directly,
/// to rounding, through any mix of effects on shared channels.
#[test]
fn running_cost_matches_the_state_priced_directly() {
    // Inputs: shares 0.3, 0.1, 0.25 and leak 0.2; lanes differ in weight.
    let v = [lanes(0.3), lanes(0.1), lanes(0.25), lanes(0.2)];
    let w: Lanes = std::array::from_fn(|l| l as f64 / (LANES - 1) as f64);
    let effects = [
        Effect::Deflect { from: 0, to: Some(2), share: 0, leak: 3 },
        Effect::Avoid { channels: vec![0, 1, 2], share: 1 },
        Effect::ReduceCost { channels: vec![0, 2], share: 2 },
        Effect::Deflect { from: 1, to: None, share: 2, leak: 3 },
    ];
    let mut volume = [lanes(120_000.0), lanes(60_000.0), lanes(400_000.0)];
    let mut price = [lanes(8.0), lanes(4.5), lanes(0.1)];
    let mut aht = [lanes(1.0); 3];
    let priced = |volume: &[Lanes], price: &[Lanes], l: usize| -> f64 {
        volume.iter().zip(price).map(|(v, p)| v[l] * p[l]).sum()
    };
    let mut cost: Lanes = std::array::from_fn(|l| priced(&volume, &price, l));
    apply_effects::<true>(&effects, &v, &w, &[false; 3], &mut volume, &mut price, &mut aht, &mut cost);
    for l in 0..LANES {
        let direct = priced(&volume, &price, l);
        // A few roundings of terms near 1e6 each.
        assert!((cost[l] - direct).abs() <= 1e-15 * 1.3e6 * 16.0, "lane {l}: {} vs {direct}", cost[l]);
    }
    assert!(cost[LANES - 1] < cost[0] - 1e5, "the full-weight lane saves");
    assert_eq!(aht, [lanes(1.0); 3], "unstaffed: prices move, not AHT");
}

/// Labour moves the running cost at each recount. The bridge recounts a
/// staffed queue after every initiative that touches it, comparing
/// portfolios only after the month's last: the NPV must be the same to
/// rounding, or labour is counted twice or missed in one of them.
#[test]
fn staffed_npv_is_the_same_settled_once_or_after_every_initiative() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-staffed-roadmap.toml");
    let case = crate::validate::load_case(&path).expect("the staffed example loads").value;
    let bridge = Layout::new(&case);
    let portfolios = Layout::for_portfolios(&case);
    assert!(!bridge.staffed.is_empty() && bridge.bridge && !portfolios.bridge);
    let sampler = Sampler::new(&case);
    let npv_of = |layout: &Layout, first: u64| -> Vec<(Lanes, Lanes)> {
        let mut ws = Workspace::new(&case, layout);
        let mut sums = vec![0.0; layout.monthly_quantities()];
        let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
        ws.run_block(&case, layout, &sampler, 7, first, LANES, out);
        let rows = ws.rows();
        layout.scenarios.iter().map(|c| (rows[c.npv], rows[layout.baseline_cost])).collect()
    };
    for first in [0, 1_000, 123_456] {
        for ((npv, baseline), (settled_once, _)) in npv_of(&bridge, first).into_iter().zip(npv_of(&portfolios, first)) {
            for l in 0..LANES {
                // Some hundreds of roundings of month costs, each within
                // 2^-52 of the horizon's baseline cost.
                let tolerance = 1e-13 * baseline[l];
                assert!(npv[l].abs() > 1e4, "the roadmap moves the NPV");
                assert!((npv[l] - settled_once[l]).abs() <= tolerance, "lane {l}: {} vs {}", npv[l], settled_once[l]);
            }
        }
    }
}

/// A scenario whose initiatives begin another's is closed inside that
/// one's month loop: every result and monthly quantity of it must be,
/// bit for bit, what it gets computed on its own, flat and staffed.
#[test]
fn a_scenario_within_another_gets_what_it_gets_alone() {
    for file in ["scenarios/acme-ai-roadmap.toml", "scenarios/acme-staffed-roadmap.toml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let case = crate::validate::load_case(&path).expect("the example loads").value;
        assert_eq!(hosts(&case, true), vec![1, 1, 2], "{file}: Quick wins is inside Full roadmap");
        assert_eq!(hosts(&case, false), vec![0, 1, 2], "{file}: portfolios settle only at the end");
        let mut alone = case.clone();
        alone.scenarios.truncate(1);
        let run = |case: &Case| {
            let layout = Layout::new(case);
            let sampler = Sampler::new(case);
            let mut ws = Workspace::new(case, &layout);
            let mut sums = vec![0.0; layout.monthly_quantities()];
            let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
            ws.run_block(case, &layout, &sampler, 11, 4_096, LANES, out);
            let c = &layout.scenarios[0];
            let mut columns = vec![c.cost, c.net_savings, c.investment, c.roi, c.payback, c.npv];
            columns.extend((0..layout.fiscal_years).flat_map(|f| [c.fy_cost + f, c.fy_saving + f]));
            columns.extend((0..c.steps).map(|j| c.contribution + j));
            // The bridge by fiscal year: inside the host, its columns.
            let fin = c.finance.as_ref().expect("a run's layout has the finance columns");
            columns.extend([fin.capex, fin.recurring_opex]);
            columns.extend((0..c.steps * layout.fiscal_years).map(|j| fin.fy_contribution + j));
            let mut quantities: Vec<usize> = (0..layout.months)
                .flat_map(|m| {
                    let channels = (0..=layout.channels)
                        .flat_map(move |ch| [MonthlyMetric::Volume, MonthlyMetric::Cost].map(|k| (ch, k)));
                    let mut q: Vec<usize> = channels.map(|(ch, k)| layout.monthly_index(1, m, ch, k)).collect();
                    q.push(layout.cumulative_index(0, m));
                    q.extend((0..layout.staffed.len()).map(|k| layout.fte_index(1, m, k)));
                    q
                })
                .collect();
            quantities.extend((0..c.steps).map(|j| layout.waterfall_index(0, j)));
            let bits = |x: &Lanes| x.map(f64::to_bits);
            let results: Vec<_> = columns.iter().map(|&k| bits(&ws.rows()[k])).collect();
            let monthly: Vec<_> = quantities.iter().map(|&q| sums[q].to_bits()).collect();
            (results, monthly)
        };
        let (within, alone) = (run(&case), run(&alone));
        assert!(within.0.iter().flatten().any(|&b| f64::from_bits(b) > 1e4), "{file}: the scenario saves");
        assert_eq!(within, alone, "{file}");
    }
}

/// The month loop records only the quantities that are news
/// ([`Source`]). Against recording every one, on every shipped example:
/// a quantity said to be the baseline's has the baseline's value in
/// every iteration, bit for bit (its kept sample), and the sums filled
/// in afterwards (totals, cumulative saving, scenario cost with capex
/// and opex) are the recorded ones to rounding.
#[test]
fn quantities_left_out_of_recording_are_what_recording_gives() {
    for file in [
        "scenarios/acme-ai-roadmap.toml",
        "scenarios/acme-staffed-roadmap.toml",
        "scenarios/acme-portfolio.toml",
        "scenarios/contoso-digital-care.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let case = crate::validate::load_case(&path).expect("the example loads").value;
        let lean = Layout::new(&case);
        let mut every = lean.clone();
        every.source = vec![Source::Recorded; lean.monthly_quantities()];
        let sampler = Sampler::new(&case);
        let q = lean.monthly_quantities();
        let run = |layout: &Layout| {
            let mut ws = Workspace::new(&case, layout);
            let (mut sums, mut keep) = (vec![0.0; q], vec![0.0f32; q * LANES]);
            let mut input_sums = vec![0.0; layout.inputs.len()];
            for first in [0, 5_000, 90_000] {
                let out = BlockOutput { sums: &mut sums, keep: &mut keep, kept: LANES, stride: LANES, first_row: 0 };
                ws.run_block(&case, layout, &sampler, 5, first, LANES, out);
                for (k, &input) in layout.inputs.iter().enumerate() {
                    input_sums[k] += ws.values()[input].iter().sum::<f64>();
                }
            }
            layout.complete_sums(&case, &mut sums, &input_sums, 3 * LANES);
            (sums, keep)
        };
        let ((lean_sums, lean_keep), (sums, keep)) = (run(&lean), run(&every));
        let (mut aliased, mut added) = (0, 0);
        for (idx, &source) in lean.source.iter().enumerate() {
            let sample = |keep: &[f32], idx: usize| {
                keep[idx * LANES..(idx + 1) * LANES].iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            };
            match source {
                Source::Recorded => {
                    assert_eq!(lean_sums[idx].to_bits(), sums[idx].to_bits(), "{file}: quantity {idx}")
                }
                Source::Baseline(from) => {
                    aliased += 1;
                    assert_eq!(
                        sample(&keep, idx),
                        sample(&keep, from),
                        "{file}: quantity {idx} is not the baseline's {from}"
                    );
                    if lean.source[from] == Source::Recorded {
                        assert_eq!(lean_sums[idx].to_bits(), sums[idx].to_bits(), "{file}: quantity {idx}");
                    } else {
                        assert_eq!(lean_sums[idx].to_bits(), lean_sums[from].to_bits(), "{file}: quantity {idx}");
                    }
                }
                Source::Added => {
                    added += 1;
                    assert_eq!(sample(&lean_keep, idx), sample(&keep, idx), "{file}: quantity {idx} kept");
                    let scale =
                        sums[idx].abs().max(sums[lean.monthly_index(0, 0, lean.channels, MonthlyMetric::Cost)].abs());
                    assert!(
                        (lean_sums[idx] - sums[idx]).abs() <= 1e-12 * scale,
                        "{file}: quantity {idx}: {} vs {}",
                        lean_sums[idx],
                        sums[idx]
                    );
                }
            }
        }
        assert!(aliased > 0 && added > 0, "{file}: {aliased} aliased, {added} added");
    }
}

/// The builds for wider vectors compute the same numbers, bit for bit,
/// as the baseline build: flat and staffed, whole and partial blocks.
#[test]
fn every_vector_width_gives_the_same_bits() {
    for file in ["scenarios/acme-ai-roadmap.toml", "scenarios/acme-staffed-roadmap.toml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let case = crate::validate::load_case(&path).expect("the example loads").value;
        let layout = Layout::new(&case);
        let sampler = Sampler::new(&case);
        let q = layout.monthly_quantities();
        let run = |isa: Isa, first: u64, active: usize| {
            let mut ws = Workspace::new(&case, &layout);
            let mut sums = vec![0.0; q];
            let mut keep = vec![0.0f32; q * LANES];
            let out = BlockOutput { sums: &mut sums, keep: &mut keep, kept: active, stride: LANES, first_row: 0 };
            ws.run_block_with(isa, &case, &layout, &sampler, 3, first, active, out);
            let rows: Vec<[u64; LANES]> = ws.rows().iter().map(|r| r.map(f64::to_bits)).collect();
            let sums: Vec<u64> = sums.iter().map(|x| x.to_bits()).collect();
            (rows, sums, keep.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        for (first, active) in [(0, LANES), (50_000, LANES), (777, 5)] {
            let baseline = run(Isa::Baseline, first, active);
            for isa in Isa::available().skip(1) {
                assert!(run(isa, first, active) == baseline, "{file}: build {}, block at {first}", isa.name());
            }
        }
    }
}

/// The canonical business case (Acme Retail's AI roadmap), loaded.
fn canonical_case() -> Case {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-ai-roadmap.toml");
    crate::validate::load_case(&path).expect("the example loads").value
}

/// A partial block adds only its active lanes to the sums: a block of
/// 5 then one of the next 11 iterations sum to what one whole block of
/// those 16 does (to rounding: the lanes are added in another order).
/// Lanes past the active ones repeat the last iteration, so a sum that
/// took them in would be off by up to 11 of its values.
#[test]
fn a_partial_block_sums_only_its_active_lanes() {
    let case = canonical_case();
    let (layout, sampler) = (Layout::new(&case), Sampler::new(&case));
    let mut ws = Workspace::new(&case, &layout);
    let sums = |ws: &mut Workspace, parts: &[(u64, usize)]| {
        let mut sums = vec![0.0; layout.monthly_quantities()];
        for &(first, active) in parts {
            let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
            ws.run_block(&case, &layout, &sampler, 9, first, active, out);
        }
        sums
    };
    let whole = sums(&mut ws, &[(320, LANES)]);
    let split = sums(&mut ws, &[(320, 5), (325, LANES - 5)]);
    let summed = whole.iter().filter(|x| **x != 0.0).count();
    assert!(summed > 1000, "only {summed} quantities summed");
    for (q, (a, b)) in whole.iter().zip(&split).enumerate() {
        assert!((a - b).abs() <= 1e-12 * a.abs(), "quantity {q}: whole block {a}, split {b}");
    }
}

/// The monthly sample holds the lanes the sums add up: a whole block
/// kept (the fixed-length path) and the same block's first 5 kept (the
/// general one) store the same rows, and each summed quantity's kept
/// lanes add up to its sum to f32 rounding.
#[test]
fn the_kept_lanes_are_the_summed_ones() {
    let case = canonical_case();
    let (layout, sampler) = (Layout::new(&case), Sampler::new(&case));
    let mut ws = Workspace::new(&case, &layout);
    let q = layout.monthly_quantities();
    let mut run = |kept: usize, stride: usize, first_row: usize| {
        let (mut sums, mut keep) = (vec![0.0; q], vec![f32::NAN; q * stride]);
        let out = BlockOutput { sums: &mut sums, keep: &mut keep, kept, stride, first_row };
        ws.run_block(&case, &layout, &sampler, 13, 2_048, LANES, out);
        (sums, keep)
    };
    let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let (sums, whole) = run(LANES, LANES, 0);
    let (_, first) = run(5, LANES, 0);
    // The block as the second of three in a batch's sample: each
    // quantity's rows LANES..2 LANES of a stride of 3 LANES.
    let (_, placed) = run(LANES, 3 * LANES, LANES);
    for idx in 0..q {
        let row = &placed[idx * 3 * LANES..(idx + 1) * 3 * LANES];
        assert_eq!(bits(&row[LANES..2 * LANES]), bits(&whole[idx * LANES..(idx + 1) * LANES]), "quantity {idx} placed");
        assert!(
            row[..LANES].iter().chain(&row[2 * LANES..]).all(|x| x.is_nan()),
            "quantity {idx}: written outside its rows"
        );
    }
    let mut summed = 0;
    for idx in 0..q {
        let (all, five) = (&whole[idx * LANES..(idx + 1) * LANES], &first[idx * LANES..(idx + 1) * LANES]);
        if all.iter().all(|x| x.is_nan()) {
            assert!(five.iter().all(|x| x.is_nan()), "quantity {idx}: kept from 5 lanes only");
            continue; // not recorded (read from the baseline)
        }
        assert_eq!(bits(&all[..5]), bits(&five[..5]), "quantity {idx}: the first 5 kept");
        assert!(five[5..].iter().all(|x| x.is_nan()), "quantity {idx}: kept past the 5 rows");
        if sums[idx] != 0.0 {
            summed += 1;
            let kept: f64 = all.iter().map(|&x| f64::from(x)).sum();
            let bound: f64 = all.iter().map(|&x| f64::from(x).abs()).sum::<f64>() * 1e-7;
            assert!((kept - sums[idx]).abs() <= bound, "quantity {idx}: kept lanes add to {kept}, sum {}", sums[idx]);
        }
    }
    assert!(summed > 1000, "only {summed} quantities summed");
}

/// The pass that counts the required FTE of the headcount channels
/// applies only the effects that reach them: the required FTE must be,
/// bit for bit, those of applying every effect. On the staffed roadmap the
/// knowledge base's deflection of email is passed over; once the chatbot
/// also moves email contacts into chat, email's own changes reach chat's
/// agents and are counted.
#[test]
fn required_fte_count_only_the_effects_that_reach_a_headcount_channel() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-staffed-roadmap.toml");
    let case = crate::validate::load_case(&path).expect("the staffed example loads").value;
    let channel = |id: &str| case.model.channels.iter().position(|c| c.id == id).expect("a channel of the example");
    let initiative = |id: &str| case.initiatives.iter().position(|i| i.id == id).expect("an initiative of the example");
    let (kb, chatbot) = (initiative("kb"), initiative("chatbot"));
    let mut routed = case.clone();
    let Effect::Deflect { share, leak, .. } = case.initiatives[kb].effects[1] else { panic!("kb deflects email") };
    let email_to_chat = Effect::Deflect { from: channel("email"), to: Some(channel("chat")), share, leak };
    routed.initiatives[chatbot].effects.push(email_to_chat);
    for (case, kb_counted) in [(&case, 1), (&routed, 2)] {
        let layout = Layout::new(case);
        assert_eq!(layout.headcount.len(), 2, "phone and chat follow the headcount rules");
        let sampler = Sampler::new(case);
        let mut ws = Workspace::new(case, &layout);
        let mut sums = vec![0.0; layout.monthly_quantities()];
        let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
        ws.run_block(case, &layout, &sampler, 5, 2_048, LANES, out);
        assert_eq!(ws.hc_effects[kb].len(), kb_counted, "the knowledge base's effects counted");
        let every: Vec<Vec<Effect>> = case.initiatives.iter().map(|i| i.effects.clone()).collect();
        for s in 0..case.scenarios.len() {
            ws.headcount_required(case, &layout, s);
            let counted = ws.hc_required.clone();
            let kept = std::mem::replace(&mut ws.hc_effects, every.clone());
            ws.headcount_required(case, &layout, s);
            let bits = |v: &[Lanes]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&counted), bits(&ws.hc_required), "scenario {s}");
            assert!(counted.iter().flatten().any(|&x| x > 0.0), "agents counted");
            ws.hc_effects = kept;
        }
    }
}
