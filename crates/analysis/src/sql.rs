//! Table names read and created by the SQL string of a `mo.sql(...)` call.
//!
//! marimo uses DuckDB + sqlglot for this; Weir parses with `sqlparser`'s
//! DuckDB dialect and walks the AST:
//! - `CREATE TABLE` / `CREATE VIEW` names are defs (the last name part,
//!   lower-cased); `CREATE SCHEMA` defines the schema name, `ATTACH` the
//!   catalog name.
//! - Every table in a `FROM`/`JOIN` (at any depth, subqueries included) is a
//!   ref, qualified as written and lower-cased (`db.schema.tbl`), except
//!   references to a CTE that is in scope, table functions
//!   (`read_csv(...)`), and names that look like files or URLs.
//! - `INSERT INTO t`, `DROP TABLE t`, `COPY t`, `DESCRIBE t` ref `t`.
//! - SQL that does not parse contributes nothing.

use std::ops::ControlFlow;

use ruff_python_ast::{self as ast, Expr, FStringPart, InterpolatedStringElement};
use ruff_text_size::Ranged;
use sqlparser::ast::{
    CopySource, ObjectName, ObjectType, Query, SchemaName, Statement, TableFactor, TableObject,
    Visit, Visitor,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;

/// File-like table names are skipped, as marimo does, to avoid bogus edges.
const FILE_EXTENSIONS: [&str; 7] = [".csv", ".parquet", ".json", ".txt", ".db", ".tsv", ".xlsx"];

/// What a SQL statement creates, as marimo classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlKind {
    Table,
    View,
    Schema,
    Catalog,
}

/// A name a SQL statement creates. The cell defines `name`; `qualified` is
/// how the statement named it: for tables and views the name parts as
/// written, lower-cased (`CREATE TABLE S.T` → `s.t`), for schemas and
/// catalogs the name itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlDef {
    pub kind: SqlKind,
    pub qualified: String,
}

impl SqlDef {
    /// The qualified name's parts (`["s", "t"]` for `s.t`).
    pub fn parts(&self) -> Vec<&str> {
        match self.kind {
            SqlKind::Table | SqlKind::View => self.qualified.split('.').collect(),
            SqlKind::Schema | SqlKind::Catalog => vec![&self.qualified],
        }
    }
}

/// A table reference read by a SQL query: its name parts, lower-cased, as
/// written (`[table]`, `[schema, table]`, `[catalog, schema, table]`).
/// The ref itself (in [`crate::CellAnalysis::refs`]) is the parts joined
/// with dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlRef {
    pub parts: Vec<String>,
}

/// Names one SQL statement creates and reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct StatementNames {
    /// Python-level defs (`CREATE TABLE db.s.t` defines `t`) and what they are.
    pub defs: Vec<(String, SqlDef)>,
    /// Qualified names created, so later refs to them are skipped.
    pub created: Vec<String>,
    /// Table refs: name parts, lower-cased.
    pub refs: Vec<Vec<String>>,
}

/// Analyse a query string; unparsable SQL yields nothing.
pub(crate) fn analyze(sql: &str) -> Vec<StatementNames> {
    let Ok(statements) = Parser::parse_sql(&DuckDbDialect {}, sql) else {
        return Vec::new();
    };
    statements.iter().map(statement_names).collect()
}

fn statement_names(statement: &Statement) -> StatementNames {
    let mut names = StatementNames::default();
    match statement {
        Statement::CreateTable(create) => names.add_created_table(&create.name, SqlKind::Table),
        Statement::CreateView { name, .. } => names.add_created_table(name, SqlKind::View),
        Statement::CreateSchema {
            schema_name: SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _),
            ..
        } => {
            if let Some(last) = name_parts(name).pop() {
                names.add_created(last, SqlKind::Schema);
            }
        }
        Statement::AttachDuckDBDatabase {
            database_path,
            database_alias,
            ..
        } => {
            let catalog = match database_alias {
                Some(alias) => alias.value.clone(),
                None => catalog_from_path(&database_path.value),
            };
            names.add_created(catalog, SqlKind::Catalog);
        }
        _ => {}
    }

    let mut collector = RefCollector::default();
    let _ = statement.visit(&mut collector);
    // Statements whose target table is not a FROM item.
    match statement {
        Statement::Insert(insert) => {
            if let TableObject::TableName(name) = &insert.table {
                collector.table_ref(name);
            }
        }
        Statement::Drop {
            object_type: ObjectType::Table | ObjectType::View,
            names: dropped,
            ..
        } => dropped.iter().for_each(|n| collector.table_ref(n)),
        Statement::Copy {
            source: CopySource::Table { table_name, .. },
            ..
        } => collector.table_ref(table_name),
        Statement::ExplainTable { table_name, .. } => collector.table_ref(table_name),
        _ => {}
    }
    names.refs = collector.refs;
    names
}

impl StatementNames {
    fn add_created_table(&mut self, name: &ObjectName, kind: SqlKind) {
        let parts = name_parts(name);
        if let Some(last) = parts.last() {
            let qualified = parts.join(".").to_lowercase();
            self.defs.push((
                last.to_lowercase(),
                SqlDef {
                    kind,
                    qualified: qualified.clone(),
                },
            ));
            self.created.push(qualified);
        }
    }

    /// Schemas and catalogs keep their case, as in marimo.
    fn add_created(&mut self, name: String, kind: SqlKind) {
        self.defs.push((
            name.clone(),
            SqlDef {
                kind,
                qualified: name.clone(),
            },
        ));
        self.created.push(name);
    }
}

