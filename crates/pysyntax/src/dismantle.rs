//! Walking arbitrarily deep trees without overflowing the stack: every
//! recursion goes through `stacker::maybe_grow`, which continues on a fresh
//! heap-allocated stack segment when the current one runs low.

use ruff_python_ast::visitor::transformer::{self, Transformer};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    AtomicNodeIndex, Expr, ExprNoneLiteral, Pattern, PatternMatchAs, Stmt, StmtPass,
};
use ruff_text_size::{Ranged, TextRange};

const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_GROW: usize = 1024 * 1024;

/// Take a tree apart bottom-up: every statement, expression and pattern is
/// replaced by a leaf after its children were, so each node is dropped
/// with only leaves below it. Rust's derived `Drop` recurses once per level
/// of the tree and overflows on deep ones; this does not.
pub fn dismantle(body: &mut [Stmt]) {
    Dismantler.visit_body(body);
}

struct Dismantler;

impl Transformer for Dismantler {
    fn visit_stmt(&self, stmt: &mut Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            transformer::walk_stmt(self, stmt);
            *stmt = Stmt::Pass(StmtPass {
                node_index: AtomicNodeIndex::NONE,
                range: TextRange::default(),
            });
        });
    }

    /// Expressions are where code nests deepest (a 150,000-term sum, a
    /// long attribute chain), so they are taken apart with a work list, not
    /// recursion: a recursive walk touches kilobytes of stack per level,
    /// hundreds of megabytes for such a cell.
    fn visit_expr(&self, expr: &mut Expr) {
        let mut pending = vec![take(expr)];
        while let Some(mut expr) = pending.pop() {
            if !take_children(&mut expr, &mut pending) {
                // Rarer kinds (comprehensions, f-strings, ...): their child
                // expressions come back here, each with a work list of its
                // own, so recursion follows only the nesting of these kinds.
                stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
                    transformer::walk_expr(self, &mut expr);
                });
            }
            // `expr` now has only leaves below it.
        }
    }

    fn visit_pattern(&self, pattern: &mut Pattern) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            transformer::walk_pattern(self, pattern);
            *pattern = Pattern::MatchAs(PatternMatchAs {
                node_index: AtomicNodeIndex::NONE,
                range: TextRange::default(),
                pattern: None,
                name: None,
            });
        });
    }

    fn visit_interpolated_string_element(
        &self,
        element: &mut ruff_python_ast::InterpolatedStringElement,
    ) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            transformer::walk_interpolated_string_element(self, element);
        });
    }
}

fn take(expr: &mut Expr) -> Expr {
    std::mem::replace(expr, Expr::NoneLiteral(ExprNoneLiteral::default()))
}

/// Move the child expressions of the kinds that chain deeply onto `out`;
/// `false` for other kinds, whose children are left in place.
fn take_children(expr: &mut Expr, out: &mut Vec<Expr>) -> bool {
    match expr {
        Expr::BinOp(e) => {
            out.push(take(&mut e.left));
            out.push(take(&mut e.right));
        }
        Expr::UnaryOp(e) => out.push(take(&mut e.operand)),
        Expr::BoolOp(e) => out.extend(e.values.iter_mut().map(take)),
        Expr::Compare(e) => {
            out.push(take(&mut e.left));
            out.extend(e.comparators.iter_mut().map(take));
        }
        Expr::Attribute(e) => out.push(take(&mut e.value)),
        Expr::Subscript(e) => {
            out.push(take(&mut e.value));
            out.push(take(&mut e.slice));
        }
        Expr::Call(e) => {
            out.push(take(&mut e.func));
            out.extend(e.arguments.args.iter_mut().map(take));
            out.extend(e.arguments.keywords.iter_mut().map(|k| take(&mut k.value)));
        }
        Expr::If(e) => {
            out.push(take(&mut e.test));
            out.push(take(&mut e.body));
            out.push(take(&mut e.orelse));
        }
        Expr::Lambda(e) if e.parameters.is_none() => out.push(take(&mut e.body)),
        Expr::Await(e) => out.push(take(&mut e.value)),
        Expr::Starred(e) => out.push(take(&mut e.value)),
        Expr::YieldFrom(e) => out.push(take(&mut e.value)),
        Expr::Yield(e) => out.extend(e.value.as_deref_mut().map(take)),
        Expr::Named(e) => {
            out.push(take(&mut e.target));
            out.push(take(&mut e.value));
        }
        Expr::List(e) => out.extend(e.elts.iter_mut().map(take)),
        Expr::Tuple(e) => out.extend(e.elts.iter_mut().map(take)),
        Expr::Set(e) => out.extend(e.elts.iter_mut().map(take)),
        Expr::Dict(e) => {
            for item in &mut e.items {
                out.extend(item.key.as_mut().map(take));
                out.push(take(&mut item.value));
            }
        }
        Expr::Slice(e) => {
            for part in [&mut e.lower, &mut e.upper, &mut e.step] {
                out.extend(part.as_deref_mut().map(take));
            }
        }
        _ => return false,
    }
    true
}

/// How many levels deep the tree nests (0 for an empty module), counted as
/// in [`first_too_deep`].
pub fn max_depth(body: &[Stmt]) -> usize {
    let mut walker = DepthWalker {
        depth: 0,
        deepest: 0,
        limit: usize::MAX,
        found: None,
    };
    walker.visit_body(body);
    walker.deepest
}

/// The first node nested more than `limit` levels deep (statements and
/// expressions each count one level; a top-level statement is level 1),
/// if any. The walk stops at the first one.
pub fn first_too_deep(body: &[Stmt], limit: usize) -> Option<TextRange> {
    let mut walker = DepthWalker {
        depth: 0,
        deepest: 0,
        limit,
        found: None,
    };
    walker.visit_body(body);
    walker.found
}

struct DepthWalker {
    depth: usize,
    deepest: usize,
    limit: usize,
    found: Option<TextRange>,
}

impl DepthWalker {
    fn enter(&mut self, range: TextRange) -> bool {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        if self.found.is_some() {
            return false;
        }
        if self.depth > self.limit {
            self.found = Some(range);
        }
        self.found.is_none()
    }
}

impl<'a> Visitor<'a> for DepthWalker {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.enter(stmt.range()) {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
                visitor::walk_stmt(self, stmt);
            });
        }
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.enter(expr.range()) {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
                visitor::walk_expr(self, expr);
            });
        }
        self.depth -= 1;
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            visitor::walk_pattern(self, pattern);
        });
    }
}
