//! Fitting baselines from history (docs/model.md, section 12): `costcast
//! fit` and its files, `history_csv` in a model (run, sensitivity,
//! reforecast), and bad histories refused with file:line, nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{costcast, root, stderr, stdout};

/// A synthetic history: `months` months from `first` (YYYY-MM) per channel,
/// trend, season and AR(1) noise (phi 0.6) from a fixed generator, written
/// as CSV rows.
fn history_rows(channel: &str, first: (i32, u32), months: usize, level: f64) -> Vec<String> {
    use rand::RngExt;
    let mut rng = crate::util::rng(11);
    let mut u = 0.0;
    (0..months)
        .map(|t| {
            let index = first.0 * 12 + first.1 as i32 - 1 + t as i32;
            let (y, m) = (index / 12, index % 12 + 1);
            let season = 1.0 + 0.1 * (std::f64::consts::TAU * (m as f64 - 1.0) / 12.0).cos();
            // A uniform's sd is 1 / sqrt(12): innovations of sd 0.03.
            u = 0.6 * u + 0.03 * 12f64.sqrt() * (rng.random::<f64>() - 0.5);
            let v = level * 1.004f64.powi(t as i32) * season * u.exp();
            format!("{y}-{m:02},{channel},{}", v.round())
        })
        .collect()
}

fn write_history(dir: &Path, rows: &[String]) -> PathBuf {
    let path = dir.join("history.csv");
    fs::write(&path, format!("month,channel,volume\n{}\n", rows.join("\n"))).unwrap();
    path
}

/// The small valid model of the bad-input corpus with `history_csv`, phone
/// fitted (its volume, growth and noise removed).
fn fitted_model(dir: &Path, extra_phone: &str) -> PathBuf {
    let model = format!(
        "name = \"Tiny Support\"\nstart = \"2027-01\"\nmonths = 6\ndiscount_rate = 0.08\nhistory_csv = \"history.csv\"\n\n\
         [[channel]]\nid = \"phone\"\ncost_per_contact = \"pert(6, 8, 12)\"\n{extra_phone}\n\n\
         [[channel]]\nid = \"self_service\"\nvolume = 4000\nnoise = 0.05\ncost_per_contact = 0.1\n"
    );
    fs::write(dir.join("model.toml"), model).unwrap();
    fs::write(
        dir.join("scenario.toml"),
        "model = \"model.toml\"\n\n[[initiative]]\nid = \"bot\"\nstart = 2\ncapex = 1000\neffects = [\n  { deflect = \"phone\", to = \"self_service\", share = \"triangular(0.1, 0.2, 0.3)\" },\n]\n",
    )
    .unwrap();
    dir.join("scenario.toml")
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(path).unwrap().lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

#[test]
fn fit_writes_every_file_for_the_shipped_history() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fit");
    let history = root().join("models/northwind-history.csv");
    let assert = costcast().arg("fit").arg(&history).arg("-o").arg(&out).assert().success();
    let said = stdout(&assert);
    assert!(said.contains("phone: 48 months; backtest on the last 12"), "{said}");
    for file in [
        "fit.csv",
        "forecast.csv",
        "backtest.csv",
        "channels.toml",
        "fit-phone.png",
        "fit-phone.svg",
        "fit-chat.png",
        "fit-chat.svg",
        "report.html",
        "run.json",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let fit = csv_rows(&out.join("fit.csv"));
    // 2 channels x (volume, growth, 12 seasons, noise, ar1, months).
    assert_eq!(fit.len(), 2 * 17);
    let months = fit.iter().find(|r| r[0] == "chat" && r[1] == "months").unwrap();
    assert_eq!((months[2].as_str(), months[3].as_str()), ("48", ""));
    let season: f64 = fit
        .iter()
        .filter(|r| r[0] == "phone" && r[1].starts_with("season_"))
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum();
    assert!((season / 12.0 - 1.0).abs() < 1e-9, "seasonal indices average {}", season / 12.0);
    let forecast = csv_rows(&out.join("forecast.csv"));
    assert_eq!(forecast.len(), 2 * (12 + 24));
    for r in &forecast {
        let (p10, p50, p90): (f64, f64, f64) = (r[5].parse().unwrap(), r[6].parse().unwrap(), r[7].parse().unwrap());
        assert!(p10 < p50 && p50 < p90, "{r:?}");
        assert_eq!(r[3].is_empty(), r[1] == "forecast", "{r:?}");
    }
    assert_eq!(forecast.iter().find(|r| r[1] == "forecast").unwrap()[2], "2027-01");
    let backtest = csv_rows(&out.join("backtest.csv"));
    assert_eq!(backtest.len(), 4);
    assert!(backtest.iter().any(|r| r[1] == "seasonal_naive" && r[5].is_empty()));
    // Chat's launch month is set apart, and the fit still beats the naive
    // forecast on the data the shipped example was invented from.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script"), "the page runs no scripts");
    assert!(html.contains("one-off month"), "the launch spike is marked on the chart");
    let toml_text = fs::read_to_string(out.join("channels.toml")).unwrap();
    let parsed: toml::Table = toml_text.parse().expect("channels.toml is TOML");
    assert_eq!(parsed["channel"].as_array().unwrap().len(), 2);
}

/// `costcast fit MODEL` fits the model's history and freezes the fit into
/// channels a model can use as they are: paste them, and `check` passes.
#[test]
fn fit_of_a_model_freezes_channels_a_model_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fit");
    costcast().arg("fit").arg(root().join("models/northwind.toml")).arg("-o").arg(&out).assert().success();
    let frozen = fs::read_to_string(out.join("channels.toml")).unwrap();
    assert!(frozen.contains("cost_per_contact = \"pert(0.40, 0.55, 0.80)\""), "{frozen}");
    let model = format!("name = \"Frozen\"\nstart = \"2027-01\"\nmonths = 12\ndiscount_rate = 0.08\n{frozen}");
    let path = tmp.path().join("frozen.toml");
    fs::write(&path, model).unwrap();
    costcast().arg("check").arg(&path).assert().success();
}

