//! The folder on disk: reading its files into `RoadmapFile`s and writing an export back out.
use std::collections::HashSet;
use std::path::Path;

use super::{RoadmapFile, CONTENT_DIR, ROADMAP_FILE, TREE_FILE};

/// Files of a folder on disk, as `RoadmapFile`s with `/`-separated relative paths.
pub fn read_dir(dir: &Path) -> Result<Vec<RoadmapFile>, String> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut Vec<RoadmapFile>,
        depth: usize,
    ) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                // The format nests one level (`content/`); deeper folders are not ours to read.
                if depth < 2 {
                    walk(root, &path, out, depth + 1)?;
                }
            } else if name.ends_with(".md") || name == TREE_FILE {
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let rel = path
                    .strip_prefix(root)
                    .map_err(|e| e.to_string())?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(RoadmapFile { path: rel, content });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out, 0)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Writes the files into `dir`, removing topic files of an earlier export that are gone now.
/// Refuses a non-empty folder that does not look like an export.
pub fn write_dir(dir: &Path, files: &[RoadmapFile]) -> Result<(), String> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let non_empty = entries.next().is_some();
        if non_empty && !dir.join(ROADMAP_FILE).exists() {
            return Err(format!(
                "{} is not empty and holds no roadmap.md: refusing to write into it",
                dir.display()
            ));
        }
        // A renamed or deleted topic would otherwise leave its old file behind, and reading the
        // folder again would refuse it as unlisted.
        let content = dir.join(CONTENT_DIR);
        if content.is_dir() {
            let keep: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
            for entry in std::fs::read_dir(&content).map_err(|e| e.to_string())? {
                let entry = entry.map_err(|e| e.to_string())?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".md") && !keep.contains(&format!("{CONTENT_DIR}/{name}")) {
                    std::fs::remove_file(entry.path())
                        .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                }
            }
        }
    }
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
