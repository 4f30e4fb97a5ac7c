//! Watches live Go services over time: cheap goroutine counts polled often, aggregated profiles less often, full
//! dumps only when a group grows; history in SQLite; alarms from the same series analysis as `goroscope series`.

pub mod exporter;
pub mod history;
pub mod live;
pub mod log;
pub mod memory;
pub mod source;
pub mod store;
pub mod tui;
pub mod watch;

pub use exporter::{Exporter, ExporterError};
pub use history::{CHART_GROUPS, HISTORY_HEAPS, HistoryMemory, history_memory, history_report};
pub use live::{Fetches, Live, LiveGroup, LiveMemory, LiveState, LiveTarget, severity};
pub use log::write_event;
pub use memory::{Judged, MemoryPart, MemoryVerdict, judge_latest_run};
pub use source::{Cheap, Reading, TargetSpec, heap_url, parse_expvar, parse_metrics};
pub use store::{
    GroupCount, MAX_HEAP_TEXT, NewHeap, NewSample, SCHEMA_VERSION, Store, StoreError, StoredEvent,
    StoredGroup, StoredHeap, StoredPoint, TargetSummary,
};
pub use watch::{
    Alarm, Event, EventKind, LONG_POINTS, Outputs, Summary, Until, WatchOptions, rfc3339, watch,
};