/// The shipped scenario runs, and sensitivity lists the fitted channels'
/// level and growth.
#[test]
fn a_fitted_model_runs_with_its_inputs_in_sensitivity() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let scenario = root().join("scenarios/northwind-assistant.toml");
    costcast().arg("run").arg(&scenario).args(["-n", "4000", "--format", "csv", "-o"]).arg(&out).assert().success();
    let sensitivity = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    for input in ["phone.volume", "phone.growth", "chat.volume", "chat.growth"] {
        assert!(sensitivity.contains(&format!(",{input},")), "{input} missing from sensitivity.csv");
    }
}

/// A run's fitted channel draws what `costcast fit` forecasts: the same
/// history, the horizon starting the month after it, the same quantiles
/// within Monte Carlo error (the P10-P90 spread over 2.563 standing for
/// the sd; a quantile's se is about 1.25 to 1.75 sd / sqrt(n)).
#[test]
fn a_run_draws_the_forecast_that_fit_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = history_rows("phone", (2023, 1), 48, 1000.0);
    write_history(tmp.path(), &rows);
    let scenario = fitted_model(tmp.path(), "");
    let (run_out, fit_out) = (tmp.path().join("run"), tmp.path().join("fit"));
    costcast()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "20000", "--format", "csv", "-o"])
        .arg(&run_out)
        .assert()
        .success();
    costcast().arg("fit").arg(tmp.path().join("history.csv")).arg("-o").arg(&fit_out).assert().success();
    let monthly = csv_rows(&run_out.join("monthly.csv"));
    let forecast = csv_rows(&fit_out.join("forecast.csv"));
    for month in ["2027-01", "2027-06"] {
        let run = monthly
            .iter()
            .find(|r| r[0] == "baseline" && r[1] == month && r[2] == "phone" && r[3] == "volume")
            .unwrap();
        let fit = forecast.iter().find(|r| r[1] == "forecast" && r[2] == month).unwrap();
        let sd = (fit[7].parse::<f64>().unwrap() - fit[5].parse::<f64>().unwrap()) / 2.563;
        let se = 1.75 * sd * (1.0 / 20_000f64 + 1.0 / 20_000f64).sqrt();
        for (k, name) in [(5, "p10"), (6, "p50"), (7, "p90")] {
            let (a, b): (f64, f64) = (run[k].parse().unwrap(), fit[k].parse().unwrap());
            assert!((a - b).abs() < 4.0 * se, "{month} {name}: run {a}, fit {b}, se {se}");
        }
    }
}

