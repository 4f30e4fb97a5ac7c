//! The registry: every rule, by code. One file per rule; the file's `//!` comment is the rule's documentation.

// Rule docs show Go code, which gofmt indents with tabs.
#![allow(clippy::tabs_in_doc_comments)]

use crate::rule::Rule;

mod resource;
mod time_after_in_loop;
mod time_tick_leak;
mod unclosed_body;
mod unclosed_rows;
mod unreceived_send;
mod unstopped_timer;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &unreceived_send::RULE,
    &time_after_in_loop::RULE,
    &unstopped_timer::RULE,
    &time_tick_leak::RULE,
    &unclosed_body::RULE,
    &unclosed_rows::RULE,
];
