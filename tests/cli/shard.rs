//! Sharded runs (`run --shard K/N` then `merge`) give reports byte-identical
//! to one run with the same seed and iteration count, and parts of different
//! runs are never mixed.

use std::path::{Path, PathBuf};

use crate::util::{CANONICAL, TABLES, copy_canonical, costcast, root, stderr};

/// Run shard `k` of `of` from the crate root, so a relative `scenario` is
/// read as the command line gives it.
fn shard(scenario: &Path, n: &str, seed: &str, k: usize, of: usize, out: &Path) -> PathBuf {
    let part = out.join(format!("shard-{k}.part"));
    costcast()
        .current_dir(root())
        .arg("run")
        .arg(scenario)
        .args(["-n", n, "--seed", seed, "--shard", &format!("{k}/{of}"), "--threads", "2", "-o"])
        .arg(&part)
        .assert()
        .success();
    part
}

fn merge(parts: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    costcast().arg("merge").args(parts).args(["--format", "csv", "-o"]).arg(out).assert()
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn three_shards_merged_equal_one_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    // The scenario file as a user types it, relative to the crate root:
    // the page shows it so, whether it comes from a run or a merge.
    let scenario = Path::new(CANONICAL);
    // 40,000 iterations: 40 batches of 1,024 (the last ragged) over 3
    // shards, past the pilot (32,768), so the parts carry bracketed tallies
    // that the merge must join exactly.
    let parts: Vec<PathBuf> = (1..=3).map(|k| shard(scenario, "40000", "11", k, 3, dir.path())).collect();
    let merged = dir.path().join("merged");
    // Any order of the parts; every format.
    costcast()
        .current_dir(root())
        .arg("merge")
        .args([&parts[2], &parts[0], &parts[1]])
        .arg("-o")
        .arg(&merged)
        .assert()
        .success();
    let single = dir.path().join("single");
    costcast()
        .current_dir(root())
        .arg("run")
        .arg(scenario)
        .args(["-n", "40000", "--seed", "11", "--threads", "1", "-o"])
        .arg(&single)
        .assert()
        .success();
    for table in TABLES {
        assert!(std::fs::read(single.join(table)).unwrap().len() > 100, "{table}");
    }
    // Every file but run.json (which records the merge): the tables, the
    // charts, the workbook and report.html, whose foot names the inputs.
    let files = files_under(&single);
    assert_eq!(files, files_under(&merged));
    assert!(files.len() > TABLES.len() + 16 + 2, "{files:?}");
    for file in files.iter().filter(|f| *f != Path::new("run.json")) {
        let a = std::fs::read(single.join(file)).unwrap();
        let b = std::fs::read(merged.join(file)).unwrap();
        assert!(a == b, "{} differs between the merge and one run", file.display());
    }
    let page = std::fs::read_to_string(single.join("report.html")).unwrap();
    assert!(page.contains("model scenarios/../models/acme.toml · scenarios scenarios/acme-ai-roadmap.toml"));

    // Merged from another folder, where the relative path names no file:
    // the page still shows the paths the shards were given.
    let elsewhere = dir.path().join("elsewhere");
    costcast()
        .current_dir(dir.path())
        .arg("merge")
        .args(&parts)
        .args(["--format", "html", "-o"])
        .arg(&elsewhere)
        .assert()
        .success();
    assert!(page.as_bytes() == std::fs::read(elsewhere.join("report.html")).unwrap(), "report.html from elsewhere");
}

/// The P&L columns (a depreciated initiative) travel in the part files
/// like every other result: `pnl.csv` of the merge is the run's.
#[test]
fn a_depreciated_case_merges_to_the_same_pnl() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        copy_canonical(dir.path(), |m| m, |s| s.replace("opex = 25_000\n", "opex = 25_000\ndepreciation_years = 3\n"));
    // Past the pilot, so the P&L columns carry bracketed tallies.
    let parts: Vec<PathBuf> = (1..=2).map(|k| shard(&scenario, "36000", "5", k, 2, dir.path())).collect();
    let merged = dir.path().join("merged");
    merge(&parts, &merged).success();
    let single = dir.path().join("single");
    costcast()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "36000", "--seed", "5", "--format", "csv", "-o"])
        .arg(&single)
        .assert()
        .success();
    for table in TABLES.into_iter().chain(["pnl.csv"]) {
        let a = std::fs::read(single.join(table)).unwrap();
        assert!(a.len() > 100, "{table}");
        assert!(a == std::fs::read(merged.join(table)).unwrap(), "{table} differs between the merge and one run");
    }
}

