//! Writing a report folder all or nothing.
//!
//! Files go into a hidden temporary folder beside the target; only when all
//! are written is it renamed into place (replacing an earlier report), so an
//! interrupted run never leaves a half-written report. A run refuses to
//! write into a folder that holds its inputs, or over a folder that is not
//! a costcast report.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, InputError};

/// The marker that tells a costcast report folder from anything else.
pub const RECORD_FILE: &str = "run.json";

/// Check that `dir` may receive a report for these inputs, before any work.
pub fn check_target(dir: &Path, inputs: &[PathBuf]) -> Result<(), Error> {
    let refuse = |message: String| Error::Input(InputError::one(Diagnostic::new(dir, "-o", message)));
    let target = absolute(dir);
    for input in inputs {
        let input = absolute(input);
        if input.starts_with(&target) {
            return Err(refuse(format!(
                "the report folder would contain the input file {}; choose another output folder",
                input.display()
            )));
        }
    }
    if dir.exists() {
        if !dir.is_dir() {
            return Err(refuse("exists and is not a folder".into()));
        }
        let empty = fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !dir.join(RECORD_FILE).is_file() {
            return Err(refuse(format!(
                "exists and is not a costcast report folder (no {RECORD_FILE}); choose another output folder"
            )));
        }
    }
    Ok(())
}

/// Write `files` (name, bytes) as the folder `dir`, replacing an earlier report.
pub fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let write_err = |path: &Path, source: std::io::Error| Error::Write { path: path.to_path_buf(), source };
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = dir.file_name().ok_or_else(|| Error::NotAFolder { path: dir.to_path_buf() })?;
    fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    let tag = format!("{}-{}", std::process::id(), name.to_string_lossy());
    let staging = parent.join(format!(".costcast-tmp-{tag}"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(|e| write_err(&staging, e))?;
    let result = (|| {
        for (file, bytes) in files {
            let path = staging.join(file);
            if let Some(sub) = path.parent() {
                fs::create_dir_all(sub).map_err(|e| write_err(sub, e))?;
            }
            fs::write(&path, bytes).map_err(|e| write_err(&path, e))?;
        }
        let old = parent.join(format!(".costcast-old-{tag}"));
        if dir.exists() {
            fs::rename(dir, &old).map_err(|e| write_err(dir, e))?;
        }
        if let Err(e) = fs::rename(&staging, dir) {
            let _ = fs::rename(&old, dir);
            return Err(write_err(dir, e));
        }
        let _ = fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// An absolute, normalised path for comparisons, also when it does not exist yet.
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => absolute(parent).join(name),
        _ => std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf()),
    }
}
