//! The one-page summary renders in a real browser: headless Chromium takes
//! a screenshot of `report.html`, which must not be blank.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test
//! says so and passes, except under CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::util::{CANONICAL, costcast, skip};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let out = Process::new("sh").args(["-c", &format!("command -v {name}")]).output().ok()?;
        let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (!path.is_empty()).then(|| PathBuf::from(path))
    })
}

fn screenshot(browser: &Path, page: &Path, png: &Path, profile: &Path) {
    let status = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .status()
        .expect("chromium starts");
    assert!(status.success(), "chromium failed: {status}");
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        skip("no chromium on this machine (.ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    costcast().args(["run", CANONICAL, "-n", "2000", "--format", "html", "-o"]).arg(&out).assert().success();
    let page = std::fs::canonicalize(out.join("report.html")).unwrap();
    let png = dir.path().join("shot.png");
    screenshot(&browser, &page, &png, &dir.path().join("profile"));
    let image = image::open(&png).expect("the screenshot is a PNG").to_rgb8();
    assert_eq!((image.width(), image.height()), (1200, 2400));
    let total = (image.width() * image.height()) as f64;
    let ink = image.pixels().filter(|p| p.0.iter().any(|&c| c < 200)).count() as f64;
    let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(ink / total > 0.02, "the page looks blank: {:.2}% ink", 100.0 * ink / total);
    assert!(colours.len() > 50, "only {} colours: charts and text did not render", colours.len());
}
