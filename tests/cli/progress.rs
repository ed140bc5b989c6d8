//! The progress bar: drawn on a terminal for runs over a second, absent
//! when stderr is not a terminal. The terminal comes from util-linux's
//! `script`, which runs the command on a pseudo-terminal.

use std::process::Command;

use crate::util::{CANONICAL, COSTCAST, costcast, skip};

const N: &str = "400000";

/// Whether util-linux's `script` is here to make a terminal (required under CI).
fn have_script() -> bool {
    let have = Command::new("sh").args(["-c", "command -v script"]).output().is_ok_and(|o| o.status.success());
    if !have {
        skip("no util-linux `script` to make a terminal");
    }
    have
}

/// Run costcast with `args` on a pseudo-terminal; what the terminal showed.
fn on_terminal(args: &str) -> String {
    let line = format!("{COSTCAST} {args}");
    let out = Command::new("script").args(["-qec", &line, "/dev/null"]).output().unwrap();
    assert!(out.status.success(), "{args}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_long_run_on_a_terminal_shows_a_progress_bar() {
    if !have_script() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let screen = on_terminal(&format!("run {CANONICAL} -n {N} --format csv -o {}", dir.path().join("tty").display()));
    assert!(screen.contains(&format!("/{N} iterations")), "no progress bar on the terminal:\n{screen}");
}

#[test]
fn piped_output_has_no_progress_bar() {
    let dir = tempfile::tempdir().unwrap();
    let out = costcast()
        .args(["run", CANONICAL, "-n", N, "--format", "csv", "-o"])
        .arg(dir.path().join("piped"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("iterations,"), "a progress bar was drawn into a pipe:\n{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote "));
}

/// `costcast batch` counts iterations and files on a terminal.
#[test]
fn a_batch_on_a_terminal_counts_files_and_iterations() {
    if !have_script() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let screen = on_terminal(&format!(
        "batch {CANONICAL} scenarios/contoso-digital-care.toml -n 200000 --format csv -o {}",
        dir.path().join("batch").display()
    ));
    assert!(screen.contains("/400000 iterations") && screen.contains("/2 files"), "no batch progress bar:\n{screen}");
}
