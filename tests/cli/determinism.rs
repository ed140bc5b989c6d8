//! The same seed gives byte-identical CSV whatever the thread count
//! (spec section 7), and a different seed gives different numbers.

use std::path::Path;

use crate::util::{CANONICAL, TABLES, costcast, load, stderr};

fn run(out: &Path, threads: usize, seed: u64, n: usize) {
    run_scenario(CANONICAL, out, threads, seed, n);
}

fn run_scenario(scenario: &str, out: &Path, threads: usize, seed: u64, n: usize) {
    costcast()
        .args(["run", scenario, "-n", &n.to_string(), "--seed", &seed.to_string()])
        .args(["--threads", &threads.to_string(), "-o"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn canonical_case_is_byte_identical_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    // 40,000 iterations: past the 32,768-iteration pilot (bracketed
    // tallies, whose batches arrive from the threads in any order), several
    // waves of batches and a ragged last batch.
    let (one, two, three) = (dir.path().join("t1"), dir.path().join("t2"), dir.path().join("t3"));
    run(&one, 1, 7, 40_000);
    run(&two, 2, 7, 40_000);
    run(&three, 3, 7, 40_000);
    for table in TABLES {
        let a = std::fs::read(one.join(table)).unwrap();
        assert!(a.len() > 100, "{table} is nearly empty");
        assert_eq!(a, std::fs::read(two.join(table)).unwrap(), "{table} differs between 1 and 2 threads");
        assert_eq!(a, std::fs::read(three.join(table)).unwrap(), "{table} differs between 1 and 3 threads");
    }
}

/// Staffed channels count agents lane by lane in blocks of iterations; the
/// numbers must not depend on which iterations share a block or a thread.
#[test]
fn staffed_case_is_byte_identical_on_one_and_three_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (one, three) = (dir.path().join("t1"), dir.path().join("t3"));
    run_scenario("scenarios/acme-staffed-roadmap.toml", &one, 1, 3, 2_500);
    run_scenario("scenarios/acme-staffed-roadmap.toml", &three, 3, 3, 2_500);
    for table in TABLES {
        let a = std::fs::read(one.join(table)).unwrap();
        assert_eq!(a, std::fs::read(three.join(table)).unwrap(), "{table} differs between 1 and 3 threads");
    }
}

#[test]
fn another_seed_gives_other_numbers_and_the_same_seed_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run(&a, 2, 1, 2_000);
    run(&b, 2, 2, 2_000);
    run(&c, 2, 1, 2_000);
    let summary = |p: &Path| std::fs::read_to_string(p.join("summary.csv")).unwrap();
    assert_ne!(summary(&a), summary(&b));
    assert_eq!(summary(&a), summary(&c));
}

#[test]
fn the_run_record_names_seed_iterations_version_and_input_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    run(&out, 1, 99, 500);
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["seed"], 99);
    assert_eq!(record["iterations"], 500);
    assert_eq!(record["threads"], 1);
    assert_eq!(record["costcast_version"], env!("CARGO_PKG_VERSION"));
    let inputs = record["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "the scenario and its model");
    for input in inputs {
        let hash = input["sha256"].as_str().unwrap();
        assert_eq!(hash.len(), 64, "{input}");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    assert!(record["wall_seconds"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_library_forecast_refuses_fewer_than_two_iterations() {
    let case = load(Path::new(CANONICAL));
    let err = costcast::run::forecast(&case, 1, 1, 1).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().contains("at least 2 iterations"), "{err}");
}

#[test]
fn a_run_too_large_for_memory_fails_cleanly_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("huge");
    let assert = costcast()
        .args(["run", CANONICAL, "-n", "2305843009213693952", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = stderr(&assert);
    assert!(stderr.contains("not enough memory"), "{stderr}");
    assert!(!out.exists());
}