#[test]
fn more_shards_than_batches_and_a_staffed_case_still_merge_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/acme-staffed-roadmap.toml");
    // 1,500 iterations are 2 batches of 1,024: shards 1 and 3 of 4 are empty.
    let parts: Vec<PathBuf> = (1..=4).map(|k| shard(&scenario, "1500", "3", k, 4, dir.path())).collect();
    let merged = dir.path().join("merged");
    merge(&parts, &merged).success();
    let single = dir.path().join("single");
    costcast()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "1500", "--seed", "3", "--format", "csv", "-o"])
        .arg(&single)
        .assert()
        .success();
    for table in TABLES {
        assert_eq!(std::fs::read(single.join(table)).unwrap(), std::fs::read(merged.join(table)).unwrap(), "{table}");
    }
}

#[test]
fn parts_of_different_runs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join(CANONICAL);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let one = shard(&scenario, "3000", "1", 1, 2, &a);
    let two = shard(&scenario, "3000", "1", 2, 2, &a);
    let out = dir.path().join("out");

    // Another seed.
    let other_seed = shard(&scenario, "3000", "2", 2, 2, &b);
    let e = stderr(&merge(&[one.clone(), other_seed.clone()], &out).code(1));
    assert!(e.contains("is not part of the same run") && e.contains("seed 2 against 1"), "{e}");

    // Other inputs: a copy of the case with one number changed.
    let copy = copy_canonical(
        &dir.path().join("copy"),
        |model| model.replace("volume = 120_000", "volume = 121_000"),
        |scenario| scenario,
    );
    let other_inputs = shard(&copy, "3000", "1", 2, 2, &b);
    let e = stderr(&merge(&[one.clone(), other_inputs], &out).code(1));
    assert!(e.contains("input files (their contents differ)"), "{e}");

    // Another iteration count, an incomplete set, a shard twice.
    let other_n = shard(&scenario, "4000", "1", 2, 2, &b);
    assert!(stderr(&merge(&[one.clone(), other_n], &out).code(1)).contains("4000 iterations against 3000"));
    assert!(
        stderr(&merge(std::slice::from_ref(&one), &out).code(1))
            .contains("incomplete set: 1 of 2 parts; missing shard 2/2")
    );
    assert!(stderr(&merge(&[one.clone(), one.clone(), two.clone()], &out).code(1)).contains("is given twice"));

    // A damaged part, and a file that is not a part.
    let damaged = dir.path().join("damaged.part");
    let mut bytes = std::fs::read(&two).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&damaged, &bytes).unwrap();
    assert!(stderr(&merge(&[one.clone(), damaged], &out).code(1)).contains("does not match its hash"));
    assert!(stderr(&merge(&[one.clone(), scenario.clone()], &out).code(1)).contains("not a costcast part file"));
    // A part cut short (an interrupted copy) or padded is refused by its
    // size against its header's, naming the file.
    let whole = std::fs::read(&two).unwrap();
    for (name, bytes, says) in [
        ("cut.part", whole[..whole.len() - 100].to_vec(), "100 fewer than its header announces"),
        ("cut-in-header.part", whole[..40].to_vec(), "its header is unreadable"),
        ("padded.part", [whole.as_slice(), b"\n"].concat(), "1 more than its header announces"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = stderr(&merge(&[one.clone(), path.clone()], &out).code(1));
        assert!(e.contains(&format!("{}: ", path.display())) && e.contains(says), "{name}: {e}");
    }
    // A header edited by hand (the seed) is refused too: the hash covers it.
    let edited = dir.path().join("edited.part");
    let text = std::fs::read(&two).unwrap();
    let at = text.windows(8).position(|w| w == b"\"seed\":1").expect("the seed in the header");
    let mut text = text;
    text[at + 7] = b'2';
    std::fs::write(&edited, &text).unwrap();
    assert!(stderr(&merge(&[one.clone(), edited], &out).code(1)).contains("does not match its hash"));
    // An absurd shard count still finishes, with a short message.
    let lone = shard(&scenario, "3000", "1", 1, 300_000_000, &b);
    let e = stderr(&merge(&[lone], &out).code(1));
    assert!(
        e.contains("incomplete set: 1 of 300000000 parts; missing shard 2/300000000, 3/300000000")
            && e.contains(", ..."),
        "{e}"
    );

    // Inputs changed after the shards ran.
    let changed_dir = dir.path().join("changed");
    let s = copy_canonical(&changed_dir, |model| model, |scenario| scenario);
    let p1 = shard(&s, "3000", "1", 1, 2, &changed_dir);
    let p2 = shard(&s, "3000", "1", 2, 2, &changed_dir);
    let text = std::fs::read_to_string(changed_dir.join("models/acme.toml"))
        .unwrap()
        .replace("volume = 120_000", "volume = 119_000");
    std::fs::write(changed_dir.join("models/acme.toml"), text).unwrap();
    assert!(stderr(&merge(&[p1, p2], &out).code(1)).contains("the input files changed since the shards ran"));

    assert!(!out.exists(), "a refused merge wrote something");
}

