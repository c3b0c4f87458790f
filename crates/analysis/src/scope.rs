//! The scope walk: a port of marimo's `ScopedVisitor` (marimo 0.25.2).
//!
//! # Blocks
//! A *block* is a scope: the module (block 0), a function, a lambda, a class
//! body or a comprehension. Blocks live in an arena (`blocks`) and know their
//! parent, so a block that was popped can still be recognised as an ancestor
//! of a ref made inside it. `stack` holds the blocks currently open.
//!
//! # Defs and refs
//! - A store defines the name in the current block (or in block 0 when the
//!   block declared it `global`).
//! - A load/del of a name that no open block defines is a *ref*, remembered
//!   together with the block it was made in.
//! - When a block later defines a name, refs to that name made in blocks
//!   *nested inside it* are dropped: they were captures, not reads of another
//!   cell's variable (a function body runs only after the whole cell ran).
//!   Refs made directly in the defining block stay (`x = x + 1` refs `x`).
//!
//! # Visiting order
//! The order in which children are visited decides what is "defined
//! earlier", so it follows marimo exactly, which mostly means Python's `ast`
//! field order: `Assign` visits the value before the targets, but `For`
//! visits the target before the iterable; comprehensions visit each
//! generator's iterable, then its target, then its conditions, then the
//! element; function and class names are defined *after* their signature and
//! body, so `def f(f=f)` and `class Model(Model)` ref nothing.
//!
//! Functions and classes are visited twice, like marimo does: once without
//! the body (signature, decorators, return annotation, bases) and once with
//! the body. Each pass gets its own block, so a decorator's refs are never
//! hidden by names the body binds.
//!
//! # marimo quirks kept on purpose
//! - Class-body names count as defined inside the class's methods (the class
//!   block stays on the stack while its methods are visited).
//! - `except E as e` binds nothing; inside the handler every use of `e` is
//!   ignored (marimo's "obscured" names).
//! - Augmented assignment `x += 1` defines `x` and does not ref it.
//! - Annotations are always analysed, also inside function bodies; string
//!   annotations are strings, so they ref nothing.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::{
    self as ast, Expr, ExprContext, InterpolatedStringElement, InterpolatedStringElements, Pattern,
    Stmt, TypeParam,
};
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::names::{is_private, mangle};
use crate::{Import, line_column, sql};

/// Deep nesting is legal Python; grow the stack instead of overflowing it.
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_GROW: usize = 1024 * 1024;

type Name<'a> = Cow<'a, str>;

/// What the walk found, before builtins are split off.
pub(crate) struct Walk {
    /// Module-level defs, private names removed.
    pub defs: BTreeSet<String>,
    /// The subset of `defs` whose latest definition is a SQL statement's.
    pub sql_defs: BTreeMap<String, sql::SqlDef>,
    /// Refs made by SQL queries (before any Python use in the cell).
    pub sql_refs: BTreeMap<String, sql::SqlRef>,
    /// Every ref with whether any of its uses was a `del`.
    pub refs: Vec<(String, bool)>,
    pub imports: Vec<Import>,
    pub is_sql: bool,
    /// Start of the first `from m import *`, which makes the cell an error.
    pub star_import: Option<TextSize>,
}

/// Walk a parsed cell. `cell_id` is used to mangle `global _x`.
pub(crate) fn walk<'a>(code: &'a str, body: &'a [Stmt], cell_id: &'a str) -> Walk {
    let mut v = ScopeVisitor {
        code,
        cell_id,
        blocks: vec![Block::new(None, false)],
        stack: vec![0],
        refs: FxHashMap::default(),
        obscured: Vec::new(),
        imports: Vec::new(),
        is_sql: false,
        star_import: None,
        sql_defs: FxHashMap::default(),
        sql_refs: FxHashMap::default(),
    };
    v.visit_body(body);
    v.finish()
}

struct Block<'a> {
    parent: Option<usize>,
    defs: FxHashSet<Name<'a>>,
    /// Names this block declared `global` (already mangled if private).
    globals: Vec<Name<'a>>,
    is_comprehension: bool,
}

impl Block<'_> {
    fn new(parent: Option<usize>, is_comprehension: bool) -> Self {
        Block {
            parent,
            defs: FxHashSet::default(),
            globals: Vec::new(),
            is_comprehension,
        }
    }
}

/// One place a ref was made: the block, and whether it was a `del`.
struct RefSite {
    block: usize,
    deleted: bool,
}

