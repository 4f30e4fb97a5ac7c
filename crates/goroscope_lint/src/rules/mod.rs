//! The registry: every rule, by code. One file per rule; the file's `//!` comment is the rule's documentation.

// Rule docs show Go code, which gofmt indents with tabs.
#![allow(clippy::tabs_in_doc_comments)]

use crate::rule::Rule;

mod client_per_call;
mod detached_context;
mod endless_goroutine;
mod large_array_copy;
mod lost_cancel;
mod nil_channel;
mod range_never_closed;
mod resource;
mod retained_subslice;
mod retention;
mod returned_subslice;
mod send_before_receiver;
mod surplus_senders;
mod time_after_in_loop;
mod time_tick_leak;
pub(crate) mod unbounded_map_cache;
mod unclosed_body;
mod unclosed_rows;
mod unreceived_send;
mod unreleased_lock;
mod unsent_receive;
mod unstopped_timer;
mod waitgroup_add_in_goroutine;
mod waitgroup_add_mismatch;
mod waitgroup_done_not_deferred;
mod waitgroup_wait_in_loop;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &unreceived_send::RULE,
    &unsent_receive::RULE,
    &surplus_senders::RULE,
    &range_never_closed::RULE,
    &send_before_receiver::RULE,
    &nil_channel::RULE,
    &endless_goroutine::RULE,
    &unreleased_lock::RULE,
    &waitgroup_add_in_goroutine::RULE,
    &waitgroup_wait_in_loop::RULE,
    &waitgroup_done_not_deferred::RULE,
    &waitgroup_add_mismatch::RULE,
    &lost_cancel::RULE,
    &detached_context::RULE,
    &time_after_in_loop::RULE,
    &unstopped_timer::RULE,
    &time_tick_leak::RULE,
    &unclosed_body::RULE,
    &unclosed_rows::RULE,
    &retained_subslice::RULE,
    &returned_subslice::RULE,
    &large_array_copy::RULE,
    &unbounded_map_cache::RULE,
    &client_per_call::RULE,
];