/// History reaching into the horizon: those months take the actual, with
/// no spread; monthly.csv marks them with an `actual` row; the forecast
/// continues from the last actual.
#[test]
fn a_reforecast_fixes_the_actual_months() {
    let tmp = tempfile::tempdir().unwrap();
    // 27 months before the horizon (2024-10 to 2026-12), 3 inside it.
    let mut rows = history_rows("phone", (2024, 10), 30, 1000.0);
    // The last actual, 2027-03, is 30% above trend: the next months start
    // from there (the AR(1) error carries on), above a run without it.
    let last = rows.pop().unwrap();
    let (head, v) = last.rsplit_once(',').unwrap();
    let high = v.parse::<f64>().unwrap() * 1.3;
    rows.push(format!("{head},{}", high.round()));
    write_history(tmp.path(), &rows);
    let scenario = fitted_model(tmp.path(), "");
    let out = tmp.path().join("run");
    costcast()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "2000", "--format", "csv,xlsx", "-o"])
        .arg(&out)
        .assert()
        .success();
    let monthly = csv_rows(&out.join("monthly.csv"));
    // The workbook's Monthly sheet has the same rows, the actual ones
    // included, in the same order.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Monthly").expect("a Monthly sheet");
    let cells: Vec<Vec<String>> = sheet.rows().skip(1).map(|r| r.iter().map(ToString::to_string).collect()).collect();
    assert_eq!(cells.len(), monthly.len());
    for (xlsx, csv) in cells.iter().zip(&monthly) {
        assert_eq!(xlsx[..4], csv[..4]);
        if csv[3] == "actual" {
            assert_eq!(xlsx[6].parse::<f64>().unwrap(), csv[6].parse::<f64>().unwrap(), "{csv:?}");
        }
    }
    assert_eq!(cells.iter().filter(|r| r[3] == "actual").count(), 3);
    let find = |month: &str, metric: &str| {
        monthly.iter().find(|r| r[0] == "baseline" && r[1] == month && r[2] == "phone" && r[3] == metric).cloned()
    };
    for (k, month) in ["2027-01", "2027-02", "2027-03"].iter().enumerate() {
        let actual: f64 = rows[27 + k].rsplit_once(',').unwrap().1.parse().unwrap();
        let volume = find(month, "volume").unwrap();
        for cell in &volume[4..8] {
            assert_eq!(cell.parse::<f64>().unwrap(), actual, "{month}: {volume:?}");
        }
        let marked = find(month, "actual").expect("actual months are marked");
        assert_eq!(marked[6].parse::<f64>().unwrap(), actual);
    }
    assert!(find("2027-04", "actual").is_none());
    let april = find("2027-04", "volume").unwrap();
    assert!(april[5].parse::<f64>().unwrap() < april[7].parse::<f64>().unwrap(), "a forecast month has spread");
    let trend_april = 1000.0 * 1.004f64.powi(30);
    assert!(april[6].parse::<f64>().unwrap() > 1.05 * trend_april, "April continues from March's surprise: {april:?}");
}

/// Bad histories: exit 1, file:line and what is wrong, nothing written.
#[test]
fn bad_histories_are_refused_with_file_and_line() {
    let good = history_rows("phone", (2024, 1), 36, 1000.0);
    let with = |f: &dyn Fn(&mut Vec<String>)| {
        let mut rows = good.clone();
        f(&mut rows);
        rows
    };
    let cases: Vec<(&str, Vec<String>, &str, &str)> = vec![
        (
            "gap",
            with(&|r| {
                r.remove(10);
            }),
            "",
            "history.csv:12:1: gap in channel \"phone\": no row for 2024-11",
        ),
        (
            "duplicate",
            with(&|r| {
                let d = r[5].clone();
                r.insert(6, d);
            }),
            "",
            "history.csv:8:1: duplicate row",
        ),
        (
            "zero",
            with(&|r| r[3] = "2024-04,phone,0".into()),
            "",
            "history.csv:5:15: column volume: volume 0 is not above 0",
        ),
        (
            "negative",
            with(&|r| r[3] = "2024-04,phone,-5".into()),
            "",
            "history.csv:5:15: column volume: volume -5 is not above 0",
        ),
        (
            "text",
            with(&|r| r[3] = "2024-04,phone,many".into()),
            "",
            "history.csv:5:15: column volume: \"many\" is not a number",
        ),
        (
            "month",
            with(&|r| r[3] = "April,phone,1000".into()),
            "",
            "history.csv:5:1: column month: \"April\" is not a month",
        ),
        (
            "short",
            with(&|r| {
                r.drain(..14);
            }),
            "",
            "channel \"phone\" has 22 month(s) of history before the horizon start 2027-01; the fit needs at least 24",
        ),
        (
            "unknown",
            with(&|r| r.push("2024-01,fax,10".into())),
            "",
            "history.csv:38:9: column channel: unknown channel \"fax\"",
        ),
        (
            "volume too",
            good.clone(),
            "volume = 1000",
            "model.toml:10:10: channel \"phone\".volume: channel \"phone\" is fitted from history_csv",
        ),
        (
            "noise too",
            good.clone(),
            "noise = 0.05",
            "channel \"phone\".noise: channel \"phone\" is fitted from history_csv",
        ),
    ];
    for (name, rows, extra, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        write_history(tmp.path(), &rows);
        let scenario = fitted_model(tmp.path(), extra);
        let before = crate::util::entries(tmp.path());
        let run = costcast()
            .current_dir(tmp.path())
            .args(["run", "scenario.toml", "-n", "200", "-o", "out"])
            .assert()
            .code(1);
        let err = stderr(&run);
        assert!(err.contains(expected), "{name}: expected `{expected}` in\n{err}");
        assert_eq!(crate::util::entries(tmp.path()), before, "{name}: nothing written");
        let _ = scenario;
        if !extra.is_empty() {
            continue;
        }
        // `costcast fit` on the CSV alone: the same row errors (the horizon
        // checks aside).
        if name == "short" || name == "unknown" {
            continue;
        }
        let fit = costcast().current_dir(tmp.path()).args(["fit", "history.csv", "-o", "out"]).assert().code(1);
        assert!(stderr(&fit).contains(expected), "fit, {name}: expected `{expected}` in\n{}", stderr(&fit));
        assert!(!tmp.path().join("out").exists(), "{name}: fit wrote nothing");
    }
}