struct ScopeVisitor<'a> {
    code: &'a str,
    cell_id: &'a str,
    blocks: Vec<Block<'a>>,
    stack: Vec<usize>,
    refs: FxHashMap<Name<'a>, Vec<RefSite>>,
    /// `except ... as NAME` names whose uses are ignored (innermost last).
    obscured: Vec<Option<&'a str>>,
    imports: Vec<Import>,
    is_sql: bool,
    star_import: Option<TextSize>,
    /// Module-level names whose latest definition is SQL's (a later Python
    /// binding of the name takes it out: marimo keeps a name's last kind).
    sql_defs: FxHashMap<String, sql::SqlDef>,
    /// Refs first made by a SQL query, with their name parts.
    sql_refs: FxHashMap<String, sql::SqlRef>,
}

// ---------------------------------------------------------------------------
// Block and name bookkeeping
// ---------------------------------------------------------------------------
impl<'a> ScopeVisitor<'a> {
    fn current(&self) -> usize {
        self.stack.last().copied().unwrap_or(0)
    }

    fn push_block(&mut self, is_comprehension: bool) {
        let id = self.blocks.len();
        self.blocks
            .push(Block::new(Some(self.current()), is_comprehension));
        self.stack.push(id);
    }

    fn pop_block(&mut self) {
        // Block 0 (the module) is never popped.
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    /// marimo renames private names bound at the top level
    /// (`_x` -> `_cell_<id>_x`); `ignore_scope` mangles at any depth.
    fn mangle_if_private(&self, name: &'a str, ignore_scope: bool) -> Name<'a> {
        if is_private(name) && (self.stack.len() == 1 || ignore_scope) {
            Cow::Owned(mangle(name, self.cell_id))
        } else {
            Cow::Borrowed(name)
        }
    }

    fn is_defined(&self, name: &str) -> bool {
        self.stack
            .iter()
            .any(|&b| self.blocks[b].defs.contains(name))
    }

    fn add_ref(&mut self, name: Name<'a>, deleted: bool) {
        let current = self.current();
        let sites = self.refs.entry(name).or_default();
        match sites.iter_mut().find(|s| s.block == current) {
            Some(site) => site.deleted |= deleted,
            None => sites.push(RefSite {
                block: current,
                deleted,
            }),
        }
    }

    fn is_proper_ancestor(&self, ancestor: usize, mut block: usize) -> bool {
        while let Some(parent) = self.blocks[block].parent {
            if parent == ancestor {
                return true;
            }
            block = parent;
        }
        false
    }

    /// Define `name` in `block` and drop the refs to it that were captures
    /// from blocks nested inside `block`.
    fn define_in_block(&mut self, name: Name<'a>, block: usize) {
        if let Some((key, mut sites)) = self.refs.remove_entry(name.as_ref()) {
            sites.retain(|s| !self.is_proper_ancestor(block, s.block));
            if !sites.is_empty() {
                self.refs.insert(key, sites);
            }
        }
        if block == 0 && !self.sql_defs.is_empty() {
            self.sql_defs.remove(name.as_ref());
        }
        self.blocks[block].defs.insert(name);
    }

    /// Define in the current block, or in the module if declared `global`.
    fn define(&mut self, name: Name<'a>) {
        let current = self.current();
        let block = if self.blocks[current].globals.contains(&name) {
            0
        } else {
            current
        };
        self.define_in_block(name, block);
    }

    fn finish(self) -> Walk {
        let defs: BTreeSet<String> = self.blocks[0]
            .defs
            .iter()
            .filter(|n| !is_private(n))
            .map(|n| n.to_string())
            .collect();
        let refs: Vec<(String, bool)> = self
            .refs
            .into_iter()
            .map(|(name, sites)| (name.into_owned(), sites.iter().any(|s| s.deleted)))
            .collect();
        let sql_defs = self
            .sql_defs
            .into_iter()
            .filter(|(name, _)| defs.contains(name))
            .collect();
        let sql_refs = self
            .sql_refs
            .into_iter()
            .filter(|(name, _)| refs.iter().any(|(r, _)| r == name))
            .collect();
        Walk {
            defs,
            sql_defs,
            sql_refs,
            refs,
            imports: self.imports,
            is_sql: self.is_sql,
            star_import: self.star_import,
        }
    }
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------
impl<'a> ScopeVisitor<'a> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.visit_stmt(stmt);
        }
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.visit_stmt_inner(stmt));
    }

    fn visit_opt_expr(&mut self, expr: Option<&'a Expr>) {
        if let Some(expr) = expr {
            self.visit_expr(expr);
        }
    }

    fn visit_stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.visit_function_def(f),
            Stmt::ClassDef(c) => self.visit_class_def(c),
            Stmt::Return(r) => self.visit_opt_expr(r.value.as_deref()),
            Stmt::Delete(d) => d.targets.iter().for_each(|t| self.visit_expr(t)),
            Stmt::Assign(a) => {
                // Value first: `x = x + 1` refs `x`.
                self.visit_expr(&a.value);
                a.targets.iter().for_each(|t| self.visit_expr(t));
            }
            Stmt::AugAssign(a) => {
                // The target is a plain store: `x += 1` defines `x`, no ref.
                self.visit_expr(&a.value);
                self.visit_expr(&a.target);
            }
            Stmt::AnnAssign(a) => {
                self.visit_opt_expr(a.value.as_deref());
                self.visit_expr(&a.annotation);
                self.visit_expr(&a.target);
            }
            Stmt::TypeAlias(t) => {
                // PEP 695 (not covered by marimo's corpus): the alias name is
                // a def; type parameters and the lazily evaluated value live
                // in their own block.
                self.visit_expr(&t.name);
                self.push_block(false);
                self.define_type_params(t.type_params.as_deref());
                self.visit_expr(&t.value);
                self.pop_block();
            }
            Stmt::For(f) => {
                // Python's ast field order: target before iter.
                self.visit_expr(&f.target);
                self.visit_expr(&f.iter);
                self.visit_body(&f.body);
                self.visit_body(&f.orelse);
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                self.visit_body(&w.body);
                self.visit_body(&w.orelse);
            }
            Stmt::If(i) => {
                self.visit_expr(&i.test);
                self.visit_body(&i.body);
                for clause in &i.elif_else_clauses {
                    self.visit_opt_expr(clause.test.as_ref());
                    self.visit_body(&clause.body);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.visit_expr(&item.context_expr);
                    self.visit_opt_expr(item.optional_vars.as_deref());
                }
                self.visit_body(&w.body);
            }
            Stmt::Match(m) => {
                self.visit_expr(&m.subject);
                for case in &m.cases {
                    self.visit_pattern(&case.pattern);
                    self.visit_opt_expr(case.guard.as_deref());
                    self.visit_body(&case.body);
                }
            }
            Stmt::Raise(r) => {
                self.visit_opt_expr(r.exc.as_deref());
                self.visit_opt_expr(r.cause.as_deref());
            }
            Stmt::Try(t) => {
                self.visit_body(&t.body);
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    // `e` in `except E as e` is unbound after the handler, so
                    // marimo neither defines it nor refs it inside.
                    self.obscured.push(h.name.as_ref().map(|n| n.id.as_str()));
                    self.visit_opt_expr(h.type_.as_deref());
                    self.visit_body(&h.body);
                    self.obscured.pop();
                }
                self.visit_body(&t.orelse);
                self.visit_body(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.visit_expr(&a.test);
                self.visit_opt_expr(a.msg.as_deref());
            }
            Stmt::Import(i) => self.visit_import(i),
            Stmt::ImportFrom(i) => self.visit_import_from(i),
            Stmt::Global(g) => {
                for name in &g.names {
                    let name = self.mangle_if_private(name.as_str(), true);
                    let current = self.current();
                    self.blocks[current].globals.push(name.clone());
                    if !self.blocks[0].defs.contains(name.as_ref()) {
                        self.add_ref(name, false);
                    }
                }
            }
            Stmt::Expr(e) => self.visit_expr(&e.value),
            Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn visit_function_def(&mut self, f: &'a ast::StmtFunctionDef) {
        let name = self.mangle_if_private(f.name.as_str(), false);
        // Signature pass: everything but the body.
        self.push_block(false);
        self.define_type_params(f.type_params.as_deref());
        self.visit_parameters(&f.parameters);
        for decorator in &f.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        self.visit_opt_expr(f.returns.as_deref());
        self.pop_block();
        // Body pass. (marimo also revisits decorators and the return
        // annotation here; with more names defined that cannot add refs.)
        self.push_block(false);
        self.define_type_params(f.type_params.as_deref());
        self.visit_parameters(&f.parameters);
        self.visit_body(&f.body);
        self.pop_block();
        self.define(name);
    }

    fn visit_class_def(&mut self, c: &'a ast::StmtClassDef) {
        let name = self.mangle_if_private(c.name.as_str(), false);
        self.push_block(false);
        self.define_type_params(c.type_params.as_deref());
        self.visit_arguments(c.arguments.as_deref());
        for decorator in &c.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        self.pop_block();
        // The class block stays open while methods are visited: names bound
        // in the class body count as resolved inside them (marimo quirk).
        self.push_block(false);
        self.define_type_params(c.type_params.as_deref());
        self.visit_arguments(c.arguments.as_deref());
        self.visit_body(&c.body);
        self.pop_block();
        self.define(name);
    }

    /// PEP 695 type parameters are local to the generic definition.
    fn define_type_params(&mut self, params: Option<&'a ast::TypeParams>) {
        let Some(params) = params else { return };
        for param in &params.type_params {
            let (name, bound, default) = match param {
                TypeParam::TypeVar(t) => (&t.name, t.bound.as_deref(), t.default.as_deref()),
                TypeParam::ParamSpec(p) => (&p.name, None, p.default.as_deref()),
                TypeParam::TypeVarTuple(t) => (&t.name, None, t.default.as_deref()),
            };
            self.define(Cow::Borrowed(name.as_str()));
            self.visit_opt_expr(bound);
            self.visit_opt_expr(default);
        }
    }

    /// marimo's order: keyword-only defaults, positional defaults, then each
    /// parameter (defined, then its annotation visited).
    fn visit_parameters(&mut self, p: &'a ast::Parameters) {
        for param in &p.kwonlyargs {
            self.visit_opt_expr(param.default.as_deref());
        }
        for param in p.posonlyargs.iter().chain(&p.args) {
            self.visit_opt_expr(param.default.as_deref());
        }
        for param in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            self.visit_parameter(&param.parameter);
        }
        if let Some(param) = &p.vararg {
            self.visit_parameter(param);
        }
        if let Some(param) = &p.kwarg {
            self.visit_parameter(param);
        }
    }

    fn visit_parameter(&mut self, param: &'a ast::Parameter) {
        let name = self.mangle_if_private(param.name.as_str(), false);
        self.define(name);
        self.visit_opt_expr(param.annotation.as_deref());
    }

    fn visit_arguments(&mut self, args: Option<&'a ast::Arguments>) {
        let Some(args) = args else { return };
        for arg in &args.args {
            self.visit_expr(arg);
        }
        for keyword in &args.keywords {
            self.visit_expr(&keyword.value);
        }
    }

    fn record_import(
        &mut self,
        bound: &str,
        module: String,
        imported: Option<&str>,
        level: u32,
        range: TextRange,
    ) {
        let (line, column) = line_column(self.code, range.start());
        self.imports.push(Import {
            bound_name: bound.to_string(),
            module,
            imported: imported.map(str::to_string),
            level,
            top_level: self.stack.len() == 1,
            range,
            line,
            column,
        });
    }

    fn visit_import(&mut self, i: &'a ast::StmtImport) {
        for alias in &i.names {
            let full = alias.name.as_str();
            // `import a.b.c` binds `a`; the package name is never mangled.
            let (shown, bound) = match &alias.asname {
                Some(asname) => (
                    asname.as_str(),
                    self.mangle_if_private(asname.as_str(), false),
                ),
                None => {
                    let base = full.split('.').next().unwrap_or(full);
                    (base, Cow::Borrowed(base))
                }
            };
            self.record_import(shown, full.to_string(), None, 0, i.range);
            self.define(bound);
        }
    }

    fn visit_import_from(&mut self, i: &'a ast::StmtImportFrom) {
        let module = i.module.as_ref().map_or("", |m| m.as_str());
        let dots = usize::try_from(i.level).unwrap_or(0);
        for alias in &i.names {
            let name = alias.name.as_str();
            if name == "*" {
                self.star_import.get_or_insert(i.range.start());
                continue;
            }
            let (shown, bound) = match &alias.asname {
                Some(asname) => (
                    asname.as_str(),
                    self.mangle_if_private(asname.as_str(), false),
                ),
                None => (name, Cow::Borrowed(name)),
            };
            let written = format!("{}{module}", ".".repeat(dots));
            self.record_import(shown, written, Some(name), i.level, i.range);
            self.define(bound);
        }
    }
}

