//! `lint`: every lint rule, preview ones too, on the input as one Go file; then the fixes of the findings applied
//! together, which must leave a file that still parses.

use std::path::Path;

use goroscope_lint::{Fix, GoVersion, Module, RULES, fix, lint_source};

pub fn check(data: &[u8]) {
    let path = Path::new("fuzz.go");
    // Rules depend on the module's Go version; half the inputs get none (the oldest behaviour), half Go 1.23.
    let module = Module {
        go_version: data.len().is_multiple_of(2).then_some(GoVersion::new(23)),
        ..Module::default()
    };
    let Ok(findings) = lint_source(path, data.to_vec(), &module, RULES) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fixes: Vec<&Fix> = findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    let (fixed, applied) = fix::apply(text, &fixes);
    if applied > 0
        && let Err(problem) = lint_source(path, fixed.clone().into_bytes(), &module, RULES)
    {
        panic!("the fixes broke the file: {}\n--- fixed:\n{fixed}", problem.message);
    }
}
