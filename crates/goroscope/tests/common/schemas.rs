//! Validation of SARIF and `JUnit` output against the schemas vendored in testdata/schemas.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use super::repo;

fn sarif_schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("testdata/schemas/sarif-2.1.0.json")).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the SARIF schema compiles")
    })
}

/// What the SARIF 2.1.0 schema finds wrong with `sarif`.
pub fn sarif_errors(sarif: &serde_json::Value) -> Vec<String> {
    sarif_schema().iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

pub fn assert_valid_sarif(path: &Path) {
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let errors = sarif_errors(&sarif);
    assert!(errors.is_empty(), "{} is not valid SARIF 2.1.0:\n{}", path.display(), errors.join("\n"));
}

/// What `xmllint --schema junit-10.xsd` finds wrong with the file, if anything; fails loudly when xmllint is
/// missing.
pub fn junit_errors(path: &Path) -> Option<String> {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(repo().join("testdata/schemas/junit-10.xsd"))
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint could not run ({e}): it validates JUnit output against the schema. Install it \
                 (Debian: apt-get install libxml2-utils; scripts/setup.sh does)."
            )
        });
    (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

pub fn assert_valid_junit(path: &Path) {
    if let Some(errors) = junit_errors(path) {
        panic!("{} is not valid JUnit XML:\n{errors}", path.display());
    }
}
