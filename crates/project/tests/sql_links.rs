//! SQL references resolve to defining cells as marimo 0.25.2 resolves them
//! when it loads a notebook: by table name and qualification, by attached
//! catalog, never from a SQL table to a Python reader.

use weir_graph::CellId;
use weir_project::Project;

fn project(cells: &[&str]) -> Project {
    let mut source = String::from("import marimo\n\napp = marimo.App()\n\n");
    for code in cells {
        source.push_str("\n@app.cell\ndef _():\n");
        for line in code.lines() {
            source.push_str(&format!("    {line}\n"));
        }
        source.push_str("    return\n\n");
    }
    Project::from_source(&source).unwrap()
}

/// Parents of every cell, as notebook indices.
fn parents(p: &Project) -> Vec<Vec<usize>> {
    (0..p.cells().len())
        .map(|i| {
            let mut v: Vec<usize> = p
                .graph()
                .parents(p.cell_id(i))
                .into_iter()
                .filter_map(|id: CellId| p.index_of(id))
                .collect();
            v.sort_unstable();
            v
        })
        .collect()
}

fn sql(query: &str) -> String {
    format!("_ = mo.sql(\"{query}\")")
}

#[test]
fn attach_as_defines_the_catalog_that_qualified_refs_read() {
    let p = project(&[
        &sql("ATTACH 'warehouse.db' AS wh"),
        &sql("SELECT * FROM wh.main.orders"),
        &sql("SELECT * FROM wh.orders"),
        &sql("SELECT * FROM other.main.orders"),
        // A catalog is not a table: an unqualified ref does not read it.
        &sql("SELECT * FROM wh"),
        // Nor is it a Python variable.
        "print(wh)",
    ]);
    assert_eq!(
        parents(&p),
        [vec![], vec![0], vec![0], vec![], vec![], vec![]]
    );
    let a = p.analysis(0);
    assert!(a.defs.contains("wh"));
}

#[test]
fn attach_without_as_names_the_catalog_after_the_file() {
    let p = project(&[
        &sql("ATTACH 'my_db.db'"),
        &sql("SELECT * FROM my_db.my_table"),
    ]);
    assert_eq!(parents(&p), [vec![], vec![0]]);
}

#[test]
fn qualified_refs_read_tables_by_name_and_qualification() {
    let p = project(&[
        &sql("CREATE TABLE schema_one.orders (id INT)"), // 0
        &sql("CREATE TABLE schema_two.items (id INT)"),  // 1
        &sql("CREATE TABLE cat.sch.events (id INT)"),    // 2
        &sql("SELECT * FROM orders"),                    // 3: 0
        &sql("SELECT * FROM schema_one.orders"),         // 4: 0
        &sql("SELECT * FROM schema_one.items"),          // 5: none
        &sql("SELECT * FROM cat.sch.events"),            // 6: 2
        &sql("SELECT * FROM other.sch.events"),          // 7: none
        &sql("SELECT * FROM cat.other.events"),          // 8: none
        &sql("SELECT * FROM sch.events"),                // 9: none (3-part def)
        &sql("SELECT * FROM x.schema_one.orders"),       // 10: 0
        &sql("SELECT * FROM cat.sch.events_suffix"),     // 11: none
    ]);
    let got = parents(&p);
    let expected: Vec<Vec<usize>> = vec![
        vec![],
        vec![],
        vec![],
        vec![0],
        vec![0],
        vec![],
        vec![2],
        vec![],
        vec![],
        vec![],
        vec![0],
        vec![],
    ];
    assert_eq!(got, expected);
}

#[test]
fn an_unqualified_table_satisfies_qualified_refs() {
    let p = project(&[
        &sql("CREATE TABLE t (id INT)"),
        &sql("SELECT * FROM s.t"),
        &sql("SELECT * FROM c.s.t"),
        &sql("CREATE VIEW s.v AS SELECT * FROM s.t"),
        &sql("SELECT * FROM c.s.v"),
    ]);
    assert_eq!(parents(&p), [vec![], vec![0], vec![0], vec![0], vec![3]]);
}

#[test]
fn python_data_frames_reach_sql_but_sql_tables_do_not_reach_python() {
    let p = project(&[
        "df = pd.DataFrame()",
        &sql("SELECT * FROM df"),
        "result = mo.sql(f\"SELECT * FROM my_schema.df WHERE x > {limit}\")",
        "summary = mo.sql(\"CREATE TABLE summary AS SELECT 1\")\nt1 = 1",
        &sql("CREATE TABLE t2 AS SELECT * FROM df"),
        "print(t2)",
        "print(summary, result)",
        "limit = 3",
    ]);
    assert_eq!(
        parents(&p),
        [
            vec![],
            vec![0],
            vec![7],
            vec![],
            vec![0],
            vec![],
            vec![2, 3],
            vec![],
        ]
    );
}

#[test]
fn schema_definitions_link_nothing() {
    // marimo's loader matches a `CREATE SCHEMA` to no reference.
    let p = project(&[
        &sql("CREATE SCHEMA staging"),
        &sql("CREATE TABLE staging.t (id INT)"),
        &sql("SELECT * FROM staging.t"),
    ]);
    assert_eq!(parents(&p), [vec![], vec![], vec![1]]);
}

#[test]
fn sql_definitions_clash_by_qualified_name() {
    let p = project(&[
        &sql("CREATE TABLE s1.t (id INT)"),
        &sql("CREATE TABLE s2.t (id INT)"),
        "t = 1",
    ]);
    assert!(p.graph().multiply_defined().is_empty());
    let p = project(&[
        &sql("CREATE TABLE s1.t (id INT)"),
        &sql("CREATE OR REPLACE TABLE S1.T AS SELECT 2"),
    ]);
    let multi = p.graph().multiply_defined();
    assert_eq!(multi.len(), 1);
    assert_eq!(multi[0].name, "s1.t");
    let p = project(&[&sql("CREATE TABLE t (id INT)"), "t = 1"]);
    let multi = p.graph().multiply_defined();
    assert_eq!(multi.len(), 1);
    assert_eq!(multi[0].name, "t");
}

#[test]
fn edits_keep_sql_links_equal_to_a_fresh_load() {
    let mut p = project(&[
        &sql("SELECT * FROM wh.main.orders"),
        &sql("CREATE TABLE main.orders (id INT)"),
        "x = 1",
    ]);
    assert_eq!(parents(&p), [vec![1], vec![], vec![]]);
    p.edit_cell(2, sql("ATTACH 'a.db' AS wh"));
    p.graph().assert_invariants();
    assert_eq!(parents(&p), [vec![1, 2], vec![], vec![]]);
    p.edit_cell(1, sql("CREATE TABLE other.orders (id INT)"));
    assert_eq!(parents(&p), [vec![2], vec![], vec![]]);
    let fresh = Project::from_source(&p.to_source()).unwrap();
    assert_eq!(parents(&fresh), parents(&p));
}

#[test]
fn qualified_sql_refs_are_not_cell_parameters() {
    // `wh.orders` is no Python name: writing it as a parameter would make
    // the file unparsable.
    let p = project(&["import marimo as mo", &sql("SELECT * FROM wh.orders")]);
    let signatures = p.signatures();
    assert_eq!(signatures[1].params, ["mo"]);
    let again = Project::from_source(&p.to_source()).unwrap();
    assert!(again.analyses().iter().all(|a| a.error.is_none()));
}