/// A channel both fitted and planned by `volumes_csv` is refused.
#[test]
fn a_channel_fitted_and_planned_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_history(tmp.path(), &history_rows("phone", (2024, 1), 36, 1000.0));
    fitted_model(tmp.path(), "");
    let model = fs::read_to_string(tmp.path().join("model.toml")).unwrap();
    fs::write(tmp.path().join("model.toml"), model.replace("history_csv", "volumes_csv = \"plan.csv\"\nhistory_csv"))
        .unwrap();
    let plan: Vec<String> = (1..=6).map(|m| format!("2027-{m:02},phone,1000")).collect();
    fs::write(tmp.path().join("plan.csv"), format!("month,channel,volume\n{}\n", plan.join("\n"))).unwrap();
    let check = costcast().current_dir(tmp.path()).args(["check", "model.toml"]).assert().code(1);
    assert!(stderr(&check).contains("has rows in both history_csv and volumes_csv"), "{}", stderr(&check));
}

/// A fitted model is deterministic like any other: the same bytes on 1 and
/// 3 threads and from 2 shards merged; `optimize` and `batch` run it.
#[test]
fn a_fitted_model_is_byte_identical_across_threads_and_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/northwind-assistant.toml");
    let run = |threads: &str, out: &Path| {
        costcast()
            .arg("run")
            .arg(&scenario)
            .args(["-n", "2500", "--seed", "5", "--format", "csv", "--threads", threads, "-o"])
            .arg(out)
            .assert()
            .success();
    };
    let (one, three) = (tmp.path().join("one"), tmp.path().join("three"));
    run("1", &one);
    run("3", &three);
    let parts: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let part = tmp.path().join(format!("shard-{k}.part"));
            costcast()
                .arg("run")
                .arg(&scenario)
                .args(["-n", "2500", "--seed", "5", "--shard", &format!("{k}/2"), "-o"])
                .arg(&part)
                .assert()
                .success();
            part
        })
        .collect();
    let merged = tmp.path().join("merged");
    costcast().arg("merge").args(&parts).args(["--format", "csv", "-o"]).arg(&merged).assert().success();
    for table in crate::util::TABLES {
        let bytes = fs::read(one.join(table)).unwrap();
        assert!(bytes == fs::read(three.join(table)).unwrap(), "{table}: 1 and 3 threads differ");
        assert!(bytes == fs::read(merged.join(table)).unwrap(), "{table}: the merged shards differ");
    }
    let optimized = tmp.path().join("optimize");
    costcast()
        .arg("optimize")
        .arg(&scenario)
        .args(["-n", "2000", "--format", "csv", "-o"])
        .arg(&optimized)
        .assert()
        .success();
    let batch = tmp.path().join("batch");
    costcast()
        .current_dir(root())
        .args(["batch", "scenarios/northwind-assistant.toml", "-n", "1000", "--format", "csv", "-o"])
        .arg(&batch)
        .assert()
        .success();
}
