//! The canonical case against the reference figures of an independent
//! implementation of the spec (`../shared/examples/expected/`), with
//! tolerances from Monte Carlo error (`../shared/checks/compare.py`).
//!
//! Needs python3 with numpy and the `../shared` folder beside the checkout.
//! Where they are missing the test says so and passes, except under CI
//! (`CI` set), where it fails: CI installs them.

use std::process::Command as Process;

use crate::util::{CANONICAL, costcast, root, skip};

#[test]
fn canonical_case_matches_the_reference_figures() {
    let shared = root().join("../shared");
    let compare = shared.join("checks/compare.py");
    let expected = shared.join("examples/expected/acme-ai-roadmap");
    let numpy = Process::new("python3").args(["-c", "import numpy"]).status().is_ok_and(|s| s.success());
    if !compare.is_file() || !numpy {
        skip(&format!("needs {} and python3 with numpy", compare.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    costcast().args(["run", CANONICAL, "-n", "100000", "--seed", "1", "-o"]).arg(&out).assert().success();
    let result =
        Process::new("python3").arg(&compare).arg(&expected).arg(&out).args(["--n", "100000"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "compare.py found mismatches:\n{stdout}{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
