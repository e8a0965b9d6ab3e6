//! Writing a migrated file safely.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;

/// Replaces `path` with `new` atomically (temp file in the same folder,
/// fsync, rename), keeping its permissions. Refuses when the file no longer
/// holds `expected` (it changed since it was read).
pub fn replace_file(path: &Path, expected: &[u8], new: &[u8]) -> Result<()> {
    // Renaming over a symbolic link would replace the link, not write through it.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!("is a symbolic link; not written (migrate its target instead)");
    }
    let current = std::fs::read(path).context("cannot read it again before writing")?;
    if current != expected {
        bail!("changed on disk since it was read; not written");
    }
    let meta = std::fs::metadata(path).context("cannot read its permissions")?;
    if meta.permissions().readonly() {
        bail!("read-only; not written");
    }
    // The rename below needs only the folder to be writable: it would
    // replace a file this user may not write (another owner's).
    if !may_write(path) {
        bail!("not writable by this user; not written");
    }
    let tmp = synced_temp_beside(path, new, meta.permissions())?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .context("cannot rename the temporary file over it")?;
    Ok(())
}

/// Whether this user may write `path` itself, as `access(2)` with `W_OK`
/// says (the owner, group and other bits, ACLs, a read-only mount).
#[cfg(unix)]
fn may_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn may_write(_path: &Path) -> bool {
    true
}

/// A temporary file in `path`'s folder holding `content` with
/// `permissions`, flushed to disk, ready to be renamed into place.
fn synced_temp_beside(
    path: &Path,
    content: &[u8],
    permissions: std::fs::Permissions,
) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".anyio-migrate-")
        .tempfile_in(dir)
        .context("cannot create a temporary file beside it")?;
    tmp.write_all(content)
        .context("cannot write the temporary file")?;
    tmp.as_file()
        .set_permissions(permissions)
        .context("cannot set permissions")?;
    tmp.as_file()
        .sync_all()
        .context("cannot flush the temporary file")?;
    Ok(tmp)
}

/// Creates `path` with `content` atomically; refuses if it exists.
pub fn create_file(path: &Path, content: &[u8]) -> Result<()> {
    if path.exists() {
        bail!("exists already; not created");
    }
    // Default permissions for a new file, not the temporary file's 0600.
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o644)
    };
    #[cfg(not(unix))]
    let permissions = std::fs::metadata(path.parent().unwrap_or(Path::new(".")))
        .context("cannot read permissions")?
        .permissions();
    let tmp = synced_temp_beside(path, content, permissions)?;
    tmp.persist_noclobber(path)
        .map_err(|e| e.error)
        .context("cannot rename the temporary file into place")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.py");
        std::fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).unwrap();
        }
        replace_file(&p, b"old", b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o750
            );
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn refuses_a_file_that_vanished_and_does_not_recreate_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.py");
        let err = replace_file(&p, b"old", b"new").unwrap_err();
        assert!(err.to_string().contains("cannot read it again"), "{err}");
        assert!(!p.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temp file left"
        );
    }

    #[test]
    fn refuses_a_file_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.py");
        std::fs::write(&p, "changed").unwrap();
        let err = replace_file(&p, b"old", b"new").unwrap_err();
        assert!(err.to_string().contains("changed on disk"));
        assert_eq!(std::fs::read(&p).unwrap(), b"changed");
    }
}
