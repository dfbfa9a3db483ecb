//! Secrets generated on first start into the data directory, readable only by us.
//!
//! Several instances may start together on one data directory, so a key file
//! appears whole or not at all: it is written under a name of its own, then
//! linked into place; whoever links second reads the winner's key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads `dir/name` (hex), or creates it with `len` random bytes and mode 0600.
pub fn load_or_create(dir: &Path, name: &str, len: usize) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    if let Some(bytes) = read_key(&path)? {
        return Ok(bytes);
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    let tmp = write_private_temp(&path, &hex::encode(&bytes))?;
    let linked = fs::hard_link(&tmp, &path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            log::info!("generated a new key in {}", path.display());
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(&path)?
            .ok_or_else(|| format!("{} vanished while being created", path.display())),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Replaces `path` with `text` atomically (mode 0600): readers see the old
/// content or the new, never a part.
pub fn replace_private(path: &Path, text: &str) -> Result<(), String> {
    let tmp = write_private_temp(path, text)?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })
}

fn read_key(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match fs::read_to_string(path) {
        Ok(text) => hex::decode(text.trim())
            .map(Some)
            .map_err(|e| format!("{} is not a valid key file: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes `text` to a fresh file beside `path`, named for this writer alone,
/// synced to disk, with mode 0600.
fn write_private_temp(path: &Path, text: &str) -> Result<PathBuf, String> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let tmp = path.with_file_name(name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("cannot write {}: {e}", tmp.display())
        })?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    #[test]
    fn created_once_then_reused_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::load_or_create(dir.path(), "k.key", 32).unwrap();
        let b = super::load_or_create(dir.path(), "k.key", 32).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn writers_racing_on_one_directory_all_get_the_same_key_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
            let racers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| super::load_or_create(dir.path(), "k.key", 32).unwrap()))
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| k == &keys[0]), "one key for all");
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, vec![std::ffi::OsString::from("k.key")]);
    }
}
