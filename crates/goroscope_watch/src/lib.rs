//! Watches live Go services over time: cheap goroutine counts polled often, aggregated profiles less often, full
//! dumps only when a group grows; history in `SQLite`; alarms from the same series analysis as `goroscope series`;
//! a Prometheus exporter.

pub mod store;

pub use store::{
    GroupCount, NewSample, SCHEMA_VERSION, Store, StoreError, StoredGroup, StoredPoint, TargetSummary,
};
