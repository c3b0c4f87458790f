//! Noticing outside changes to an open notebook's file (another editor,
//! `git checkout`). The directory is watched, not the file: a save by
//! rename replaces the file's inode, and a watch on the old one would go
//! quiet. Each event naming the file makes the notebook compare the file's
//! hash with what it last loaded or saved (under its operation lock, so
//! its own saves are never reported). Events that only read the file are
//! ignored: the comparison reads it, and would otherwise wake itself.

use std::path::{Path, PathBuf};
use std::sync::Weak;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::notebook::Notebook;

/// A watcher on `path`'s directory and the stream of its events for
/// `path`; `None`s when the platform refuses (the editor still works, it
/// only cannot warn before a save is refused).
pub fn watch(
    path: &Path,
) -> (
    Option<notify::RecommendedWatcher>,
    Option<mpsc::UnboundedReceiver<()>>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let name = path.file_name().map(|n| n.to_os_string());
    let dir: PathBuf = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let handler = move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && may_change_content(&event.kind)
            && event
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
        {
            let _ = tx.send(());
        }
    };
    let watcher = notify::recommended_watcher(handler).and_then(|mut w| {
        w.watch(&dir, RecursiveMode::NonRecursive)?;
        Ok(w)
    });
    match watcher {
        Ok(w) => (Some(w), Some(rx)),
        Err(e) => {
            eprintln!(
                "weir: warning: {}: cannot watch for outside changes: {e}",
                path.display()
            );
            (None, None)
        }
    }
}

/// Whether an event of this kind can mean the file's bytes changed. Reads
/// are events too (inotify's open, access and close-without-write), and
/// the check itself reads the file: reacting to those would check forever.
fn may_change_content(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Checks the file after each burst of events, while the notebook lives.
pub fn spawn_checker(notebook: Weak<Notebook>, mut changes: mpsc::UnboundedReceiver<()>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        while changes.recv().await.is_some() {
            while changes.try_recv().is_ok() {}
            let Some(notebook) = notebook.upgrade() else {
                return;
            };
            let _guard = notebook.op.lock().await;
            let checked = std::sync::Arc::clone(&notebook);
            let _ = tokio::task::spawn_blocking(move || checked.check_disk()).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RemoveKind, RenameMode};

    #[test]
    fn reading_the_file_is_not_a_change_but_writing_renaming_and_removing_are() {
        for read in [
            AccessKind::Open(AccessMode::Any),
            AccessKind::Read,
            AccessKind::Close(AccessMode::Read),
            AccessKind::Any,
        ] {
            assert!(!may_change_content(&EventKind::Access(read)), "{read:?}");
        }
        for change in [
            EventKind::Modify(ModifyKind::Any),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Create(CreateKind::File),
            EventKind::Remove(RemoveKind::File),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Any,
        ] {
            assert!(may_change_content(&change), "{change:?}");
        }
    }
}
