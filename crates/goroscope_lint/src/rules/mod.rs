//! The registry: every rule, by code. One file per rule; the file's `//!` comment is the rule's documentation.

// Rule docs show Go code, which gofmt indents with tabs.
#![allow(clippy::tabs_in_doc_comments)]

use crate::rule::Rule;

mod detached_context;
mod endless_goroutine;
mod lost_cancel;
mod unreceived_send;
mod unreleased_lock;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &unreceived_send::RULE,
    &endless_goroutine::RULE,
    &unreleased_lock::RULE,
    &lost_cancel::RULE,
    &detached_context::RULE,
];
