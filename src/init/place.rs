//! Writing the starter files all or nothing.
//!
//! The files go to different folders (`models/`, `scenarios/`) that may hold
//! the user's other files, so the report writer's swap of a whole folder
//! does not fit. Instead they are written into a hidden staging folder
//! inside the target, checked there, and renamed into place one by one
//! (a rename within one file system is atomic); if one cannot be placed,
//! those placed before it are taken back and any file they replaced is
//! restored. Folders created on the way are removed again on failure.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Write `files` (a path relative to `dir`, and its text) under `dir`, all
/// or none. `verify` sees the staging folder, laid out as `dir` will be,
/// before anything is placed; its error stops the write.
pub(crate) fn place(
    dir: &Path,
    files: &[(&str, &str)],
    verify: impl FnOnce(&Path) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut created = Vec::new();
    let result = place_creating(dir, files, verify, &mut created);
    if result.is_err() {
        // Only folders this call created, deepest first; one that is not
        // empty (someone else wrote there meanwhile) stays.
        for folder in created.iter().rev() {
            let _ = fs::remove_dir(folder);
        }
    }
    result
}

fn place_creating(
    dir: &Path,
    files: &[(&str, &str)],
    verify: impl FnOnce(&Path) -> Result<(), Error>,
    created: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let write_err = |path: &Path, source: io::Error| Error::Write { path: path.to_path_buf(), source };
    create_folders(dir, created).map_err(|e| write_err(dir, e))?;
    let staging = dir.join(format!(".costcast-init-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(|e| write_err(&staging, e))?;
    let result = (|| {
        for (name, text) in files {
            let path = staging.join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
            }
            fs::write(&path, text).map_err(|e| write_err(&path, e))?;
        }
        verify(&staging)?;
        let moves: Vec<(PathBuf, PathBuf)> =
            files.iter().map(|(name, _)| (staging.join(name), dir.join(name))).collect();
        for (_, target) in &moves {
            if let Some(parent) = target.parent() {
                create_folders(parent, created).map_err(|e| write_err(parent, e))?;
            }
        }
        commit(&moves, &staging.join(".replaced"))
    })();
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Create `folder` and its missing parents, noting each one created.
fn create_folders(folder: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let missing: Vec<&Path> =
        folder.ancestors().take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err()).collect();
    for p in missing.into_iter().rev() {
        fs::create_dir(p)?;
        created.push(p.to_path_buf());
    }
    if folder.is_dir() { Ok(()) } else { Err(io::Error::new(io::ErrorKind::NotADirectory, "not a folder")) }
}

/// Rename each (staged, target) pair, in order. A target that exists is
/// first moved into `backup`, so that a failure can restore it.
fn commit(moves: &[(PathBuf, PathBuf)], backup: &Path) -> Result<(), Error> {
    let mut placed: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    for (k, (staged, target)) in moves.iter().enumerate() {
        let step = || -> io::Result<Option<PathBuf>> {
            let saved = if fs::symlink_metadata(target).is_ok() {
                fs::create_dir_all(backup)?;
                let saved = backup.join(k.to_string());
                fs::rename(target, &saved)?;
                Some(saved)
            } else {
                None
            };
            if let Err(e) = fs::rename(staged, target) {
                if let Some(saved) = &saved {
                    let _ = fs::rename(saved, target);
                }
                return Err(e);
            }
            Ok(saved)
        };
        match step() {
            Ok(saved) => placed.push((target, saved)),
            Err(source) => {
                for (target, saved) in placed.into_iter().rev() {
                    let _ = fs::remove_file(target);
                    if let Some(saved) = saved {
                        let _ = fs::rename(saved, target);
                    }
                }
                return Err(Error::Write { path: target.clone(), source });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_that_fails_takes_back_the_ones_before_and_restores_what_they_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (a_new, a) = (dir.path().join("a.staged"), dir.path().join("a"));
        let (b_new, b) = (dir.path().join("b.staged"), dir.path().join("b"));
        let (c_new, c) = (dir.path().join("c.staged"), dir.path().join("c"));
        fs::write(&a_new, "new a").unwrap();
        fs::write(&b_new, "new b").unwrap();
        fs::write(&a, "old a").unwrap();
        // c.staged is missing, so the third move fails.
        let moves = [(a_new, a.clone()), (b_new, b.clone()), (c_new, c.clone())];
        let err = commit(&moves, &dir.path().join("backup")).expect_err("the third move fails");
        assert!(matches!(err, Error::Write { ref path, .. } if *path == c), "{err}");
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a", "the replaced file is back");
        assert!(!b.exists(), "the placed file is taken back");
        assert!(!c.exists());
    }

    #[test]
    fn a_failed_check_writes_nothing_and_removes_the_folders_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("new/deeper");
        let refused = place(&target, &[("models/x.toml", "x"), ("scenarios/y.toml", "y")], |staged| {
            assert!(staged.join("models/x.toml").is_file() && staged.join("scenarios/y.toml").is_file());
            Err(Error::NotAFolder { path: staged.to_path_buf() })
        });
        assert!(refused.is_err());
        assert!(!dir.path().join("new").exists(), "the folders it created are gone");
    }

    #[test]
    fn files_land_beside_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("models")).unwrap();
        fs::write(dir.path().join("models/mine.toml"), "mine").unwrap();
        place(dir.path(), &[("models/x.toml", "x"), ("scenarios/y.toml", "y")], |_| Ok(())).unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("models/mine.toml")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(dir.path().join("scenarios/y.toml")).unwrap(), "y");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no staging folder is left: {left:?}");
    }
}
