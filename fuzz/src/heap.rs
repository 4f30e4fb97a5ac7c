//! `heap`: heap profiles (`debug=1` text with its `MemStats` trailer, several in a row, or proto) parsed, analysed
//! alone and as a series of two, and rendered as the HTML and JSON reports. The numbers come from the input, so
//! no arithmetic on them may overflow, the page must hold no script but its own, and the JSON must be JSON.

use goroscope_analyze::{MemoryContext, Options, memory};
use goroscope_dump::{HeapProfile, ParseOptions, Profile, parse_profiles};
use goroscope_report::Report;

pub fn check(data: &[u8]) {
    let Ok(profiles) = parse_profiles("fuzz", data, None, &ParseOptions { threads: 1, ..ParseOptions::default() })
    else {
        return;
    };
    let heaps: Vec<HeapProfile> = profiles
        .into_iter()
        .filter_map(|p| match p {
            Profile::Heap(heap) => Some(heap),
            Profile::Goroutines(_) => None,
        })
        .collect();
    let Some(last) = heaps.last() else { return };
    // One profile alone, then the file's profiles as a series, then the last one against itself.
    for series in [vec![last.clone()], heaps.clone(), vec![last.clone(), last.clone()]] {
        let Ok(found) = memory(&series, MemoryContext::default(), &Options::default(), None) else { continue };
        crate::analyze::rendered_safely(&Report::new(Vec::new()).with_memory(found));
    }
}
