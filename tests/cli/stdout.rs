//! What a command prints on stdout may go to a reader that stops early
//! (`costcast check ... | head -1`): the command then ends quietly with
//! status 0, as other Unix tools do, rather than panicking.

use std::process::{Command, Stdio};

use crate::util::{COSTCAST, root};

/// Runs costcast with `args`, its stdout a pipe whose reading end is
/// already closed, and returns its exit code and stderr.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(COSTCAST)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("costcast starts");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn check_into_a_closed_pipe_exits_quietly_with_status_0() {
    let (code, stderr) = with_closed_stdout(&["check", "models/acme.toml", "scenarios/acme-ai-roadmap.toml"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_run_into_a_closed_pipe_still_writes_its_report_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    let out_arg = out.to_str().unwrap();
    let args = ["run", "scenarios/acme-ai-roadmap.toml", "-n", "2000", "--format", "csv", "-o", out_arg];
    let (code, stderr) = with_closed_stdout(&args);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(out.join("summary.csv").is_file(), "the report is written before the line that says so");
}
