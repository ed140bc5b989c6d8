//! No lost report (issue 28): a run killed at any instant leaves the old
//! report or the new one, whole; Ctrl-C removes what was being staged and
//! exits 130; what a killed run left behind is removed by the next; `-o`
//! through a symbolic link writes into the folder it points at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};

use crate::util::{CANONICAL, root};

/// A `costcast run` of the canonical case writing every format to `out`
/// with `seed`, started in the background.
fn start(out: &Path, seed: u64, iterations: &str) -> Child {
    Command::new(crate::util::COSTCAST)
        .current_dir(root())
        .args(["run", CANONICAL, "-n", iterations, "--format", "all", "--seed", &seed.to_string(), "-o"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// A first report of seed 1 in a fresh folder: the folder, the report's
/// path, its file list and how long the run took.
fn first_report() -> (tempfile::TempDir, PathBuf, Vec<PathBuf>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let started = Instant::now();
    assert!(start(&out, 1, "2000").wait().unwrap().success());
    let length = started.elapsed();
    let files = listing(&out);
    (dir, out, files, length)
}

/// The files of a report folder, relative and sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// The seed a whole report was run with, from its run.json; panics when
/// the folder is not a whole report (`files` missing or run.json torn).
fn whole_report_seed(dir: &Path, files: &[PathBuf]) -> u64 {
    assert_eq!(listing(dir), files, "{} is not a whole report", dir.display());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).expect("run.json is whole");
    record["seed"].as_u64().expect("a seed")
}

/// Names in `dir` that a run stages or moves aside.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".costcast-"))
        .collect()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's id.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

/// 50 kills (SIGKILL) at random instants over a run's whole length, most
/// of it writing the charts, page and workbook: each time the folder is the
/// previous report or the new one, whole; a later run removes whatever the
/// kills left beside it.
#[test]
fn a_run_killed_at_any_instant_leaves_a_whole_report() {
    let (dir, out, files, length) = first_report();
    let mut current = whole_report_seed(&out, &files);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(28);
    let mut replaced = 0;
    for k in 0..50u64 {
        let seed = 100 + k;
        let mut child = start(&out, seed, "2000");
        std::thread::sleep(length.mul_f64(rng.random_range(0.0..1.2)));
        let _ = child.kill();
        child.wait().unwrap();
        let moved_aside = !out.exists();
        if moved_aside {
            // Killed between the two renames of a file system that cannot
            // swap folders: the old report waits beside, whole, for the
            // next run to put it back.
            let old = leftovers(dir.path()).into_iter().find(|n| n.starts_with(".costcast-old-")).expect("kept aside");
            assert_eq!(whole_report_seed(&dir.path().join(old), &files), current);
            continue;
        }
        let seed_now = whole_report_seed(&out, &files);
        assert!(seed_now == current || seed_now == seed, "kill {k}: a report of seed {seed_now}");
        if seed_now == seed {
            replaced += 1;
        }
        current = seed_now;
    }
    // The kills fell both before and after the report was put in place.
    assert!(replaced > 0 && replaced < 50, "{replaced} of 50 kills came after the new report was in place");
    assert!(start(&out, 7, "2000").wait().unwrap().success());
    assert_eq!(whole_report_seed(&out, &files), 7);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "the next run removed what the kills left");
}

/// Ctrl-C while computing: exit 130, the earlier report untouched, nothing
/// staged left behind.
#[test]
fn an_interrupt_exits_130_and_leaves_the_earlier_report() {
    let (dir, out, files, _) = first_report();
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let child = start(&out, 2, "20000000");
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(130));
    assert_eq!(whole_report_seed(&out, &files), 1);
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), before);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

/// Ctrl-C at random instants, writing included: exit 130 with the old
/// report or 0 with the new one, never a staged folder left behind.
#[test]
fn an_interrupt_while_writing_leaves_no_staging() {
    let (dir, out, files, length) = first_report();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(130);
    let mut current = 1;
    for k in 0..12u64 {
        let seed = 200 + k;
        let child = start(&out, seed, "2000");
        std::thread::sleep(length.mul_f64(rng.random_range(0.2..1.1)));
        signal(&child, libc::SIGINT);
        let code = child.wait_with_output().unwrap().status.code();
        let now = whole_report_seed(&out, &files);
        match code {
            Some(130) => assert!(now == current || now == seed, "interrupt {k}: seed {now}"),
            Some(0) => assert_eq!(now, seed),
            other => panic!("interrupt {k}: exit {other:?}"),
        }
        current = now;
        assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "interrupt {k}");
    }
}

/// `-o` naming a link to a report folder replaces the folder it points
/// at and keeps the link; a link to nothing is refused with nothing written.
#[test]
fn output_through_a_symbolic_link_writes_into_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    assert!(start(&target, 1, "2000").wait().unwrap().success());
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let files = listing(&target);
    assert!(start(&link, 9, "2000").wait().unwrap().success());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(whole_report_seed(&target, &files), 9);

    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let assert = crate::util::costcast()
        .args(["run", CANONICAL, "-n", "200", "--format", "csv", "-o"])
        .arg(&dangling)
        .assert()
        .code(1);
    assert!(crate::util::stderr(&assert).contains("-o: is a symbolic link to nothing"));
    assert!(!dir.path().join("nowhere").exists());
}
