//! System tools some tests need (zbarimg, upsd, chromium…). Missing tools make
//! a test say loudly that it was skipped — or fail under `DAICHO_REQUIRE_ALL_TESTS=1`, as in CI.

use std::path::{Path, PathBuf};

/// The tool's path, or `None` after announcing the skip. Panics in CI instead.
pub fn require(tool: &str, candidates: &[&str], test: &str) -> Option<PathBuf> {
    let found = candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| which(tool));
    if found.is_none() {
        skip(test, tool, "install it, or run .ci/run");
    }
    found
}

/// The file a test needs that a one-time step outside cargo installs (`how`), or `None` after
/// announcing the skip. Panics in CI instead.
pub fn require_file(what: &str, path: &Path, how: &str, test: &str) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_owned());
    }
    skip(test, &format!("{what} ({})", path.display()), how);
    None
}

fn skip(test: &str, tool: &str, how: &str) {
    let strict = std::env::var("DAICHO_REQUIRE_ALL_TESTS").is_ok_and(|v| v == "1");
    if strict {
        panic!("{test}: {tool} is required (DAICHO_REQUIRE_ALL_TESTS=1) but not installed: {how}");
    }
    eprintln!("\n*** SKIPPED {test}: {tool} is not installed ({how}) ***\n");
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| Path::new(p).is_file())
}
