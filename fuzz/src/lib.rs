//! What each fuzz target checks, one module per target (`fuzz_targets/<target>.rs` calls `<target>::check`).
//! The crates' `tests/fuzz_regressions.rs` include these same modules to replay the inputs fuzzing found.

#[path = "../../crates/goroscope_dump/tests/common/mod.rs"]
pub mod common;

pub mod analyze;
pub mod config;
pub mod debug1;
pub mod detect;
pub mod heap;
pub mod lint;
pub mod log;
pub mod proto;
pub mod text;
