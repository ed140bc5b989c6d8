//! `run.json`: what produced a report, so anyone can reproduce it.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// One input file and its content hash.
#[derive(Debug, Clone, Serialize)]
pub struct InputRecord {
    pub path: String,
    pub sha256: String,
}

/// The run record written beside the tables.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub costcast_version: &'static str,
    pub command: String,
    pub inputs: Vec<InputRecord>,
    pub seed: u64,
    pub iterations: usize,
    /// `--confidence`: the committable saving's probability (a forecast's
    /// only; `costcast fit` has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    pub threads: usize,
    /// Iterations behind the monthly percentiles (the first ones).
    pub monthly_percentile_iterations: usize,
    pub wall_seconds: f64,
    pub warnings: Vec<String>,
    /// `--precision`: what was asked and reached; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::aggregate::precision::PrecisionOutcome>,
}

impl RunRecord {
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a run record always serializes");
        bytes.push(b'\n');
        bytes
    }
}

/// Hash every input file; a file that cannot be read is recorded as such.
pub fn hash_inputs(paths: &[PathBuf]) -> Vec<InputRecord> {
    paths
        .iter()
        .map(|p| InputRecord {
            path: p.display().to_string(),
            sha256: sha256_file(p).unwrap_or_else(|e| format!("unreadable: {e}")),
        })
        .collect()
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}
