//! A cell's analysis as the graph's name sets, SQL's matching rule included.
//!
//! Python names link by equality. SQL names follow marimo's rule
//! (`marimo/_runtime/dataflow/edges.py`, `SQLRef.matches_hierarchical_ref`,
//! as marimo applies it when it loads a notebook):
//!
//! - a table or view created in SQL is not a Python variable: a Python cell
//!   reading `t` is not a child of `CREATE TABLE t`. Python variables do
//!   reach SQL: `FROM df` is a child of `df = ...`.
//! - `FROM t` reads every table or view named `t`, however it was qualified
//!   when created;
//! - `FROM s.t` reads a table created as `t` or `s.t` (DuckDB takes a single
//!   qualifier as a catalog or a schema), and the catalog `s`
//!   (`ATTACH ... AS s`);
//! - `FROM c.s.t` reads a table created as `t`, `s.t`, `c.t` or `c.s.t`, and
//!   the catalog `c`;
//! - `CREATE SCHEMA s` links nothing (marimo's loader matches a schema
//!   definition to no reference).
//!
//! The graph knows only name sets, so each side of this rule becomes *link
//! keys*: a SQL definition provides the keys of the references it satisfies,
//! a SQL reference reads the keys it can be satisfied by, and an edge exists
//! exactly when the two share a key. The keys carry a control character no
//! Python name or SQL reference string contains. SQL definitions also enter
//! the graph as hidden definitions, for multiply-defined: under their name
//! when created unqualified (so `CREATE TABLE t` and `t = 1` clash, as in
//! marimo), under their qualified name otherwise (`s1.t` and `s2.t` are
//! different tables).

use std::collections::BTreeSet;

use weir_analysis::{CellAnalysis, SqlDef, SqlKind, SqlRef};
use weir_graph::CellDeps;

/// A cell that does not compile takes no part in the graph: its names
/// resolve nowhere, as in marimo.
pub(crate) fn graph_deps(analysis: &CellAnalysis) -> CellDeps {
    if analysis.error.is_some() {
        return CellDeps::default();
    }
    let mut deps = CellDeps {
        defs: analysis
            .defs
            .iter()
            .filter(|name| !analysis.sql_defs.contains_key(*name))
            .cloned()
            .collect(),
        reads: analysis
            .refs
            .iter()
            .chain(&analysis.builtin_refs)
            .cloned()
            .collect(),
        deletes: analysis.deleted_refs.clone(),
        ..CellDeps::default()
    };
    for (name, def) in &analysis.sql_defs {
        deps.provides.extend(def_keys(def));
        let identity = match def.kind {
            SqlKind::Table | SqlKind::View if def.qualified != *name => def.qualified.clone(),
            _ => name.clone(),
        };
        deps.hidden_defs.insert(identity);
    }
    for sql_ref in analysis.sql_refs.values() {
        deps.reads.extend(ref_keys(sql_ref));
    }
    deps
}

/// The SQL refs of `child` that `parent` satisfies, as written.
pub(crate) fn sql_links(parent: &CellAnalysis, child: &CellAnalysis) -> Vec<String> {
    if parent.error.is_some() || child.error.is_some() {
        return Vec::new();
    }
    let provided: BTreeSet<String> = parent.sql_defs.values().flat_map(def_keys).collect();
    child
        .sql_refs
        .iter()
        .filter(|(_, r)| ref_keys(r).iter().any(|k| provided.contains(k)))
        .map(|(written, _)| written.clone())
        .collect()
}

/// Whether `parent` satisfies `child`'s reference `name`: it defines the
/// Python variable, or creates or attaches what the SQL reference names.
pub(crate) fn satisfies(parent: &CellAnalysis, child: &CellAnalysis, name: &str) -> bool {
    let python_def = parent.defs.contains(name) && !parent.sql_defs.contains_key(name);
    python_def || sql_links(parent, child).iter().any(|r| r == name)
}

fn key(kind: &str, name: &str) -> String {
    format!("\u{1f}sql:{kind}\u{1f}{}", name.to_lowercase())
}

/// Keys of the references a definition satisfies.
fn def_keys(def: &SqlDef) -> Vec<String> {
    let parts = def.parts();
    match (def.kind, parts.as_slice()) {
        (SqlKind::Catalog, [name]) => vec![key("catalog", name)],
        (SqlKind::Table | SqlKind::View, [.., table]) => {
            let mut keys = vec![key("table", table)];
            match parts.len() {
                1 => keys.push(key("unqualified", table)),
                2 => keys.push(key("qualified", &def.qualified)),
                3 => keys.push(key("full", &def.qualified)),
                _ => {}
            }
            keys
        }
        _ => Vec::new(),
    }
}

/// Keys a reference can be satisfied by.
fn ref_keys(sql_ref: &SqlRef) -> Vec<String> {
    match sql_ref.parts.as_slice() {
        [table] => vec![key("table", table)],
        [qualifier, table] => vec![
            key("unqualified", table),
            key("qualified", &format!("{qualifier}.{table}")),
            key("catalog", qualifier),
        ],
        [catalog, schema, table] => vec![
            key("unqualified", table),
            key("qualified", &format!("{schema}.{table}")),
            key("qualified", &format!("{catalog}.{table}")),
            key("full", &format!("{catalog}.{schema}.{table}")),
            key("catalog", catalog),
        ],
        _ => Vec::new(),
    }
}
