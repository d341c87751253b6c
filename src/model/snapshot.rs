//! Snapshot files: the metadata the checks need, written as a DHIS2 metadata JSON so
//! that CI can check offline and a reviewer can diff two snapshots.

use std::io::Write;
use std::path::Path;

use super::Metadata;

/// Write `metadata` to `path` (sorted, pretty-printed), replacing the file atomically so
/// an interrupted run never leaves half a snapshot behind.
pub fn write_snapshot(metadata: &Metadata, path: &Path) -> std::io::Result<()> {
    let mut sorted = metadata.clone();
    sorted.sort();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot.json".into());
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        serde_json::to_writer_pretty(&mut out, &sorted)?;
        out.write_all(b"\n")?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
