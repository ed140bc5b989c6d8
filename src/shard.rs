//! Runs bigger than one machine: a shard computes whole batches of a run's
//! iterations and writes them to a part file; a merge puts the parts back
//! together into exactly the numbers a single run gives.
//!
//! Exactness comes from the engine's own structure: iteration i always
//! draws from the stream of (seed, i), batches are fixed blocks of
//! [`BATCH`] iterations whatever the machine, and a run adds the batches'
//! monthly sums in batch order. A shard covers whole batches and keeps each
//! batch's sums apart; the merge adds them in the same order. The reports
//! of a merge are byte-identical to those of one run with the same seed
//! and iteration count.
//!
//! A part file is a text header (one JSON line, after a magic line) and a
//! little-endian body, hashed so that a damaged file is refused. The header
//! names the version, seed, iteration count, shard and the SHA-256 of every
//! input file, so parts of different runs are never mixed.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, Error, InputError};
use crate::model::Case;
use crate::report::record::{InputRecord, hash_inputs};
use crate::simulate::{self, BATCH, Layout, Part, RunOptions, Simulation};

const MAGIC: &str = "COSTCAST PART 1";

/// Which share of a run: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N` with 1 <= K <= N.
    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| format!("\"{s}\" is not K/N, e.g. 2/8"))?;
        let parse = |x: &str| x.trim().parse::<usize>().map_err(|_| format!("\"{s}\" is not K/N with whole numbers, e.g. 2/8"));
        let (index, count) = (parse(k)?, parse(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {s}: K must be 1 to N"));
        }
        Ok(Shard { index, count })
    }
}

/// What a part file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartHeader {
    pub costcast_version: String,
    /// The scenario file, absolute, for the merge to load.
    pub scenario: PathBuf,
    pub inputs: Vec<InputHash>,
    pub seed: u64,
    pub iterations: usize,
    pub shard: usize,
    pub shards: usize,
    pub first_batch: usize,
    pub end_batch: usize,
    pub rows: usize,
    pub columns: usize,
    pub input_columns: usize,
    pub quantities: usize,
    pub sample_rows: usize,
    /// SHA-256, hex, of this header (with this field empty) and the body:
    /// a changed seed or a damaged body are both refused.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputHash {
    pub path: String,
    pub sha256: String,
}

impl From<InputRecord> for InputHash {
    fn from(r: InputRecord) -> InputHash {
        InputHash { path: r.path, sha256: r.sha256 }
    }
}

/// Compute one shard of a run of `case`. Must run inside the rayon pool
/// that sets the thread count.
pub fn run_shard(case: &Case, iterations: usize, seed: u64, shard: Shard) -> Result<(PartHeader, Part), String> {
    let layout = Layout::new(case);
    let options = RunOptions { iterations, seed, monthly: true };
    let batches = simulate::shard_batches(iterations, shard.index, shard.count);
    let part = simulate::simulate_batches(case, &layout, options, batches.clone(), true, &Default::default())?;
    let header = PartHeader {
        costcast_version: env!("CARGO_PKG_VERSION").into(),
        scenario: std::fs::canonicalize(&case.scenario_path).unwrap_or_else(|_| case.scenario_path.clone()),
        inputs: hash_inputs(&case.sources).into_iter().map(InputHash::from).collect(),
        seed,
        iterations,
        shard: shard.index,
        shards: shard.count,
        first_batch: batches.start,
        end_batch: batches.end,
        rows: part.rows,
        columns: layout.width,
        input_columns: layout.inputs.len(),
        quantities: layout.monthly_quantities(),
        sample_rows: part.sample.len() / layout.monthly_quantities().max(1),
        sha256: String::new(),
    };
    Ok((header, part))
}

/// The part file's bytes.
pub fn encode(header: &PartHeader, part: &Part) -> Vec<u8> {
    let mut body = Vec::with_capacity(8 * (part.table.len() + part.inputs.len() + part.sums.len()) + 4 * part.sample.len());
    for x in part.table.iter().chain(&part.inputs).chain(&part.sums) {
        body.extend_from_slice(&x.to_le_bytes());
    }
    for x in &part.sample {
        body.extend_from_slice(&x.to_le_bytes());
    }
    let mut header = header.clone();
    header.sha256 = seal(&header, &body);
    let mut out = Vec::with_capacity(body.len() + 1024);
    let _ = writeln!(out, "{MAGIC}");
    let _ = writeln!(out, "{}", serde_json::to_string(&header).expect("a part header always serializes"));
    out.extend_from_slice(&body);
    out
}

/// Read a part file, checking its magic line and its body's hash.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(PartHeader, Part), Diagnostic> {
    let bad = |why: &str| Diagnostic::new(path, "", format!("not a costcast part file: {why}"));
    let mut lines = bytes.splitn(3, |&b| b == b'\n');
    if lines.next() != Some(MAGIC.as_bytes()) {
        return Err(bad("it does not start with \"COSTCAST PART 1\""));
    }
    let header: PartHeader = lines
        .next()
        .and_then(|l| serde_json::from_slice(l).ok())
        .ok_or_else(|| bad("its header is unreadable"))?;
    let body = lines.next().unwrap_or_default();
    if seal(&header, body) != header.sha256 {
        return Err(bad("it does not match its hash (damaged, cut short or edited)"));
    }
    if header.shards == 0 || header.shard == 0 || header.shard > header.shards || header.first_batch > header.end_batch {
        return Err(bad("its header names an impossible shard"));
    }
    let q = header.quantities;
    let doubles = header.rows * (header.columns + header.input_columns) + (header.end_batch - header.first_batch) * q;
    let floats = header.sample_rows * q;
    if body.len() != 8 * doubles + 4 * floats {
        return Err(bad("its body has the wrong length for its header"));
    }
    let (f64s, f32s) = body.split_at(8 * doubles);
    let f64s: Vec<f64> = f64s.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
    let sample: Vec<f32> = f32s.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4]))).collect();
    let (table, rest) = f64s.split_at(header.rows * header.columns);
    let (inputs, sums) = rest.split_at(header.rows * header.input_columns);
    let part = Part {
        batches: header.first_batch..header.end_batch,
        rows: header.rows,
        table: table.to_vec(),
        inputs: inputs.to_vec(),
        sums: sums.to_vec(),
        sample,
    };
    Ok((header, part))
}