/// marimo: `ATTACH 'file.db'` defines `file`, `ATTACH 'md:my_db'` `my_db`.
fn catalog_from_path(path: &str) -> String {
    let mut name = path;
    if let Some((stem, _)) = name.split_once('.') {
        name = stem;
    }
    if let Some((_, rest)) = name.split_once(':') {
        name = rest.split(':').next().unwrap_or(rest);
    }
    name.to_string()
}

fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .filter_map(|part| part.as_ident().map(|ident| ident.value.clone()))
        .collect()
}

#[derive(Default)]
struct RefCollector {
    /// CTE names visible at the current point, one entry per open query.
    ctes: Vec<Vec<String>>,
    refs: Vec<Vec<String>>,
}

impl RefCollector {
    fn table_ref(&mut self, name: &ObjectName) {
        let parts = name_parts(name);
        let Some(table) = parts.last() else { return };
        let table_lower = table.to_lowercase();
        if table.contains("://") || FILE_EXTENSIONS.iter().any(|ext| table_lower.ends_with(ext)) {
            return;
        }
        if parts.len() == 1 && self.ctes.iter().flatten().any(|cte| *cte == table_lower) {
            return;
        }
        let parts: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
        if !self.refs.contains(&parts) {
            self.refs.push(parts);
        }
    }
}

impl Visitor for RefCollector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let names = query
            .with
            .as_ref()
            .map(|with| {
                with.cte_tables
                    .iter()
                    .map(|cte| cte.alias.name.value.to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        self.ctes.push(names);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.ctes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        // `args: Some(..)` is a table function such as `read_csv('x.csv')`.
        if let TableFactor::Table {
            name, args: None, ..
        } = factor
        {
            self.table_ref(name);
        }
        ControlFlow::Continue(())
    }
}

/// The SQL text of an f-string with every replacement field replaced by a
/// placeholder, like marimo's `normalize_sql_f_string`: constants print as
/// themselves, anything else becomes `1` (valid in most SQL positions).
pub(crate) fn normalize_f_string(value: &ast::FStringValue, code: &str) -> String {
    let mut out = String::new();
    for part in value {
        match part {
            FStringPart::Literal(literal) => out.push_str(&literal.value),
            FStringPart::FString(fstring) => {
                for element in &fstring.elements {
                    match element {
                        InterpolatedStringElement::Literal(literal) => out.push_str(&literal.value),
                        InterpolatedStringElement::Interpolation(field) => {
                            push_placeholder(&field.expression, code, &mut out);
                        }
                    }
                }
            }
        }
    }
    out
}

fn push_placeholder(expr: &Expr, code: &str, out: &mut String) {
    match expr {
        Expr::StringLiteral(s) => out.push_str(s.value.to_str()),
        Expr::NumberLiteral(n) => out.push_str(code.get(n.range().to_std_range()).unwrap_or("1")),
        Expr::BooleanLiteral(b) => out.push_str(if b.value { "True" } else { "False" }),
        Expr::NoneLiteral(_) => out.push_str("None"),
        Expr::EllipsisLiteral(_) => out.push_str("Ellipsis"),
        Expr::FString(f) => out.push_str(&normalize_f_string(&f.value, code)),
        _ => out.push('1'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(sql: &str) -> Vec<String> {
        let mut all: Vec<String> = analyze(sql)
            .into_iter()
            .flat_map(|s| s.refs)
            .map(|parts| parts.join("."))
            .collect();
        all.sort();
        all
    }

    #[test]
    fn selects_joins_subqueries() {
        assert_eq!(refs("SELECT * FROM a JOIN b ON a.id = b.id"), ["a", "b"]);
        assert_eq!(
            refs("SELECT * FROM a WHERE x IN (SELECT y FROM c)"),
            ["a", "c"]
        );
        assert_eq!(refs("SELECT * FROM Db.Schema.Tbl"), ["db.schema.tbl"]);
    }

    #[test]
    fn ctes_and_table_functions_are_not_refs() {
        assert_eq!(
            refs("WITH c AS (SELECT * FROM raw) SELECT * FROM c"),
            ["raw"]
        );
        assert!(refs("SELECT * FROM read_csv('data.csv')").is_empty());
        assert!(refs("SELECT * FROM \"data.csv\"").is_empty());
    }

    #[test]
    fn creates_and_dml() {
        let def_names = |sql: &str| -> Vec<String> {
            analyze(sql)[0]
                .defs
                .iter()
                .map(|(n, _)| n.clone())
                .collect()
        };
        let s = analyze("CREATE OR REPLACE TABLE Out AS SELECT * FROM src");
        assert_eq!(
            def_names("CREATE OR REPLACE TABLE Out AS SELECT * FROM src"),
            ["out"]
        );
        assert_eq!(s[0].refs, [["src"]]);
        assert_eq!(def_names("CREATE SCHEMA analytics"), ["analytics"]);
        assert_eq!(refs("INSERT INTO t SELECT * FROM s"), ["s", "t"]);
        assert_eq!(refs("DROP TABLE old"), ["old"]);
        assert_eq!(def_names("ATTACH 'warehouse.db'"), ["warehouse"]);
    }

    #[test]
    fn unparsable_sql_adds_nothing() {
        assert!(analyze("SELEC * FROM").is_empty());
    }
}
