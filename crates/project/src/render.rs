//! The graph drawn as text for people: Mermaid (renders in GitHub and most
//! Markdown viewers) and Graphviz DOT.

use std::fmt::Write;

use crate::Project;

impl Project {
    /// A Mermaid flowchart: one node per cell labelled with its name and
    /// the names it defines, one edge per dependency labelled with the
    /// names that flow along it.
    pub fn to_mermaid(&self) -> String {
        let report = self.graph_report();
        let mut out = String::from("flowchart TD\n");
        for cell in &report.cells {
            let label = node_label(&cell.name, cell.index, &cell.defs, cell.error.is_some());
            let _ = writeln!(out, "    c{}[\"{}\"]", cell.index, mermaid_escape(&label));
        }
        for cell in &report.cells {
            for &parent in &cell.parents {
                let names = self.flowing_names(parent, cell.index).join(", ");
                let _ = writeln!(
                    out,
                    "    c{parent} -->|\"{}\"| c{}",
                    mermaid_escape(&names),
                    cell.index
                );
            }
        }
        for &index in &report.cells_in_cycles {
            let _ = writeln!(out, "    style c{index} stroke:#c00,stroke-width:2px");
        }
        out
    }

    /// A Graphviz digraph with the same content as [`Project::to_mermaid`].
    pub fn to_dot(&self) -> String {
        let report = self.graph_report();
        let mut out = String::from(
            "digraph notebook {\n    rankdir=TB;\n    node [shape=box, fontname=\"monospace\"];\n",
        );
        for cell in &report.cells {
            let label = node_label(&cell.name, cell.index, &cell.defs, cell.error.is_some());
            let color = if report.cells_in_cycles.contains(&cell.index) || cell.error.is_some() {
                ", color=red"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    c{} [label=\"{}\"{color}];",
                cell.index,
                dot_escape(&label)
            );
        }
        for cell in &report.cells {
            for &parent in &cell.parents {
                let names = self.flowing_names(parent, cell.index).join(", ");
                let _ = writeln!(
                    out,
                    "    c{parent} -> c{} [label=\"{}\"];",
                    cell.index,
                    dot_escape(&names)
                );
            }
        }
        out.push_str("}\n");
        out
    }

    /// What an edge carries: the Python names `parent` defines that `child`
    /// reads, the SQL references of `child` that `parent` creates or
    /// attaches (as written: `s.t`), then `del x` for each name `parent`
    /// reads that `child` deletes (a deleting cell runs after the cells
    /// reading the name).
    fn flowing_names(&self, parent: usize, child: usize) -> Vec<String> {
        let parent = self.analysis(parent);
        let child = self.analysis(child);
        let child_reads = child.refs.iter().chain(&child.builtin_refs);
        let mut out: Vec<String> = child_reads
            .filter(|name| parent.defs.contains(*name) && !parent.sql_defs.contains_key(*name))
            .cloned()
            .collect();
        for written in crate::deps::sql_links(parent, child) {
            if !out.contains(&written) {
                out.push(written);
            }
        }
        let parent_reads =
            |name: &&String| parent.refs.contains(*name) || parent.builtin_refs.contains(*name);
        out.extend(
            child
                .deleted_refs
                .iter()
                .filter(parent_reads)
                .map(|name| format!("del {name}")),
        );
        out
    }
}

fn node_label(name: &str, index: usize, defs: &[String], error: bool) -> String {
    let mut label = format!("{index}: {name}");
    if error {
        label.push_str(" (syntax error)");
    } else if !defs.is_empty() {
        label.push_str(" → ");
        label.push_str(&defs.join(", "));
    }
    label
}

fn mermaid_escape(text: &str) -> String {
    // Mermaid has no backslash escapes inside quoted labels; it takes HTML entities.
    text.replace('"', "#quot;")
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
