//! Compile-time errors: code that parses but that CPython's compiler rejects.
//!
//! marimo compiles every cell (with top-level `await` allowed), so a cell
//! with a top-level `return`, `break` outside a loop, `nonlocal` at module
//! level, `global x` after `x` was used, a duplicate parameter, ... is an
//! error cell. Most of these checks come from ruff's
//! [`SemanticSyntaxChecker`]; it asks questions about the current scope
//! through [`SemanticSyntaxContext`], which [`ErrorChecker`] answers from
//! its own small scope stack. Two checks ruff leaves to its linter are done
//! here: a binding statement (`def`, `class`, `import`, `except ... as`)
//! before the `global`/`nonlocal` declaration of the same name, and a use
//! before `nonlocal`.

use std::cell::RefCell;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Pattern, PythonVersion, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_GROW: usize = 1024 * 1024;

/// Trees up to this deep are checked on the caller's stack.
const SHALLOW_DEPTH: usize = 200;

/// ruff's checker walks some subtrees with visitors of its own (annotations,
/// async function bodies, comprehension iterables, class bodies), by plain
/// recursion, a few kilobytes of stack per level in unoptimised builds.
const STACK_PER_LEVEL: usize = 4 * 1024;

/// Deeper trees skip ruff's checks (ours still run): their stack would be
/// more than 200 MiB. Only Pythons without a nesting limit (3.9, 3.10) get
/// here; 3.11 and newer refuse such code before this point.
const MAX_RUFF_CHECK_DEPTH: usize = 50_000;

/// The first (by position) compile error in the cell, if any. `depth` is
/// how deep the tree nests (0 if the caller knows it is shallow).
pub(crate) fn first_compile_error(
    code: &str,
    body: &[Stmt],
    version: PythonVersion,
    depth: usize,
) -> Option<(String, TextSize)> {
    if depth <= SHALLOW_DEPTH {
        check(code, body, version, true)
    } else if depth <= MAX_RUFF_CHECK_DEPTH {
        stacker::grow(STACK_GROW + depth * STACK_PER_LEVEL, || {
            check(code, body, version, true)
        })
    } else {
        check(code, body, version, false)
    }
}

fn check(
    code: &str,
    body: &[Stmt],
    version: PythonVersion,
    ruff_checks: bool,
) -> Option<(String, TextSize)> {
    let mut checker = ErrorChecker {
        source: code,
        version,
        ruff_checks,
        checker: SemanticSyntaxChecker::new(),
        scopes: vec![Scope::new(ScopeKind::Module, body, FxHashSet::default())],
        semantic: RefCell::new(Vec::new()),
        own: Vec::new(),
        future_annotations: false,
    };
    checker.visit_body(body);
    let semantic = checker
        .semantic
        .into_inner()
        .into_iter()
        .map(|e: SemanticSyntaxError| (e.to_string(), e.range.start()));
    semantic.chain(checker.own).min_by_key(|(_, at)| *at)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Function { is_async: bool },
    Lambda,
    Class,
    Comprehension { is_generator: bool, is_async: bool },
}

struct Scope<'a> {
    kind: ScopeKind,
    params: FxHashSet<&'a str>,
    /// Names bound directly in this scope (for `nonlocal` lookups).
    bindings: FxHashSet<&'a str>,
    /// First `global` / `nonlocal` statement of each declared name.
    globals: FxHashMap<&'a str, TextRange>,
    nonlocals: FxHashMap<&'a str, TextRange>,
    /// > 0 inside a loop body (not its `else`) of this scope.
    loop_depth: u32,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind, body: &'a [Stmt], params: FxHashSet<&'a str>) -> Self {
        let mut decls = Declarations::default();
        decls.visit_body(body);
        Scope {
            kind,
            params,
            bindings: decls.bindings,
            globals: decls.globals,
            nonlocals: decls.nonlocals,
            loop_depth: 0,
        }
    }

    fn bare(kind: ScopeKind, params: FxHashSet<&'a str>) -> Self {
        Scope {
            kind,
            params,
            bindings: FxHashSet::default(),
            globals: FxHashMap::default(),
            nonlocals: FxHashMap::default(),
            loop_depth: 0,
        }
    }

    fn is_function_like(&self) -> bool {
        matches!(self.kind, ScopeKind::Function { .. } | ScopeKind::Lambda)
    }
}

