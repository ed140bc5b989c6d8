//! The temporary files and folders a report is written into before it is
//! renamed into place.
//!
//! Each is named `.costcast-tmp-PID-NAME` beside its target, so that what
//! a process leaves behind says whose it was. While one is in flight it is
//! listed here: an interrupt ([`abandon_and_exit`]) removes it before the
//! process ends. What a killed process left (it could not clean up) is
//! removed by the next run writing beside it ([`sweep`]); a report a kill
//! caught between its two renames (`.costcast-old-PID-NAME`, its folder
//! moved aside and the new one not yet in place) is put back.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The name of a temporary file or folder starts with this, then the
/// process id, a dash and the target's name.
pub const TMP_PREFIX: &str = ".costcast-tmp-";
/// A report moved aside while its replacement is renamed in (where the
/// file system cannot swap two folders in one step).
pub const OLD_PREFIX: &str = ".costcast-old-";

/// Temporary paths in flight in this process.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while listing leaves the list as it was: still usable.
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file or folder for the target `name` in `parent`; removed
/// (whatever is at its path then) when dropped.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
}

impl Staging {
    /// Claim `parent/.costcast-tmp-PID-NAME`; nothing is created.
    pub fn new(parent: &Path, name: &str) -> Staging {
        let path = parent.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
        in_flight().push(path.clone());
        Staging { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run the step that puts the staged report in place with interrupts
    /// held off: an interrupt finds the staging either before the step
    /// (and removes it) or after it (and leaves the report in place), never
    /// half way.
    pub fn commit<T>(self, step: impl FnOnce(&Path) -> T) -> T {
        let mut list = in_flight();
        let done = step(&self.path);
        list.retain(|p| p != &self.path);
        done
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        in_flight().retain(|p| p != &self.path);
        remove(&self.path);
    }
}

/// Remove a file or a folder, whichever is there; nothing if nothing is.
fn remove(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// For an interrupt (Ctrl-C, SIGTERM): remove every temporary path in
/// flight and end the process with `code`. The list stays locked to the
/// end, so a report cannot be put in place after its staging is gone.
pub fn abandon_and_exit(code: i32) -> ! {
    let list = in_flight();
    for path in list.iter() {
        remove(path);
    }
    std::process::exit(code)
}

/// Remove what dead processes left in `parent`: their temporary files and
/// folders, and put back a report one of them had moved aside when its
/// folder is missing (else remove that too). Another live costcast's are
/// left alone.
pub fn sweep(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let (old, rest) = match (name.strip_prefix(TMP_PREFIX), name.strip_prefix(OLD_PREFIX)) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => continue,
        };
        let Some((pid, target)) = rest.split_once('-') else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let target = parent.join(target);
        if old && fs::symlink_metadata(&target).is_err() && fs::rename(entry.path(), &target).is_ok() {
            continue;
        }
        remove(&entry.path());
    }
}

/// Whether process `pid` exists (may not be ours to signal: still alive).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
    // Signal 0 checks existence and permission only.
    // SAFETY: kill(2) with signal 0 sends nothing and touches no memory.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere no process is known dead: nothing is swept.
#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

/// Swap two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`): each
/// then names what the other did, so no instant sees neither.
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// No swap in one step here: the caller renames in two.
#[cfg(not(target_os = "linux"))]
pub fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id that is surely not running: above the kernel's limit.
    const DEAD: u32 = 99_999_999;

    #[test]
    fn a_dead_process_leftovers_are_swept_and_a_moved_report_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::create_dir(p.join(format!("{TMP_PREFIX}{DEAD}-report"))).unwrap();
        fs::write(p.join(format!("{TMP_PREFIX}{DEAD}-run.part")), b"x").unwrap();
        let moved = p.join(format!("{OLD_PREFIX}{DEAD}-kept"));
        fs::create_dir(&moved).unwrap();
        fs::write(moved.join("run.json"), b"{}").unwrap();
        // A live process's (ours) and unrelated files stay.
        let mine = p.join(format!("{TMP_PREFIX}{}-busy", std::process::id()));
        fs::create_dir(&mine).unwrap();
        fs::write(p.join("notes.txt"), b"x").unwrap();
        sweep(p);
        let mut left: Vec<String> =
            fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, [mine.file_name().unwrap().to_string_lossy().into_owned(), "kept".into(), "notes.txt".into()]);
        assert!(p.join("kept/run.json").is_file(), "the moved report is back in its place");
    }

    #[test]
    fn a_staging_dropped_unused_leaves_nothing_and_is_no_longer_listed() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path(), "r");
        fs::create_dir(staging.path()).unwrap();
        let path = staging.path().to_path_buf();
        assert!(in_flight().contains(&path));
        drop(staging);
        assert!(!path.exists());
        assert!(!in_flight().contains(&path));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_folders() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("new"), b"").unwrap();
        fs::write(b.join("old"), b"").unwrap();
        match exchange(&a, &b) {
            Ok(()) => assert!(b.join("new").exists() && a.join("old").exists()),
            // A file system without the swap: the caller's fallback runs.
            Err(e) => assert!(matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)), "{e}"),
        }
    }
}