/// The hash that seals a part: its header (hash field empty) and body.
fn seal(header: &PartHeader, body: &[u8]) -> String {
    let mut unsealed = header.clone();
    unsealed.sha256 = String::new();
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&unsealed).expect("a part header always serializes"));
    hasher.update(body);
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Check that `parts` are the complete set of one run: same version, inputs,
/// seed, iteration count and shard count, each shard once. Returns them in
/// shard order.
pub fn check_set(mut parts: Vec<(PathBuf, PartHeader, Part)>) -> Result<Vec<(PathBuf, PartHeader, Part)>, InputError> {
    let Some((first_path, first, _)) = parts.first().cloned() else {
        return Err(InputError::one(Diagnostic::new(Path::new(""), "PARTS", "no part files given")));
    };
    let mut errors = Vec::new();
    for (path, h, _) in &parts[1..] {
        let mut differ = Vec::new();
        if h.costcast_version != first.costcast_version {
            differ.push(format!("costcast version {} against {}", h.costcast_version, first.costcast_version));
        }
        let contents = |h: &PartHeader| h.inputs.iter().map(|i| i.sha256.clone()).collect::<Vec<_>>();
        if contents(h) != contents(&first) || h.scenario != first.scenario {
            differ.push("input files (their contents differ)".into());
        }
        if h.seed != first.seed {
            differ.push(format!("seed {} against {}", h.seed, first.seed));
        }
        if h.iterations != first.iterations {
            differ.push(format!("{} iterations against {}", h.iterations, first.iterations));
        }
        if h.shards != first.shards {
            differ.push(format!("{} shards against {}", h.shards, first.shards));
        }
        if !differ.is_empty() {
            errors.push(Diagnostic::new(
                path,
                "",
                format!("is not part of the same run as {}: {}", first_path.display(), differ.join(", ")),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(InputError { diagnostics: errors });
    }
    parts.sort_by_key(|(_, h, _)| h.shard);
    for pair in parts.windows(2) {
        if pair[0].1.shard == pair[1].1.shard {
            return Err(InputError::one(Diagnostic::new(
                &pair[1].0,
                "",
                format!("shard {}/{} is given twice (also {})", pair[1].1.shard, first.shards, pair[0].0.display()),
            )));
        }
    }
    if parts.len() < first.shards {
        // Shards are sorted and distinct: name the first few missing ones.
        let have: Vec<usize> = parts.iter().map(|(_, h, _)| h.shard).collect();
        let missing: Vec<String> =
            (1..=first.shards).filter(|k| have.binary_search(k).is_err()).take(5).map(|k| format!("{k}/{}", first.shards)).collect();
        let more = if first.shards - parts.len() > missing.len() { ", ..." } else { "" };
        return Err(InputError::one(Diagnostic::new(
            &first_path,
            "",
            format!("incomplete set: {} of {} parts; missing shard {}{more}", parts.len(), first.shards, missing.join(", ")),
        )));
    }
    Ok(parts)
}

/// Put a complete, checked set of parts (in shard order) back into the
/// simulation one run would have produced.
pub fn assemble(case: &Case, parts: &[(PathBuf, PartHeader, Part)]) -> Result<Simulation, Error> {
    let (_, first, _) = &parts[0];
    let layout = Layout::new(case);
    let (n, q) = (first.iterations, layout.monthly_quantities());
    if layout.width != first.columns || layout.inputs.len() != first.input_columns || q != first.quantities {
        return Err(Error::Input(InputError::one(Diagnostic::new(
            &parts[0].0,
            "",
            "was computed with another layout of results than these inputs give; re-run the shards",
        ))));
    }
    let gather = |columns: usize, of: fn(&Part) -> &Vec<f64>| {
        let mut out = Vec::with_capacity(columns * n);
        for c in 0..columns {
            for (_, h, p) in parts {
                out.extend_from_slice(&of(p)[c * h.rows..(c + 1) * h.rows]);
            }
        }
        out
    };
    let table = gather(layout.width, |p| &p.table);
    let inputs = gather(layout.inputs.len(), |p| &p.inputs);
    let mut monthly_sums = vec![0.0; q];
    for (_, _, p) in parts {
        for batch in p.sums.chunks(q.max(1)) {
            simulate::add_sums(&mut monthly_sums, batch);
        }
    }
    let monthly_sample: Vec<f32> = parts.iter().flat_map(|(_, _, p)| p.sample.iter().copied()).collect();
    let rows: usize = parts.iter().map(|(_, h, _)| h.rows).sum();
    let sample_rows = simulate::monthly_sample_size(n, q);
    if rows != n || monthly_sample.len() != sample_rows * q || parts.iter().map(|(_, h, _)| h.end_batch - h.first_batch).sum::<usize>() != n.div_ceil(BATCH) {
        return Err(Error::Input(InputError::one(Diagnostic::new(
            &parts[0].0,
            "",
            "the parts do not cover the run's iterations exactly once",
        ))));
    }
    Ok(Simulation { layout, iterations: n, seed: first.seed, table, inputs, monthly_sums, monthly_sample, monthly_sample_rows: sample_rows })
}
