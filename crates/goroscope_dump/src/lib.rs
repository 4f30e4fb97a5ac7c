//! The goroutine dump model and its parsers.
//!
//! Parsers take bytes (or any [`std::io::Read`]) and return a [`Snapshot`]; they never open files, print or exit.
//! Memory grows with the number of *unique* stacks, not with the number of goroutines: function names, file
//! names, frames, stacks and states are interned, and each goroutine is a handful of integers.

mod chunk;
mod counted;
mod detect;
mod error;
mod header;
mod heap;
mod join;
mod labels;
mod log;
mod model;
mod proto;
mod text;

pub use chunk::{ParseOptions, parse_bytes, parse_reader};
pub use detect::{InputFormat, Profile, detect, parse_input, parse_log, parse_profiles};
pub use error::DumpError;
pub use heap::{Binary, HeapFrame, HeapProfile, HeapSample, MemStats};
pub use join::{adopt_labels, adopt_leaks};
pub use labels::label_value;
pub use model::{
    Crash, CrashKind, Format, Frame, FrameId, Goroutine, GoroutineExtra, RunningTest, Snapshot, StackId,
    StateId, Sym, Truncation, WaitReason, Warnings,
};
