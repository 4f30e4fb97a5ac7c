//! The goroutine dump model and its parsers.
//!
//! Parsers take bytes (or any [`std::io::Read`]) and return a [`Snapshot`]; they never open files, print or exit.
//! Memory grows with the number of *unique* stacks, not with the number of goroutines: function names, file
//! names, frames, stacks and states are interned, and each goroutine is a handful of integers.

mod chunk;
mod error;
mod header;
mod model;
mod text;

pub use chunk::{ParseOptions, parse_bytes, parse_reader};
pub use error::DumpError;
pub use model::{
    Crash, CrashKind, Format, Frame, FrameId, Goroutine, GoroutineExtra, Snapshot, StackId, StateId, Sym,
    Truncation, WaitReason, Warnings,
};
