use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use weir_project::Project;

/// Loading here is what `weir check` does minus printing: read the file,
/// parse the format, analyse every cell, build the graph, compute the run
/// order. Medians over `repeat` runs; the edit alternates between two versions of
/// the middle cell's code so each one really changes it.
pub fn run(path: &Path, repeat: usize) -> anyhow::Result<ExitCode> {
    if repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let mut load_ms = Vec::with_capacity(repeat);
    let mut parse_ms = Vec::with_capacity(repeat);
    let mut project = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let source = std::fs::read_to_string(path)?;
        let notebook = weir_notebook::parse(&source)?;
        parse_ms.push(start.elapsed().as_secs_f64() * 1e3);
        let loaded = Project::new(notebook);
        let _order = loaded.graph().run_order(loaded.graph().order()).len();
        load_ms.push(start.elapsed().as_secs_f64() * 1e3);
        project = Some(loaded);
    }
    let mut project: Project = project.expect("repeat >= 1");
    let cells = project.cells().len();
    if cells == 0 {
        bail!("{}: has no cells to edit", path.display());
    }
    let middle = cells / 2;
    let original = project.cells()[middle].code.clone();
    let variant = format!("{original}\n# edited");
    let mut edit_us = Vec::with_capacity(repeat * 10);
    for round in 0..repeat * 10 {
        let code = if round % 2 == 0 {
            variant.clone()
        } else {
            original.clone()
        };
        let start = Instant::now();
        project.edit_cell(middle, code);
        edit_us.push(start.elapsed().as_secs_f64() * 1e6);
    }
    let report = serde_json::json!({
        "path": path.display().to_string(),
        "cells": cells,
        "repeat": repeat,
        "load_ms_median": median(&mut load_ms),
        "file_parse_ms_median": median(&mut parse_ms),
        "load_ms_min": load_ms.iter().cloned().fold(f64::INFINITY, f64::min),
        "edit_us_median": median(&mut edit_us),
    });
    outln!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}