#[test]
fn a_bad_shard_argument_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0/3", "4/3", "two/3", "3"] {
        let a = costcast()
            .args(["run", CANONICAL, "-n", "100", "--shard", bad, "-o"])
            .arg(dir.path().join("x.part"))
            .current_dir(root())
            .assert()
            .code(1);
        assert!(stderr(&a).contains("--shard"), "{bad}: {}", stderr(&a));
    }
    assert!(!dir.path().join("x.part").exists());
}

/// A part whose body was edited and hashed again (so the hash passes) is
/// still refused when it is not what its shard computes: never a panic.
#[test]
fn a_part_edited_and_hashed_again_is_refused() {
    use costcast::shard::{decode, encode};
    use costcast::simulate::Kept;
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join(CANONICAL);
    let one = shard(&scenario, "3000", "5", 1, 2, dir.path());
    let two = shard(&scenario, "3000", "5", 2, 2, dir.path());
    let out = dir.path().join("out");
    let bytes = std::fs::read(&two).unwrap();
    let (header, part) = decode(&two, &bytes).unwrap();
    type Edit = Box<dyn Fn(&mut costcast::shard::PartHeader, &mut costcast::simulate::Part)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "no inputs",
            Box::new(|h, p| {
                h.input_columns = 0;
                p.input_keys.clear();
                p.input_sums.clear();
            }),
        ),
        (
            "NPV as a tally",
            Box::new(|_, p| {
                let npv = p.columns.iter().position(|c| matches!(c, Kept::Whole(_))).unwrap();
                let tally =
                    p.columns.iter().find_map(|c| if let Kept::Tally(t) = c { Some(t.clone()) } else { None }).unwrap();
                p.columns[npv] = Kept::Tally(tally);
            }),
        ),
        (
            "payback as whole values",
            Box::new(|_, p| {
                let payback = p.columns.iter().position(|c| matches!(c, Kept::Months(_))).unwrap();
                p.columns[payback] = Kept::Whole(vec![1.0; p.rows]);
            }),
        ),
        (
            "other batches",
            Box::new(|h, p| {
                h.first_batch = 0;
                p.batches.start = 0;
            }),
        ),
    ];
    for (what, edit) in edits {
        let (mut h, mut p) = (header.clone(), part.clone());
        edit(&mut h, &mut p);
        let edited = dir.path().join("edited.part");
        std::fs::write(&edited, encode(&h, &p)).unwrap();
        let e = stderr(&merge(&[one.clone(), edited], &out).code(1));
        assert!(
            e.contains("edited.part") && (e.contains("re-run") || e.contains("not a costcast part file")),
            "{what}: {e}"
        );
        assert!(!out.exists(), "{what}: a refused merge wrote {}", out.display());
    }
}