// ---------------------------------------------------------------------------
// Expressions and patterns
// ---------------------------------------------------------------------------
impl<'a> ScopeVisitor<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.visit_expr_inner(expr));
    }

    fn visit_exprs(&mut self, exprs: &'a [Expr]) {
        for expr in exprs {
            self.visit_expr(expr);
        }
    }

    fn visit_expr_inner(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => self.visit_name(n),
            Expr::Named(n) => self.visit_named(n),
            Expr::BoolOp(b) => self.visit_exprs(&b.values),
            Expr::BinOp(b) => {
                self.visit_expr(&b.left);
                self.visit_expr(&b.right);
            }
            Expr::UnaryOp(u) => self.visit_expr(&u.operand),
            Expr::Lambda(l) => {
                self.push_block(false);
                if let Some(params) = &l.parameters {
                    self.visit_parameters(params);
                }
                self.visit_expr(&l.body);
                self.pop_block();
            }
            Expr::If(i) => {
                self.visit_expr(&i.test);
                self.visit_expr(&i.body);
                self.visit_expr(&i.orelse);
            }
            Expr::Dict(d) => {
                // Python's ast: all keys, then all values.
                for item in &d.items {
                    self.visit_opt_expr(item.key.as_ref());
                }
                for item in &d.items {
                    self.visit_expr(&item.value);
                }
            }
            Expr::Set(s) => self.visit_exprs(&s.elts),
            Expr::ListComp(c) => self.visit_comprehension(&c.generators, [Some(&c.elt), None]),
            Expr::SetComp(c) => self.visit_comprehension(&c.generators, [Some(&c.elt), None]),
            Expr::Generator(c) => self.visit_comprehension(&c.generators, [Some(&c.elt), None]),
            Expr::DictComp(c) => {
                self.visit_comprehension(&c.generators, [Some(&c.value), c.key.as_deref()])
            }
            Expr::Await(a) => self.visit_expr(&a.value),
            Expr::Yield(y) => self.visit_opt_expr(y.value.as_deref()),
            Expr::YieldFrom(y) => self.visit_expr(&y.value),
            Expr::Compare(c) => {
                self.visit_expr(&c.left);
                self.visit_exprs(&c.comparators);
            }
            Expr::Call(c) => {
                self.check_sql_call(c);
                self.visit_expr(&c.func);
                self.visit_exprs(&c.arguments.args);
                for keyword in &c.arguments.keywords {
                    self.visit_expr(&keyword.value);
                }
            }
            Expr::FString(f) => {
                for part in &f.value {
                    if let ast::FStringPart::FString(fstring) = part {
                        self.visit_interpolations(&fstring.elements);
                    }
                }
            }
            Expr::TString(t) => {
                for tstring in &t.value {
                    self.visit_interpolations(&tstring.elements);
                }
            }
            Expr::Attribute(a) => self.visit_expr(&a.value),
            Expr::Subscript(s) => {
                self.visit_expr(&s.value);
                self.visit_expr(&s.slice);
            }
            Expr::Starred(s) => self.visit_expr(&s.value),
            Expr::List(l) => self.visit_exprs(&l.elts),
            Expr::Tuple(t) => self.visit_exprs(&t.elts),
            Expr::Slice(s) => {
                self.visit_opt_expr(s.lower.as_deref());
                self.visit_opt_expr(s.upper.as_deref());
                self.visit_opt_expr(s.step.as_deref());
            }
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
    }

    /// f-string replacement fields, including nested format specs
    /// (`f"{x:>{width}}"` reads `width`).
    fn visit_interpolations(&mut self, elements: &'a InterpolatedStringElements) {
        for element in elements {
            if let InterpolatedStringElement::Interpolation(i) = element {
                self.visit_expr(&i.expression);
                if let Some(spec) = &i.format_spec {
                    self.visit_interpolations(&spec.elements);
                }
            }
        }
    }

    /// Loop variables stay inside the comprehension's block. Each generator
    /// visits its iterable *before* binding its target (`[x for x in x]`).
    fn visit_comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: [Option<&'a Expr>; 2],
    ) {
        self.push_block(true);
        for generator in generators {
            self.visit_expr(&generator.iter);
            self.visit_expr(&generator.target);
            self.visit_exprs(&generator.ifs);
        }
        for elt in elts.into_iter().flatten() {
            self.visit_expr(elt);
        }
        self.pop_block();
    }

    fn visit_name(&mut self, n: &'a ast::ExprName) {
        let id = n.id.as_str();
        if self.obscured.contains(&Some(id)) {
            return;
        }
        match n.ctx {
            ExprContext::Store => {
                let name = self.mangle_if_private(id, false);
                self.define(name);
            }
            ExprContext::Load | ExprContext::Del => {
                if !is_private(id) && !self.is_defined(id) {
                    self.add_ref(Cow::Borrowed(id), n.ctx == ExprContext::Del);
                }
            }
            ExprContext::Invalid => {}
        }
    }

    /// A walrus directly in a comprehension binds in the nearest enclosing
    /// non-comprehension block (PEP 572); elsewhere it is a plain store.
    fn visit_named(&mut self, n: &'a ast::ExprNamed) {
        self.visit_expr(&n.value);
        if self.blocks[self.current()].is_comprehension
            && let Expr::Name(target) = &*n.target
        {
            let block = self
                .stack
                .iter()
                .rev()
                .copied()
                .find(|&b| !self.blocks[b].is_comprehension)
                .unwrap_or(0);
            let name = self.mangle_if_private(target.id.as_str(), block == 0);
            self.define_in_block(name, block);
            return;
        }
        // marimo visits the value a second time here; with the target now
        // defined that cannot add refs, so it is skipped (it would make
        // nested walruses exponential).
        self.visit_expr(&n.target);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            self.visit_pattern_inner(pattern)
        });
    }

    fn define_capture(&mut self, name: &'a ast::Identifier) {
        let name = self.mangle_if_private(name.as_str(), false);
        self.define(name);
    }

    fn visit_pattern_inner(&mut self, pattern: &'a Pattern) {
        match pattern {
            Pattern::MatchValue(v) => self.visit_expr(&v.value),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(s) => s.patterns.iter().for_each(|p| self.visit_pattern(p)),
            Pattern::MatchMapping(m) => {
                if let Some(rest) = &m.rest {
                    self.define_capture(rest);
                }
                self.visit_exprs(&m.keys);
                m.patterns.iter().for_each(|p| self.visit_pattern(p));
            }
            Pattern::MatchClass(c) => {
                self.visit_expr(&c.cls);
                c.arguments
                    .patterns
                    .iter()
                    .for_each(|p| self.visit_pattern(p));
                for keyword in &c.arguments.keywords {
                    self.visit_pattern(&keyword.pattern);
                }
            }
            Pattern::MatchStar(s) => {
                if let Some(name) = &s.name {
                    self.define_capture(name);
                }
            }
            Pattern::MatchAs(a) => {
                if let Some(name) = &a.name {
                    self.define_capture(name);
                }
                if let Some(p) = &a.pattern {
                    self.visit_pattern(p);
                }
            }
            Pattern::MatchOr(o) => o.patterns.iter().for_each(|p| self.visit_pattern(p)),
        }
    }

    /// `mo.sql(q)`, `marimo.sql(q)`, `duckdb.sql(q)`, `duckdb.execute(q)`
    /// with exactly one positional argument make the cell a SQL cell; a
    /// literal query also contributes the tables it reads and creates.
    fn check_sql_call(&mut self, call: &'a ast::ExprCall) {
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let Expr::Name(base) = &*attr.value else {
            return;
        };
        if !matches!(
            (base.id.as_str(), attr.attr.as_str()),
            ("mo" | "marimo" | "duckdb", "sql") | ("duckdb", "execute")
        ) {
            return;
        }
        let [query] = &*call.arguments.args else {
            return;
        };
        self.is_sql = true;
        let text: Cow<'a, str> = match query {
            Expr::StringLiteral(s) => Cow::Borrowed(s.value.to_str()),
            Expr::FString(f) => Cow::Owned(sql::normalize_f_string(&f.value, self.code)),
            _ => return,
        };
        if text.is_empty() {
            return;
        }
        // Names created earlier in the same query are not refs.
        let mut created: FxHashSet<String> = FxHashSet::default();
        for statement in sql::analyze(&text) {
            for (name, def) in statement.defs {
                let module_level = self.current() == 0;
                self.define(Cow::Owned(name.clone()));
                if module_level {
                    self.sql_defs.insert(name, def);
                }
            }
            created.extend(statement.created);
            for parts in statement.refs {
                let r = parts.join(".");
                if created.contains(&r) {
                    continue;
                }
                // marimo keeps the metadata of a name's first use in a block:
                // a name the cell already used from Python stays a Python ref.
                if !self.refs.contains_key(r.as_str()) {
                    self.sql_refs.insert(r.clone(), sql::SqlRef { parts });
                }
                self.add_ref(Cow::Owned(r), false);
            }
        }
    }
}
