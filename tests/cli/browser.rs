//! The one-page summary renders in a real browser: headless Chromium takes
//! a screenshot of `report.html`, which must not be blank, and prints it:
//! the answer, the scenario table and the two lead charts fill the first
//! A4 (and Letter) page, the appendix follows on the next ones.
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

/// Chromium's switches for a quiet headless run that reaches no network.
const HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Print `page` to `pdf` as the page's own `@page` rule sets the paper.
fn print_pdf(browser: &Path, page: &Path, pdf: &Path, profile: &Path) {
    let status = Process::new(browser)
        .args(HEADLESS)
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .status()
        .expect("chromium starts");
    assert!(status.success(), "chromium failed: {status}");
}

/// Pages of a PDF: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let key = b"/Type /Page";
    pdf.windows(key.len() + 1).filter(|w| &w[..key.len()] == key && !w[key.len()].is_ascii_alphabetic()).count()
}

fn screenshot(browser: &Path, page: &Path, png: &Path, profile: &Path) {
    let status = Process::new(browser)
        .args(HEADLESS)
        .arg("--window-size=1200,2400")
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

/// The first sheet: the page up to its appendix, closed as a document.
fn first_sheet(html: &str) -> String {
    let cut = html.find("<div class=\"appendix\">").expect("the page has an appendix");
    format!("{}</body></html>", &html[..cut])
}

#[test]
fn the_answer_fits_the_first_printed_page_and_the_appendix_follows() {
    let Some(browser) = chromium() else {
        skip("no chromium on this machine (.ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    costcast().args(["run", CANONICAL, "-n", "2000", "--format", "html", "-o"]).arg(&out).assert().success();
    let page = std::fs::canonicalize(out.join("report.html")).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let profile = dir.path().join("profile");

    let whole = dir.path().join("whole.pdf");
    print_pdf(&browser, &page, &whole, &profile);
    let pages = pdf_pages(&std::fs::read(&whole).unwrap());
    assert!(pages >= 2, "the page and its appendix printed on {pages} page(s)");

    let sheet = first_sheet(&html);
    assert!(sheet.contains("<section class=\"answer\">") && sheet.contains("<h2>The answer</h2>"));
    assert!(sheet.contains("The scenarios side by side"));
    assert_eq!(sheet.matches("<svg").count(), 2, "the two lead charts");
    assert!(html.contains("@page { size: A4;"), "the page prints on A4");
    for (paper, text) in
        [("A4", sheet.clone()), ("Letter", sheet.replace("@page { size: A4;", "@page { size: letter;"))]
    {
        let file = dir.path().join(format!("sheet-{paper}.html"));
        std::fs::write(&file, text).unwrap();
        let pdf = dir.path().join(format!("sheet-{paper}.pdf"));
        print_pdf(&browser, &file, &pdf, &profile);
        let pages = pdf_pages(&std::fs::read(&pdf).unwrap());
        assert_eq!(pages, 1, "on {paper}, the answer, the scenario table and the two charts take {pages} pages");
    }
}
