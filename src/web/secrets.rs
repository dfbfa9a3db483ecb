//! Secrets generated on first start into the data directory, readable only by us.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Reads `dir/name` (hex), or creates it with `len` random bytes and mode 0600.
pub fn load_or_create(dir: &Path, name: &str, len: usize) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    match fs::read_to_string(&path) {
        Ok(text) => hex::decode(text.trim())
            .map_err(|e| format!("{} is not a valid key file: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(hex::encode(&bytes).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            log::info!("generated a new key in {}", path.display());
            Ok(bytes)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
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
}
