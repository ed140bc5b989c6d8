//! `costcast init`: a commented starter model and scenario file, so that a
//! first model is an edit rather than a blank page (docs/init.md).
//!
//! The text lives in `templates/`. The channels come from a table in the
//! `channels_csv` format: the built-in example, or the user's own
//! (`--from-csv`), checked as a model's `channels_csv` is; the initiatives
//! are fitted to those channels ([`table::roles`]). The two files are
//! written all or nothing, and only once the pair passes the same checks as
//! `costcast check`.

mod place;
mod render;
mod table;

use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, InputError, Warning};

/// Where the starter model goes, relative to the target folder.
pub const MODEL_FILE: &str = "models/starter.toml";
/// Where the starter scenario file goes; it names `../models/starter.toml`.
pub const SCENARIO_FILE: &str = "scenarios/starter-plan.toml";

/// What `costcast init` was asked to do.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// The folder to write `models/` and `scenarios/` into (created if
    /// missing).
    pub dir: PathBuf,
    /// The user's channel table, in the `channels_csv` format.
    pub from_csv: Option<PathBuf>,
    /// Replace starter files that exist already.
    pub force: bool,
}

/// What `costcast init` wrote.
#[derive(Debug)]
pub struct Initialized {
    /// The model file, named from the request's folder.
    pub model: PathBuf,
    /// The scenario file, named from the request's folder.
    pub scenario: PathBuf,
    /// What the user should know about their channel table.
    pub warnings: Vec<Warning>,
}

impl Initialized {
    /// The commands to try next, as they would be typed in a shell.
    pub fn next_commands(&self) -> [String; 2] {
        let file = shell_word(&self.scenario.to_string_lossy());
        [format!("costcast check {file}"), format!("costcast run {file}")]
    }
}

/// A failure of `costcast init` that is not the user's input.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The files generated do not pass `costcast check`: a bug, reported
    /// rather than written.
    #[error("internal error: the starter files do not pass check:\n{0}")]
    Unchecked(InputError),
}

/// Write the starter model and scenario file into `request.dir`.
pub fn init(request: &InitRequest) -> Result<Initialized, Error> {
    let dir = &request.dir;
    refuse_to_overwrite(dir, request.force)?;
    let table = match &request.from_csv {
        Some(csv) => table::read_user(csv)?,
        None => table::starter(),
    };
    let starter = render::render(&table);
    place::place(dir, &[(MODEL_FILE, &starter.model), (SCENARIO_FILE, &starter.plan)], |staged| {
        crate::validate::load_case(&staged.join(SCENARIO_FILE)).map(|_| ()).map_err(|e| InitError::Unchecked(e).into())
    })?;
    Ok(Initialized { model: named(dir, MODEL_FILE), scenario: named(dir, SCENARIO_FILE), warnings: table.warnings })
}

/// Refuse, before any work, a target folder that is a file, a starter file
/// that is a folder, and without `force` a starter file that exists.
fn refuse_to_overwrite(dir: &Path, force: bool) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(InputError::one(Diagnostic::new(dir, "", "exists and is not a folder")).into());
    }
    let mut problems = Vec::new();
    for file in [MODEL_FILE, SCENARIO_FILE] {
        let path = named(dir, file);
        if path.is_dir() {
            problems.push(Diagnostic::new(&path, "", "exists and is a folder; move it away or choose another folder"));
        } else if !force && std::fs::symlink_metadata(&path).is_ok() {
            problems.push(Diagnostic::new(
                &path,
                "",
                "exists already; costcast init does not overwrite it (--force replaces it)",
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(InputError { diagnostics: problems }.into()) }
}

/// `file` inside `dir`, without a leading `./` for the current folder.
fn named(dir: &Path, file: &str) -> PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") { PathBuf::from(file) } else { dir.join(file) }
}

/// `word` as one shell word: as it is when it needs no quoting, else in
/// single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_what_a_shell_would_split() {
        let done = |p: &str| Initialized { model: PathBuf::new(), scenario: PathBuf::from(p), warnings: Vec::new() };
        assert_eq!(
            done("plan/scenarios/starter-plan.toml").next_commands()[0],
            "costcast check plan/scenarios/starter-plan.toml"
        );
        assert_eq!(done("my plan/x.toml").next_commands()[1], "costcast run 'my plan/x.toml'");
        assert_eq!(done("it's/x.toml").next_commands()[1], r"costcast run 'it'\''s/x.toml'");
    }

    #[test]
    fn the_current_folder_is_not_spelled_out() {
        assert_eq!(named(Path::new("."), SCENARIO_FILE), PathBuf::from("scenarios/starter-plan.toml"));
        assert_eq!(named(Path::new("a"), MODEL_FILE), PathBuf::from("a/models/starter.toml"));
    }

    #[test]
    fn the_starter_passes_check_without_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let done = init(&InitRequest { dir: dir.path().to_path_buf(), from_csv: None, force: false }).unwrap();
        let case = crate::validate::load_case(&done.scenario).expect("the starter checks");
        assert!(case.warnings.is_empty(), "{:?}", case.warnings);
        assert_eq!(case.value.model.channels.len(), 3);
        assert_eq!((case.value.initiatives.len(), case.value.scenarios.len()), (2, 2));
    }
}
