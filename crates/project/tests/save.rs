//! The project's atomic writer on real files: a save replaces exactly the
//! version it loaded, keeps the file's mode, follows symlinks, never
//! clobbers a new path, leaves no temporary files, and uses temporary names
//! that concurrent saves do not share.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use weir_project::{ContentHash, Expected, Project, SaveError, save_file};

const NOTEBOOK: &str = "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\nif __name__ == \"__main__\":\n    app.run()\n";

fn fresh_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-save-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn edited(project: &mut Project) {
    project.edit_cell(0, "x = 2".to_string());
}

#[test]
fn a_save_after_load_writes_and_tracks_the_new_version() {
    let dir = fresh_dir("plain");
    let path = dir.join("nb.py");
    std::fs::write(&path, NOTEBOOK).unwrap();
    let mut project = Project::load(&path).unwrap();
    assert_eq!(
        project.disk_version(),
        Some(ContentHash::of(NOTEBOOK.as_bytes()))
    );
    edited(&mut project);
    let version = project.save(&path).unwrap();
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(on_disk.contains("x = 2"), "{on_disk}");
    assert_eq!(version, ContentHash::of(on_disk.as_bytes()));
    // A second save builds on the first: no false "changed on disk".
    project.save(&path).unwrap();
    assert_eq!(entries(&dir), ["nb.py"], "no temporary file left");
}

#[test]
fn a_save_is_refused_after_an_outside_change_and_the_outside_text_is_kept() {
    let dir = fresh_dir("outside");
    let path = dir.join("nb.py");
    std::fs::write(&path, NOTEBOOK).unwrap();
    let mut project = Project::load(&path).unwrap();
    let outside = NOTEBOOK.replace("x = 1", "x = 99  # another editor");
    std::fs::write(&path, &outside).unwrap();
    edited(&mut project);
    let err = project.save(&path).unwrap_err();
    match &err {
        SaveError::ChangedOnDisk {
            expected, found, ..
        } => {
            assert_eq!(*expected, ContentHash::of(NOTEBOOK.as_bytes()));
            assert_eq!(*found, Some(ContentHash::of(outside.as_bytes())));
        }
        other => panic!("expected ChangedOnDisk, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("nb.py") && text.contains("changed on disk"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), outside);
    assert_eq!(entries(&dir), ["nb.py"]);
    // The person chose to keep their version: overwrite is explicit.
    project.save_as(&path, true).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("x = 2"));
}

#[test]
fn a_save_is_refused_when_the_file_was_deleted_since_loading() {
    let dir = fresh_dir("deleted");
    let path = dir.join("nb.py");
    std::fs::write(&path, NOTEBOOK).unwrap();
    let mut project = Project::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    match project.save(&path) {
        Err(SaveError::ChangedOnDisk { found: None, .. }) => {}
        other => panic!("expected ChangedOnDisk with no file, got {other:?}"),
    }
    assert!(!path.exists());
}

#[test]
fn the_file_mode_is_kept() {
    let dir = fresh_dir("mode");
    let path = dir.join("nb.py");
    std::fs::write(&path, NOTEBOOK).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut project = Project::load(&path).unwrap();
    edited(&mut project);
    project.save(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let dir = fresh_dir("link");
    let real = dir.join("real.py");
    let link = dir.join("nb.py");
    std::fs::write(&real, NOTEBOOK).unwrap();
    std::os::unix::fs::symlink("real.py", &link).unwrap();
    let mut project = Project::load(&link).unwrap();
    edited(&mut project);
    project.save(&link).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("x = 2"));
}

#[test]
fn a_new_notebook_never_replaces_an_existing_file() {
    let dir = fresh_dir("new");
    let path = dir.join("nb.py");
    std::fs::write(&path, "precious = True\n").unwrap();
    let mut project = Project::new(weir_notebook::Notebook::starter());
    assert!(matches!(
        project.save(&path),
        Err(SaveError::AlreadyExists { .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious = True\n");
    assert_eq!(entries(&dir), ["nb.py"]);
    let fresh = dir.join("fresh.py");
    project.save(&fresh).unwrap();
    assert!(Project::load(&fresh).is_ok());
}

#[test]
fn concurrent_saves_in_one_directory_do_not_share_temporary_files() {
    // The old writer named its temporary file after the process id only:
    // two saves from one process (an editor with two notebooks open) in one
    // directory wrote into the same temporary file.
    let dir = fresh_dir("concurrent");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                for round in 0..25 {
                    let content = format!("thread {t} round {round}\n").repeat(200);
                    let path = dir.join(format!("f{t}.txt"));
                    save_file(&path, content.as_bytes(), Expected::Anything).unwrap();
                    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(entries(&dir).len(), 8, "{:?}", entries(&dir));
}