/// Pre-scan of one scope's body: declarations and bindings, without
/// descending into nested functions, classes or lambdas.
#[derive(Default)]
struct Declarations<'a> {
    bindings: FxHashSet<&'a str>,
    globals: FxHashMap<&'a str, TextRange>,
    nonlocals: FxHashMap<&'a str, TextRange>,
}

impl<'a> Visitor<'a> for Declarations<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || match stmt {
            Stmt::FunctionDef(f) => {
                self.bindings.insert(f.name.as_str());
            }
            Stmt::ClassDef(c) => {
                self.bindings.insert(c.name.as_str());
            }
            Stmt::Global(g) => {
                for name in &g.names {
                    self.globals.entry(name.as_str()).or_insert(g.range);
                }
            }
            Stmt::Nonlocal(n) => {
                for name in &n.names {
                    self.nonlocals.entry(name.as_str()).or_insert(n.range);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    self.bindings.insert(bound_name(alias));
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    self.bindings.insert(bound_name(alias));
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        });
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || match expr {
            Expr::Lambda(_) => {}
            Expr::Name(n) if n.ctx != ExprContext::Load => {
                self.bindings.insert(n.id.as_str());
            }
            _ => visitor::walk_expr(self, expr),
        });
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        if let Some(name) = &h.name {
            self.bindings.insert(name.as_str());
        }
        visitor::walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        let name = match pattern {
            Pattern::MatchAs(p) => p.name.as_ref(),
            Pattern::MatchStar(p) => p.name.as_ref(),
            Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        if let Some(name) = name {
            self.bindings.insert(name.as_str());
        }
        visitor::walk_pattern(self, pattern);
    }
}

fn bound_name(alias: &ast::Alias) -> &str {
    match &alias.asname {
        Some(asname) => asname.as_str(),
        None => {
            let name = alias.name.as_str();
            name.split('.').next().unwrap_or(name)
        }
    }
}

struct ErrorChecker<'a> {
    source: &'a str,
    /// The target Python: some checks differ by version.
    version: PythonVersion,
    /// Whether ruff's checker runs (see [`MAX_RUFF_CHECK_DEPTH`]).
    ruff_checks: bool,
    checker: SemanticSyntaxChecker,
    scopes: Vec<Scope<'a>>,
    semantic: RefCell<Vec<SemanticSyntaxError>>,
    own: Vec<(String, TextSize)>,
    future_annotations: bool,
}

