//! What the user names on the command line, turned into snapshots: files (plain, `.gz`, `.zst`), standard input,
//! live services over HTTP(S) and gops agents.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek};
use std::time::Duration;

use goroscope_collect::{CollectError, Compression, GopsOptions, HttpClient, Limits, Profile, Target};
use goroscope_dump::{
    DumpError, InputFormat, ParseOptions, Profile as Parsed, Snapshot, adopt_labels, adopt_leaks,
    parse_profiles,
};
use indicatif::{ProgressBar, ProgressStyle};

/// Inputs at least this large get a progress bar (on a terminal).
const PROGRESS_FROM_BYTES: u64 = 16 << 20;

/// How to read inputs.
pub(crate) struct Reading {
    pub(crate) format: Option<InputFormat>,
    pub(crate) http: HttpClient,
    pub(crate) gops: GopsOptions,
    pub(crate) limits: Limits,
    /// Live services: fetch `debug=1` instead of `debug=2`.
    pub(crate) cheap: bool,
    /// Live services: fetch the heap profile too (`debug=1`, after a collection).
    pub(crate) memory: bool,
    pub(crate) threads: usize,
    pub(crate) quiet: bool,
}

/// Why an input could not be analysed.
#[derive(Debug)]
pub(crate) enum InputError {
    Open(io::Error),
    Parse(DumpError),
    Collect(CollectError),
}

impl From<DumpError> for InputError {
    fn from(e: DumpError) -> Self {
        InputError::Parse(e)
    }
}

impl From<CollectError> for InputError {
    fn from(e: CollectError) -> Self {
        InputError::Collect(e)
    }
}

impl InputError {
    /// The message for standard error: what happened, then a hint on what to do.
    pub(crate) fn report(&self, name: &str) {
        let name = goroscope_collect::redact(name);
        let (message, hint) = match self {
            InputError::Open(e) => (format!("cannot open: {e}"), None),
            InputError::Parse(e) => {
                let cause = std::error::Error::source(e).map(|c| format!(": {c}")).unwrap_or_default();
                (format!("{e}{cause}"), e.hint())
            }
            // Its messages end with what to do.
            InputError::Collect(e) => (e.to_string(), None),
        };
        eprintln!("goroscope: error: {name}: {message}");
        if let Some(hint) = hint {
            eprintln!("  hint: {hint}");
        }
    }
}

/// Reads one named input into its goroutine snapshots (a log can hold several dumps); a heap profile is an error.
pub(crate) fn read(name: &str, reading: &Reading) -> Result<Vec<Snapshot>, InputError> {
    read_profiles(name, reading)?
        .into_iter()
        .map(|profile| match profile {
            Parsed::Goroutines(snapshot) => Ok(snapshot),
            Parsed::Heap(_) => Err(InputError::Parse(DumpError::HeapProfile)),
        })
        .collect()
}

/// Reads one named input into its goroutine snapshots and heap profiles, in input order.
pub(crate) fn read_profiles(name: &str, reading: &Reading) -> Result<Vec<Parsed>, InputError> {
    if name == "-" {
        let bar = progress_bar(None, reading.quiet);
        return parse(name, io::stdin(), reading, bar.as_ref());
    }
    if name.starts_with("http://") || name.starts_with("https://") {
        return live(name, reading);
    }
    if name.starts_with("pid:") || name.starts_with("gops://") {
        let target = goroscope_collect::parse_gops_target(name)?;
        let bytes = goroscope_collect::fetch_gops(&target, &reading.gops)?;
        return parse(name, io::Cursor::new(bytes), reading, None);
    }
    let mut file = File::open(name).map_err(InputError::Open)?;
    let meta = file.metadata().map_err(InputError::Open)?;
    if meta.is_dir() {
        return Err(InputError::Open(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory; give a dump file",
        )));
    }
    // The bar counts decompressed bytes: against a compressed file's size it can only spin.
    let mut magic = [0u8; 4];
    let magic_len = file.read(&mut magic).map_err(InputError::Open)?;
    file.seek(io::SeekFrom::Start(0)).map_err(InputError::Open)?;
    let known_len = (Compression::sniff(&magic[..magic_len]) == Compression::None).then_some(meta.len());
    let bar = (meta.len() >= PROGRESS_FROM_BYTES).then(|| progress_bar(known_len, reading.quiet)).flatten();
    parse(name, file, reading, bar.as_ref())
}

