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

    fn visit_expr(&self, expr: &mut Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
            transformer::walk_expr(self, expr);
            *expr = Expr::NoneLiteral(ExprNoneLiteral::default());
        });
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
