//! Lineage keys follow code and inputs, and nothing else.

use weir_project::Project;

fn notebook(cells: &[&str]) -> Project {
    let mut source = String::from("import weir\n\napp = weir.App()\n\n\n");
    for code in cells {
        let body: String = code.lines().map(|l| format!("    {l}\n")).collect();
        source.push_str(&format!("@app.cell\ndef _():\n{body}    return\n\n\n"));
    }
    Project::from_source(&source).unwrap()
}

const SALT: &[u8] = b"python 3.11.7";

#[test]
fn keys_change_with_code_and_ancestors_only() {
    let base = notebook(&["a = 1", "b = a + 1", "c = 5", "d = b * c"]).lineage_keys(SALT);
    assert!(base.iter().all(Option::is_some));

    // Comments and formatting in an ancestor change no key.
    let reformatted =
        notebook(&["# one\na  =  1", "b = a + 1", "c = 5", "d = b * c"]).lineage_keys(SALT);
    assert_eq!(base, reformatted);

    // Changing `a` changes `a`, `b` and `d`, but not the unrelated `c`.
    let edited = notebook(&["a = 2", "b = a + 1", "c = 5", "d = b * c"]).lineage_keys(SALT);
    assert_ne!(base[0], edited[0]);
    assert_ne!(base[1], edited[1]);
    assert_eq!(base[2], edited[2]);
    assert_ne!(base[3], edited[3]);

    // The environment is part of the key.
    let other_python =
        notebook(&["a = 1", "b = a + 1", "c = 5", "d = b * c"]).lineage_keys(b"python 3.12.1");
    assert!(base.iter().zip(&other_python).all(|(x, y)| x != y));

    // Cell order does not matter, only the dataflow.
    let moved = notebook(&["c = 5", "a = 1", "b = a + 1", "d = b * c"]).lineage_keys(SALT);
    assert_eq!(
        (base[0], base[1], base[2], base[3]),
        (moved[1], moved[2], moved[0], moved[3])
    );
}

#[test]
fn undetermined_lineage_has_no_key() {
    let keys =
        notebook(&["a = 1", "a = 2", "b = a", "x = (", "y = z\nz = y", "c = 3"]).lineage_keys(SALT);
    // `a` is defined twice, so `b` reads an undetermined value; `x = (` does
    // not parse; the keys of the cells defining `a` are still fine.
    assert!(keys[0].is_some() && keys[1].is_some());
    assert_eq!(keys[2], None);
    assert_eq!(keys[3], None);
    assert!(keys[5].is_some());
}

#[test]
fn sql_cells_follow_the_cells_creating_what_they_read() {
    let cells = |create: &str| {
        notebook(&[
            &format!("_ = mo.sql(\"CREATE TABLE orders AS SELECT {create} AS id\")"),
            "df = mo.sql(\"SELECT * FROM main.orders\")",
            "n = len(df)",
        ])
        .lineage_keys(SALT)
    };
    let base = cells("1");
    let edited = cells("2");
    assert!(base.iter().all(Option::is_some));
    assert_ne!(base[0], edited[0]);
    // The query's result depends on the table the edited cell creates.
    assert_ne!(base[1], edited[1]);
    assert_ne!(base[2], edited[2]);
}

#[test]
fn an_element_value_changes_its_readers_keys_and_their_descendants_not_the_creator() {
    let project = notebook(&["s = make()", "y = s.value", "z = y + 1", "w = 2"]);
    let plain = project.lineage_keys(SALT);
    let mut inputs = std::collections::BTreeMap::new();
    inputs.insert("s".to_owned(), b"7".to_vec());
    let seven = project.lineage_keys_with(SALT, &inputs);
    inputs.insert("s".to_owned(), b"8".to_vec());
    let eight = project.lineage_keys_with(SALT, &inputs);
    assert_eq!(
        seven[0], plain[0],
        "the creating cell's key does not change"
    );
    assert_eq!(
        seven[3], plain[3],
        "an unrelated cell's key does not change"
    );
    for i in [1, 2] {
        assert_ne!(seven[i], plain[i], "cell {i}");
        assert_ne!(seven[i], eight[i], "cell {i}");
    }
    assert_eq!(
        project.lineage_keys_with(SALT, &inputs),
        eight,
        "deterministic"
    );
}