impl<'a> ErrorChecker<'a> {
    fn scope(&self) -> &Scope<'a> {
        // The module scope is never popped.
        &self.scopes[self.scopes.len() - 1]
    }

    fn scope_mut(&mut self) -> &mut Scope<'a> {
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    /// Innermost scope that is not a comprehension.
    fn enclosing_non_comprehension(&self) -> ScopeKind {
        self.scopes
            .iter()
            .rev()
            .map(|s| s.kind)
            .find(|k| !matches!(k, ScopeKind::Comprehension { .. }))
            .unwrap_or(ScopeKind::Module)
    }

    /// `def`/`class`/`import`/`except ... as` binding `name` at `at`, before
    /// a `global`/`nonlocal` declaration of it in the same scope.
    fn check_binding(&mut self, name: &str, at: TextSize) {
        let scope = self.scope();
        let declared = [(&scope.globals, "global"), (&scope.nonlocals, "nonlocal")]
            .into_iter()
            .find_map(|(decls, kind)| {
                decls
                    .get(name)
                    .filter(|decl| at < decl.start())
                    .map(|_| kind)
            });
        if let Some(kind) = declared {
            let message = format!("name '{name}' is assigned to before {kind} declaration");
            self.own.push((message, at));
        }
    }

    fn with_scope(&mut self, scope: Scope<'a>, f: impl FnOnce(&mut Self)) {
        self.scopes.push(scope);
        f(self);
        self.scopes.pop();
    }

    fn visit_loop_body(&mut self, body: &'a [Stmt]) {
        self.scope_mut().loop_depth += 1;
        self.visit_body(body);
        self.scope_mut().loop_depth -= 1;
    }

    fn parameter_names(parameters: &'a ast::Parameters) -> FxHashSet<&'a str> {
        parameters.iter().map(|p| p.name().as_str()).collect()
    }

    /// Defaults and annotations are evaluated in the enclosing scope.
    fn visit_signature(&mut self, parameters: &'a ast::Parameters) {
        for param in parameters.iter() {
            if let Some(default) = param.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = param.annotation() {
                self.visit_expr(annotation);
            }
        }
    }

    fn visit_comprehension_expr(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: [Option<&'a Expr>; 2],
        is_generator: bool,
    ) {
        let Some(first) = generators.first() else {
            return;
        };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&first.iter);
        let kind = ScopeKind::Comprehension {
            is_generator,
            is_async: generators.iter().any(|g| g.is_async),
        };
        self.with_scope(Scope::bare(kind, FxHashSet::default()), |this| {
            for (i, generator) in generators.iter().enumerate() {
                if i > 0 {
                    this.visit_expr(&generator.iter);
                }
                this.visit_expr(&generator.target);
                for condition in &generator.ifs {
                    this.visit_expr(condition);
                }
            }
            for elt in elts.into_iter().flatten() {
                this.visit_expr(elt);
            }
        });
    }

    fn visit_stmt_inner(&mut self, stmt: &'a Stmt) {
        if let Stmt::ImportFrom(i) = stmt
            && i.module
                .as_ref()
                .is_some_and(|m| m.as_str() == "__future__")
            && i.names.iter().any(|a| a.name.as_str() == "annotations")
        {
            self.future_annotations = true;
        }
        if self.ruff_checks {
            let mut checker = std::mem::take(&mut self.checker);
            checker.visit_stmt(stmt, &*self);
            self.checker = checker;
        }

        match stmt {
            Stmt::FunctionDef(f) => {
                self.check_binding(f.name.as_str(), f.start());
                for decorator in &f.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(type_params) = &f.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_signature(&f.parameters);
                if let Some(returns) = &f.returns {
                    self.visit_expr(returns);
                }
                let kind = ScopeKind::Function {
                    is_async: f.is_async,
                };
                let scope = Scope::new(kind, &f.body, Self::parameter_names(&f.parameters));
                self.with_scope(scope, |this| this.visit_body(&f.body));
            }
            Stmt::ClassDef(c) => {
                self.check_binding(c.name.as_str(), c.start());
                for decorator in &c.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(type_params) = &c.type_params {
                    self.visit_type_params(type_params);
                }
                if let Some(arguments) = &c.arguments {
                    self.visit_arguments(arguments);
                }
                let scope = Scope::new(ScopeKind::Class, &c.body, FxHashSet::default());
                self.with_scope(scope, |this| this.visit_body(&c.body));
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    self.check_binding(bound_name(alias), i.start());
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    self.check_binding(bound_name(alias), i.start());
                }
            }
            Stmt::For(f) => {
                self.visit_expr(&f.target);
                self.visit_expr(&f.iter);
                self.visit_loop_body(&f.body);
                self.visit_body(&f.orelse);
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                self.visit_loop_body(&w.body);
                self.visit_body(&w.orelse);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr_inner(&mut self, expr: &'a Expr) {
        if self.ruff_checks {
            let mut checker = std::mem::take(&mut self.checker);
            checker.visit_expr(expr, &*self);
            self.checker = checker;
        }

        match expr {
            Expr::Name(n) => {
                if let Some(decl) = self.scope().nonlocals.get(n.id.as_str())
                    && n.start() < decl.start()
                {
                    let message = format!("name '{}' is used prior to nonlocal declaration", n.id);
                    self.own.push((message, n.start()));
                }
            }
            Expr::Lambda(l) => {
                let params = match &l.parameters {
                    Some(parameters) => {
                        self.visit_signature(parameters);
                        Self::parameter_names(parameters)
                    }
                    None => FxHashSet::default(),
                };
                self.with_scope(Scope::bare(ScopeKind::Lambda, params), |this| {
                    this.visit_expr(&l.body);
                });
            }
            Expr::ListComp(c) => {
                self.visit_comprehension_expr(&c.generators, [Some(&c.elt), None], false)
            }
            Expr::SetComp(c) => {
                self.visit_comprehension_expr(&c.generators, [Some(&c.elt), None], false)
            }
            Expr::Generator(c) => {
                self.visit_comprehension_expr(&c.generators, [Some(&c.elt), None], true)
            }
            Expr::DictComp(c) => {
                self.visit_comprehension_expr(
                    &c.generators,
                    [c.key.as_deref(), Some(&c.value)],
                    false,
                );
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

impl<'a> Visitor<'a> for ErrorChecker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.visit_stmt_inner(stmt));
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.visit_expr_inner(expr));
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        if let Some(name) = &h.name {
            self.check_binding(name.as_str(), name.start());
        }
        visitor::walk_except_handler(self, handler);
    }
}

impl SemanticSyntaxContext for ErrorChecker<'_> {
    fn future_annotations_or_stub(&self) -> bool {
        self.future_annotations
    }

    fn lazy_import_context(&self) -> Option<LazyImportContext> {
        None
    }

    fn python_version(&self) -> PythonVersion {
        self.version
    }

    fn source(&self) -> &str {
        self.source
    }

    fn global(&self, name: &str) -> Option<TextRange> {
        self.scope().globals.get(name).copied()
    }

    fn has_nonlocal_binding(&self, name: &str) -> bool {
        self.scopes.iter().rev().skip(1).any(|scope| {
            scope.is_function_like()
                && (scope.params.contains(name) || scope.bindings.contains(name))
                && !scope.globals.contains_key(name)
        })
    }

    fn in_async_context(&self) -> bool {
        matches!(
            self.enclosing_non_comprehension(),
            ScopeKind::Function { is_async: true }
        )
    }

    fn in_await_allowed_context(&self) -> bool {
        self.enclosing_non_comprehension() != ScopeKind::Class
    }

    fn in_yield_allowed_context(&self) -> bool {
        self.scope().is_function_like()
    }

    fn in_sync_comprehension(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Comprehension {
                    is_async: false, ..
                } => return true,
                ScopeKind::Comprehension { .. } => {}
                _ => return false,
            }
        }
        false
    }

    fn in_class_body_comprehension(&self) -> bool {
        self.enclosing_non_comprehension() == ScopeKind::Class
    }

    /// Comprehensions at the top level count as module scope: with
    /// top-level `await` allowed, `[await f(x) for x in xs]` compiles.
    fn in_module_scope(&self) -> bool {
        self.enclosing_non_comprehension() == ScopeKind::Module
    }

    fn in_function_scope(&self) -> bool {
        matches!(self.scope().kind, ScopeKind::Function { .. })
    }

    fn in_generator_context(&self) -> bool {
        matches!(
            self.scope().kind,
            ScopeKind::Comprehension {
                is_generator: true,
                ..
            }
        )
    }

    /// Notebook semantics: top-level `await`, `async for`, `async with`.
    fn in_notebook(&self) -> bool {
        true
    }

    fn report_semantic_error(&self, error: SemanticSyntaxError) {
        self.semantic.borrow_mut().push(error);
    }

    fn in_loop_context(&self) -> bool {
        self.scope().loop_depth > 0
    }

    fn is_bound_parameter(&self, name: &str) -> bool {
        let scope = self.scope();
        scope.is_function_like() && scope.params.contains(name)
    }
}
