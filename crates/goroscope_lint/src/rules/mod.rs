//! The registry: every rule, by code. One file per rule; the file's `//!` comment is the rule's documentation.

// Rule docs show Go code, which gofmt indents with tabs.
#![allow(clippy::tabs_in_doc_comments)]

use crate::rule::Rule;

mod nil_channel;
mod range_never_closed;
mod send_before_receiver;
mod surplus_senders;
mod unreceived_send;
mod unsent_receive;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &unreceived_send::RULE,
    &unsent_receive::RULE,
    &surplus_senders::RULE,
    &range_never_closed::RULE,
    &send_before_receiver::RULE,
    &nil_channel::RULE,
];
