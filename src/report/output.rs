//! Writing a report folder all or nothing.
//!
//! Files go into a hidden temporary folder beside the target; only when all
//! are written is it put in place, swapped with an earlier report in one
//! step where the file system allows, so a run killed at any instant
//! leaves the old report or the new one, whole (`staging.rs` removes what
//! an interrupt or a kill left behind). A run refuses to
//! write into a folder that holds its inputs, or over a folder that is not
//! a costcast report.

use std::fs;
use std::path::{Path, PathBuf};

use super::staging::{self, Staging};
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
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) && !dir.exists() {
        return Err(refuse("is a symbolic link to nothing; name a folder, or a link to one".into()));
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

/// Write `files` (name, bytes) as the folder `dir`, replacing an earlier
/// report. `dir` a symbolic link: the folder it points at is replaced, the
/// link kept.
pub fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let write_err = |path: &Path, source: std::io::Error| Error::Write { path: path.to_path_buf(), source };
    let dir = &through_link(dir).map_err(|e| write_err(dir, e))?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = dir.file_name().ok_or_else(|| Error::NotAFolder { path: dir.to_path_buf() })?.to_string_lossy();
    fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    staging::sweep(parent);
    let staging = Staging::new(parent, &name);
    fs::create_dir(staging.path()).map_err(|e| write_err(staging.path(), e))?;
    for (file, bytes) in files {
        let path = staging.path().join(file);
        if let Some(sub) = path.parent() {
            fs::create_dir_all(sub).map_err(|e| write_err(sub, e))?;
        }
        fs::write(&path, bytes).map_err(|e| write_err(&path, e))?;
    }
    let old = parent.join(format!("{}{}-{name}", staging::OLD_PREFIX, std::process::id()));
    staging.commit(|new| replace(new, dir, &old)).map_err(|e| write_err(dir, e))
}

/// Put the folder `new` at `dir`. An earlier report there is swapped out in
/// one step where the file system can (it is then at `new`, removed with
/// the staging); else it is moved aside to `old`, the new one renamed in,
/// and the old one removed. A kill between those two renames leaves the
/// old report at `old`, which the next run puts back ([`staging::sweep`]).
fn replace(new: &Path, dir: &Path, old: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(new, dir);
    }
    match staging::exchange(new, dir) {
        Ok(()) => return Ok(()),
        Err(e) if !cannot_exchange(&e) => return Err(e),
        Err(_) => {}
    }
    fs::rename(dir, old)?;
    if let Err(e) = fs::rename(new, dir) {
        let _ = fs::rename(old, dir);
        return Err(e);
    }
    let _ = fs::remove_dir_all(old);
    Ok(())
}

/// The file system (or the system) has no swap in one step.
fn cannot_exchange(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP)) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// The folder a report path names: itself, or where a symbolic link to a
/// folder points. A link to nothing is an error.
fn through_link(dir: &Path) -> std::io::Result<PathBuf> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir),
        _ => Ok(dir.to_path_buf()),
    }
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
