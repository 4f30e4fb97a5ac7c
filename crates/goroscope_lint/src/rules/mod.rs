//! The registry: every rule, by code. One file per rule; the file's `//!` comment is the rule's documentation.

// Rule docs show Go code, which gofmt indents with tabs.
#![allow(clippy::tabs_in_doc_comments)]

use crate::rule::Rule;

mod unreceived_send;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[&unreceived_send::RULE];
