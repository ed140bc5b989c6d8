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

use crate::error::{Diagnostic, Error, InputError, SimulateError};
use crate::input::SourceFile;
use crate::model::Case;
use crate::report::record::{InputRecord, hash_inputs};
use crate::simulate::layout::Keep;
use crate::simulate::{self, BATCH, Kept, Layout, Part, RunOptions, Simulation};

const MAGIC: &str = "COSTCAST PART 5";

/// The most bytes a part file's magic and header lines may take: the
/// header names a few input files; anything longer is not a part.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Which share of a run: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A `--shard` that is not `K/N` with 1 <= K <= N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardSpecError {
    #[error("\"{0}\" is not K/N, e.g. 2/8")]
    NotAFraction(String),
    #[error("\"{0}\" is not K/N with whole numbers, e.g. 2/8")]
    NotWhole(String),
    #[error("shard {0}: K must be 1 to N")]
    OutOfRange(String),
}

impl std::str::FromStr for Shard {
    type Err = ShardSpecError;

    /// `K/N` with 1 <= K <= N.
    fn from_str(s: &str) -> Result<Shard, ShardSpecError> {
        let (k, n) = s.split_once('/').ok_or_else(|| ShardSpecError::NotAFraction(s.to_owned()))?;
        let parse = |x: &str| x.trim().parse::<usize>().map_err(|_| ShardSpecError::NotWhole(s.to_owned()));
        let (index, count) = (parse(k)?, parse(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(ShardSpecError::OutOfRange(s.to_owned()));
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
    /// The scenario file as the shard's command line named it (relative
    /// stays relative), for the merged report to show what a run shows.
    pub scenario_given: PathBuf,
    pub inputs: Vec<InputHash>,
    pub seed: u64,
    pub iterations: usize,
    /// `--confidence`: the committable saving's quantile is tallied.
    pub confidence: f64,
    pub shard: usize,
    pub shards: usize,
    pub first_batch: usize,
    pub end_batch: usize,
    pub rows: usize,
    pub columns: usize,
    pub input_columns: usize,
    pub quantities: usize,
    pub sample_rows: usize,
    /// The body's length in bytes: a part file cut short or padded is
    /// refused by its size, before its body is read.
    pub body_bytes: u64,
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
pub fn run_shard(case: &Case, iterations: usize, seed: u64, shard: Shard) -> Result<(PartHeader, Part), SimulateError> {
    let layout = Layout::new(case);
    let options = RunOptions::new(iterations, seed, true);
    let batches = simulate::shard_batches(iterations, shard.index, shard.count);
    // Every shard runs the pilot itself, so all place the same brackets.
    let plan = simulate::plan(case, &layout, options)?;
    let part = simulate::simulate_batches(
        case,
        &layout,
        options,
        &plan,
        batches.clone(),
        simulate::SumsKept::ByBatch,
        &Default::default(),
    )?;
    let header = PartHeader {
        costcast_version: env!("CARGO_PKG_VERSION").into(),
        scenario: std::fs::canonicalize(&case.scenario_path).unwrap_or_else(|_| case.scenario_path.clone()),
        scenario_given: case.scenario_path.clone(),
        inputs: hash_inputs(&case.sources).into_iter().map(InputHash::from).collect(),
        seed,
        iterations,
        confidence: case.confidence,
        shard: shard.index,
        shards: shard.count,
        first_batch: batches.start,
        end_batch: batches.end,
        rows: part.rows,
        columns: layout.width,
        input_columns: layout.inputs.len(),
        quantities: layout.monthly_quantities(),
        sample_rows: part.sample.len() / layout.monthly_quantities().max(1),
        body_bytes: 0,
        sha256: String::new(),
    };
    Ok((header, part))
}

/// Show the case under the path the shards were given, for a merge that
/// loaded the scenario file from its absolute path (from another folder
/// the given path names another file or none). A report shows its inputs
/// as the command line named them: the scenario file as given, its model
/// resolved from there as the scenario file writes it, so the merged
/// `report.html` is the run's. Only the shown paths change; `sources`,
/// which are read and hashed, still name the files read.
pub fn show_as_given(case: &mut Case, given: &Path) {
    let written = SourceFile::read(&case.scenario_path)
        .ok()
        .and_then(|f| f.text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("model")?.as_str().map(str::to_owned));
    if let Some(written) = written {
        case.model.path = SourceFile::from_text(given, String::new()).resolve(&written);
    }
    case.scenario_path = given.to_path_buf();
}

/// The part file's bytes.
pub fn encode(header: &PartHeader, part: &Part) -> Vec<u8> {
    let mut body = codec::Writer::default();
    body.part(part);
    let body = body.0;
    let mut header = header.clone();
    header.body_bytes = body.len() as u64;
    header.sha256 = seal(&header, &body);
    let mut out = Vec::with_capacity(body.len() + 1024);
    let _ = writeln!(out, "{MAGIC}");
    let _ = writeln!(out, "{}", serde_json::to_string(&header).expect("a part header always serializes"));
    out.extend_from_slice(&body);
    out
}

/// Read a part file: its magic and header lines first, then its size
/// against the header's (a part cut short by an interrupted copy, or
/// padded, is refused before its body is read: a part may be gigabytes),
/// then the body, checked by [`decode`].
pub fn read_part(path: &Path) -> Result<(PartHeader, Part), Diagnostic> {
    use std::io::{BufRead, BufReader, Read};
    let cannot = |e: std::io::Error| {
        Diagnostic::new(path, "", format!("cannot read the part file: {}", crate::input::source::io_reason(&e)))
    };
    // Only the header's few lines are read before the size is known: a
    // regular file, so no device streams into memory.
    let file = crate::input::source::open_regular(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    let mut reader = BufReader::new(file);
    let mut head = Vec::new();
    for _ in 0..2 {
        let room = (MAX_HEADER_BYTES + 1).saturating_sub(head.len() as u64);
        (&mut reader).take(room).read_until(b'\n', &mut head).map_err(cannot)?;
    }
    let (header, header_bytes) = read_header(path, &head)?;
    let announced = header_bytes.checked_add(header.body_bytes);
    if announced != Some(size) {
        return Err(Diagnostic::new(path, "", size_mismatch(size, announced)));
    }
    let mut bytes = head;
    // The file may change while it is read: one byte past its size at most.
    (&mut reader)
        .take(size.saturating_sub(bytes.len() as u64).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    decode(path, &bytes)
}

/// Why a part file of `size` bytes is not the `announced` size its header
/// gives (None: a size past any file).
fn size_mismatch(size: u64, announced: Option<u64>) -> String {
    match announced {
        Some(want) if size < want => format!(
            "damaged part file: it holds {size} bytes, {} fewer than its header announces ({want}): cut short, as by an \
             interrupted copy; copy it again or re-run the shard",
            want - size
        ),
        Some(want) => format!(
            "damaged part file: it holds {size} bytes, {} more than its header announces ({want}): something was \
             appended to it; copy it again or re-run the shard",
            size - want
        ),
        None => "damaged part file: its header announces a body larger than any file".to_owned(),
    }
}

/// The header of a part file from its first bytes (at least its magic and
/// header lines), and how many bytes those two lines take.
fn read_header(path: &Path, bytes: &[u8]) -> Result<(PartHeader, u64), Diagnostic> {
    let bad = |why: &str| Diagnostic::new(path, "", format!("not a costcast part file: {why}"));
    let mut lines = bytes.splitn(3, |&b| b == b'\n');
    match lines.next() {
        Some(magic) if magic == MAGIC.as_bytes() => {}
        Some(magic) if magic.starts_with(b"COSTCAST PART ") => {
            return Err(bad("it was written by another costcast version; re-run the shards with this one"));
        }
        _ => return Err(bad(&format!("it does not start with \"{MAGIC}\""))),
    }
    let line = lines.next();
    let header: PartHeader =
        line.and_then(|l| serde_json::from_slice(l).ok()).ok_or_else(|| bad("its header is unreadable"))?;
    let header_bytes = (MAGIC.len() + 1 + line.map_or(0, <[u8]>::len) + 1) as u64;
    if header_bytes > bytes.len() as u64 {
        return Err(bad("its header is unreadable"));
    }
    Ok((header, header_bytes))
}

/// Read a part file's bytes, checking its magic line, size and its body's hash.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(PartHeader, Part), Diagnostic> {
    let bad = |why: &str| Diagnostic::new(path, "", format!("not a costcast part file: {why}"));
    let (header, header_bytes) = read_header(path, bytes)?;
    let announced = header_bytes.checked_add(header.body_bytes);
    if announced != Some(bytes.len() as u64) {
        return Err(Diagnostic::new(path, "", size_mismatch(bytes.len() as u64, announced)));
    }
    let body = &bytes[header_bytes as usize..];
    if seal(&header, body) != header.sha256 {
        return Err(bad("it does not match its hash (damaged, cut short or edited)"));
    }
    if header.shards == 0 || header.shard == 0 || header.shard > header.shards || header.first_batch > header.end_batch
    {
        return Err(bad("its header names an impossible shard"));
    }
    let mut reader = codec::Reader(body);
    let part = reader
        .part(&header)
        .filter(|_| reader.0.is_empty())
        .ok_or_else(|| bad("its body does not match its header"))?;
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
        if h.confidence != first.confidence {
            differ.push(format!("confidence {} against {}", h.confidence, first.confidence));
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
        let missing: Vec<String> = (1..=first.shards)
            .filter(|k| have.binary_search(k).is_err())
            .take(5)
            .map(|k| format!("{k}/{}", first.shards))
            .collect();
        let more = if first.shards - parts.len() > missing.len() { ", ..." } else { "" };
        return Err(InputError::one(Diagnostic::new(
            &first_path,
            "",
            format!(
                "incomplete set: {} of {} parts; missing shard {}{more}",
                parts.len(),
                first.shards,
                missing.join(", ")
            ),
        )));
    }
    Ok(parts)
}

/// Put a complete, checked set of parts (in shard order) back into the
/// simulation one run would have produced.
pub fn assemble(case: &Case, parts: Vec<(PathBuf, PartHeader, Part)>) -> Result<Simulation, Error> {
    let (first_path, first) = (parts[0].0.clone(), parts[0].1.clone());
    let layout = Layout::new(case);
    let (n, q) = (first.iterations, layout.monthly_quantities());
    let refuse = |why: &str| Error::Input(InputError::one(Diagnostic::new(&first_path, "", why)));
    for (path, header, part) in &parts {
        if let Err(why) = check_part(&layout, header, part) {
            return Err(Error::Input(InputError::one(Diagnostic::new(path, "", format!("{why}; re-run this shard")))));
        }
    }
    let rows: usize = parts.iter().map(|(_, h, _)| h.rows).sum();
    let sample_rows = simulate::monthly_sample_size(n, q);
    let sample: usize = parts.iter().map(|(_, _, p)| p.sample.len()).sum();
    if rows != n
        || sample != sample_rows * q
        || parts.iter().map(|(_, h, _)| h.end_batch - h.first_batch).sum::<usize>() != n.div_ceil(BATCH)
    {
        return Err(refuse("the parts do not cover the run's iterations exactly once"));
    }
    for (_, _, part) in &parts[1..] {
        let alike = part.columns.iter().zip(&parts[0].2.columns).all(|(a, b)| match (a, b) {
            (Kept::Tally(a), Kept::Tally(b)) => a.brackets == b.brackets && a.threshold == b.threshold,
            (Kept::Whole(_), Kept::Whole(_)) | (Kept::Months(_), Kept::Months(_)) => true,
            _ => false,
        });
        if !alike || part.columns.len() != layout.width {
            return Err(refuse("the parts kept their results differently (another pilot); re-run the shards"));
        }
    }
    let options = RunOptions::new(n, first.seed, true);
    let sim = Simulation::from_parts(case, layout, options, parts.into_iter().map(|(_, _, p)| p).collect());
    if sim.misses().is_empty() {
        return Ok(sim);
    }
    // A percentile fell between the brackets (rare): the exact figures need
    // those results whole, which the parts do not have. Compute the run here.
    Ok(simulate::simulate(case, options, &Default::default())?)
}

/// Why a part file is not what its shard of this run computes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum PartMismatch {
    #[error("was computed with another layout of results than these inputs give")]
    Layout,
    #[error("does not hold the iterations of shard {shard}/{shards}")]
    Iterations { shard: usize, shards: usize },
    #[error("result column {column} is not kept as this run keeps it")]
    Column { column: usize },
}

/// Check that a decoded part is what its shard of this layout computes:
/// its batches, row count, and each column kept the way the layout keeps
/// it, covering its rows (a body edited and re-hashed by hand must be
/// refused, not merged or trusted).
fn check_part(layout: &Layout, header: &PartHeader, part: &Part) -> Result<(), PartMismatch> {
    let q = layout.monthly_quantities();
    if header.columns != layout.width || header.input_columns != layout.inputs.len() || header.quantities != q {
        return Err(PartMismatch::Layout);
    }
    let batches = simulate::shard_batches(header.iterations, header.shard, header.shards);
    let rows = (batches.end * BATCH).min(header.iterations) - (batches.start * BATCH).min(header.iterations);
    let sample_rows =
        simulate::monthly_sample_size(header.iterations, q).saturating_sub(batches.start * BATCH).min(rows);
    if part.batches != batches || header.rows != rows || part.rows != rows || header.sample_rows != sample_rows {
        return Err(PartMismatch::Iterations { shard: header.shard, shards: header.shards });
    }
    for (c, (kept, keep)) in part.columns.iter().zip(&layout.keep).enumerate() {
        let fits = match (kept, keep) {
            (Kept::Whole(v), Keep::Whole) => v.len() == rows,
            (Kept::Months(v), Keep::Month) => v.len() == rows,
            (Kept::Tally(t), Keep::Tally(_, threshold)) => {
                let counted: u64 = t.count() + t.missing;
                t.threshold == *threshold
                    && t.moments.len() == batches.len()
                    && counted == rows as u64
                    && t.gaps.iter().sum::<u64>()
                        + t.atoms.iter().sum::<u64>()
                        + t.inside.iter().map(|v| v.len() as u64).sum::<u64>()
                        == t.count()
            }
            _ => false,
        };
        if !fits {
            return Err(PartMismatch::Column { column: c });
        }
    }
    Ok(())
}

/// The part body: little-endian numbers, each column as it was kept.
mod codec {
    use super::PartHeader;
    use crate::simulate::tally::{Brackets, Moments, Tally};
    use crate::simulate::{Kept, Part};

    #[derive(Default)]
    pub struct Writer(pub Vec<u8>);

    impl Writer {
        fn u64(&mut self, x: u64) {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
        fn f64(&mut self, x: f64) {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
        fn f64s(&mut self, xs: &[f64]) {
            self.u64(xs.len() as u64);
            xs.iter().for_each(|&x| self.f64(x));
        }
        fn u16s(&mut self, xs: &[u16]) {
            self.u64(xs.len() as u64);
            xs.iter().for_each(|&x| self.0.extend_from_slice(&x.to_le_bytes()));
        }

        pub fn part(&mut self, part: &Part) {
            for column in &part.columns {
                match column {
                    Kept::Whole(v) => {
                        self.0.push(0);
                        self.f64s(v);
                    }
                    Kept::Months(v) => {
                        self.0.push(1);
                        self.u16s(v);
                    }
                    Kept::Tally(t) => {
                        self.0.push(2);
                        self.tally(t);
                    }
                }
            }
            for keys in &part.input_keys {
                self.u16s(keys);
            }
            self.f64s(&part.input_sums);
            self.f64s(&part.sums);
            self.u64(part.sample.len() as u64);
            part.sample.iter().for_each(|&x| self.0.extend_from_slice(&x.to_le_bytes()));
        }

        fn tally(&mut self, t: &Tally) {
            let bounds: Vec<f64> = t.brackets.0.iter().flat_map(|&(lo, hi)| [lo, hi]).collect();
            self.f64s(&bounds);
            self.0.push(u8::from(t.threshold.is_some()));
            self.f64(t.threshold.unwrap_or(0.0));
            self.u64(t.moments.len() as u64);
            for m in &t.moments {
                self.u64(m.count);
                self.f64(m.sum);
                self.f64(m.m2);
            }
            for x in [t.missing, t.above] {
                self.u64(x);
            }
            self.f64(t.min);
            self.f64(t.max);
            t.gaps.iter().for_each(|&g| self.u64(g));
            for (values, &atoms) in t.inside.iter().zip(&t.atoms) {
                self.u64(atoms);
                self.f64s(values);
            }
        }
    }

    /// Reads what [`Writer`] wrote; `None` when the bytes run short or a
    /// length cannot be right.
    pub struct Reader<'a>(pub &'a [u8]);

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            if self.0.len() < n {
                return None;
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(head)
        }
        fn u8(&mut self) -> Option<u8> {
            self.take(1).map(|b| b[0])
        }
        fn u64(&mut self) -> Option<u64> {
            self.take(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        }
        fn f64(&mut self) -> Option<f64> {
            self.u64().map(f64::from_bits)
        }
        /// A length, refused when the remaining bytes cannot hold it.
        fn len(&mut self, bytes_each: usize) -> Option<usize> {
            let n = usize::try_from(self.u64()?).ok()?;
            (n.checked_mul(bytes_each)? <= self.0.len()).then_some(n)
        }
        fn f64s(&mut self) -> Option<Vec<f64>> {
            let n = self.len(8)?;
            (0..n).map(|_| self.f64()).collect()
        }
        fn u16s(&mut self) -> Option<Vec<u16>> {
            let n = self.len(2)?;
            Some(self.take(2 * n)?.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
        }

        pub fn part(&mut self, header: &PartHeader) -> Option<Part> {
            let columns = (0..header.columns)
                .map(|_| match self.u8()? {
                    0 => self.f64s().filter(|v| v.len() == header.rows).map(Kept::Whole),
                    1 => self.u16s().filter(|v| v.len() == header.rows).map(Kept::Months),
                    2 => self.tally().map(Kept::Tally),
                    _ => None,
                })
                .collect::<Option<Vec<Kept>>>()?;
            let input_keys = (0..header.input_columns)
                .map(|_| self.u16s().filter(|v| v.len() == header.rows))
                .collect::<Option<Vec<_>>>()?;
            let batches = header.end_batch.checked_sub(header.first_batch)?;
            let input_sums = self.f64s().filter(|v| Some(v.len()) == batches.checked_mul(header.input_columns))?;
            let sums = self.f64s().filter(|v| Some(v.len()) == batches.checked_mul(header.quantities))?;
            let n = self.len(4)?;
            let sample: Vec<f32> =
                self.take(4 * n)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            (Some(sample.len()) == header.sample_rows.checked_mul(header.quantities)).then_some(())?;
            Some(Part {
                batches: header.first_batch..header.end_batch,
                rows: header.rows,
                columns,
                input_keys,
                input_sums,
                sums,
                sample,
            })
        }

        fn tally(&mut self) -> Option<Tally> {
            let bounds = self.f64s()?;
            if bounds.len() % 2 != 0 {
                return None;
            }
            let brackets = Brackets(bounds.chunks_exact(2).map(|b| (b[0], b[1])).collect());
            let has_threshold = self.u8()? == 1;
            let threshold = self.f64()?;
            let mut t = Tally::new(brackets, has_threshold.then_some(threshold));
            let batches = self.len(24)?;
            t.moments = (0..batches)
                .map(|_| Some(Moments { count: self.u64()?, sum: self.f64()?, m2: self.f64()? }))
                .collect::<Option<_>>()?;
            t.missing = self.u64()?;
            t.above = self.u64()?;
            t.min = self.f64()?;
            t.max = self.f64()?;
            for g in &mut t.gaps {
                *g = self.u64()?;
            }
            for j in 0..t.inside.len() {
                t.atoms[j] = self.u64()?;
                t.inside[j] = self.f64s()?;
            }
            Some(t)
        }
    }
}