/// Decompresses when the bytes say so, detects the format (unless forced) and parses.
fn parse(
    name: &str,
    reader: impl Read + Send + 'static,
    reading: &Reading,
    bar: Option<&ProgressBar>,
) -> Result<Vec<Parsed>, InputError> {
    let tick = |bytes: u64| {
        if let Some(bar) = bar {
            bar.set_position(bytes);
        }
    };
    let reader = goroscope_collect::open_decompressed(reader, &reading.limits)?;
    let options = ParseOptions { threads: reading.threads, progress: Some(&tick), ..ParseOptions::default() };
    let result = parse_profiles(name, reader, reading.format, &options).map_err(|e| match e {
        // A size cap or corrupt compressed data met while reading surfaces as an I/O error of the parser.
        DumpError::Io { source, .. } if source.get_ref().is_some_and(|e| e.is::<CollectError>()) => {
            InputError::Collect(CollectError::from_read_error(source, "the input"))
        }
        e => InputError::Parse(e),
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

/// A live service. A full pprof URL is fetched as given. A base URL gets the goroutineleak profile when the
/// service serves it (Go 1.26+ with the experiment, 1.27+), then `debug=1` for labels and the true total, then
/// `debug=2` for the goroutines themselves; `--cheap` stops after `debug=1`. The leak profile comes first
/// because its detection cycle also marks the leaked goroutines in the `debug=2` dump that follows. With
/// `--memory`, the heap profile follows (`debug=1`, for its `MemStats`, after a collection so that it counts
/// live memory only). Each profile without a time of its own gets the time it was fetched.
fn live(name: &str, reading: &Reading) -> Result<Vec<Parsed>, InputError> {
    let fetch = |url: &str| -> Result<Vec<Parsed>, InputError> {
        let fetched = reading.http.fetch(url)?;
        let now = now_nanos();
        let mut profiles = parse(&fetched.final_url, io::Cursor::new(fetched.body), reading, None)?;
        for profile in &mut profiles {
            match profile {
                Parsed::Goroutines(s) => s.time_nanos = s.time_nanos.or(now),
                Parsed::Heap(h) => h.time_nanos = h.time_nanos.or(now),
            }
        }
        Ok(profiles)
    };
    let one = |url: &str| -> Result<Snapshot, InputError> {
        match fetch(url)?.remove(0) {
            Parsed::Goroutines(snapshot) => Ok(snapshot),
            Parsed::Heap(_) => Err(InputError::Parse(DumpError::HeapProfile)),
        }
    };
    let debug = if reading.cheap { 1 } else { 2 };
    let target = goroscope_collect::parse_http_target(name)?;
    match &target {
        Target::Explicit(url) => return fetch(url),
        Target::Base { profile: Some(profile), .. } if profile.is_heap() => {
            return fetch(&target.url(*profile, 1));
        }
        Target::Base { profile: Some(profile), .. } => return fetch(&target.url(*profile, debug)),
        Target::Base { profile: None, .. } => {}
    }
    let leaks = match one(&target.url(Profile::GoroutineLeak, 1)) {
        Ok(leaks) => Some(leaks),
        // Not served: an older Go, or the experiment is off.
        Err(InputError::Collect(CollectError::UnknownProfile { .. } | CollectError::NotFound { .. })) => None,
        Err(e) => return Err(e),
    };
    let counted = one(&target.url(Profile::Goroutine, 1))?;
    let mut snapshot = if reading.cheap {
        counted
    } else {
        let mut detailed = one(&target.url(Profile::Goroutine, 2))?;
        if detailed.goroutines.iter().all(|g| g.extra.as_ref().is_none_or(|e| e.labels.is_none())) {
            adopt_labels(&mut detailed, &counted);
        }
        detailed.expected_total = counted.total;
        if let Some(truncation) = &mut detailed.truncated {
            truncation.reason.push_str("; --cheap (debug=1) counts every goroutine within the size cap");
        }
        detailed
    };
    if let Some(leaks) = &leaks {
        adopt_leaks(&mut snapshot, leaks);
    }
    snapshot.source = goroscope_collect::redact(name);
    let mut profiles = vec![Parsed::Goroutines(snapshot)];
    if reading.memory {
        let url = target.url(Profile::Heap, 1);
        let collected = if url.contains("gc=") { url } else { format!("{url}&gc=1") };
        for mut profile in fetch(&collected)? {
            if let Parsed::Heap(heap) = &mut profile {
                heap.source = format!("{} (heap)", goroscope_collect::redact(name));
            }
            profiles.push(profile);
        }
    }
    Ok(profiles)
}

/// Now, in nanoseconds since the Unix epoch.
fn now_nanos() -> Option<i64> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// A progress bar on standard error, only when it is a terminal.
fn progress_bar(len: Option<u64>, quiet: bool) -> Option<ProgressBar> {
    if quiet || !io::stderr().is_terminal() {
        return None;
    }
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{spinner} parsing {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta}",
            )
            .ok()?
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} parsing {bytes} {bytes_per_sec}").ok()?),
    };
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}
