//! Applying the mechanical fixes of findings to a file's text, and showing them as a unified diff. Writing the
//! result is the caller's business.

use crate::finding::{Edit, Fix};

/// The text after applying `fixes`, and how many were applied. A fix whose edits overlap an earlier one is left
/// out (run again to apply it). An edit that an earlier fix already makes, the same text at the same place (two
/// fixes adding the same import), is made once and is not an overlap.
pub fn apply(source: &str, fixes: &[&Fix]) -> (String, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        let new_edits: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.contains(e)).collect();
        let overlaps = new_edits.iter().any(|e| {
            taken.iter().any(|t| e.start < t.end.max(t.start + 1) && t.start < e.end.max(e.start + 1))
        });
        let in_bounds = fix.edits.iter().all(|e| {
            e.start <= e.end
                && e.end <= source.len()
                && source.is_char_boundary(e.start)
                && source.is_char_boundary(e.end)
        });
        if !overlaps && in_bounds {
            taken.extend(new_edits);
            applied += 1;
        }
    }
    taken.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(source.len() + 64);
    let mut at = 0;
    for edit in taken {
        out.push_str(&source[at..edit.start]);
        out.push_str(&edit.replacement);
        at = edit.end;
    }
    out.push_str(&source[at..]);
    (out, applied)
}

/// A unified diff from `before` to `after`, with `a/` and `b/` headers naming `path`.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            title: String::new(),
            safe: true,
            edits: edits
                .iter()
                .map(|(s, e, r)| Edit { start: *s, end: *e, replacement: (*r).to_owned() })
                .collect(),
        }
    }

    #[test]
    fn overlapping_fixes_are_left_for_the_next_run() {
        let first = fix(&[(0, 1, "A"), (4, 4, "!")]);
        let overlapping = fix(&[(0, 2, "xx")]);
        let later = fix(&[(2, 3, "C")]);
        let (out, applied) = apply("abcd", &[&first, &overlapping, &later]);
        assert_eq!((out.as_str(), applied), ("AbCd!", 2));
        assert!(unified_diff("x.go", "a\nb\n", "a\nc\n").contains("-b\n+c\n"));
    }

    #[test]
    fn an_edit_two_fixes_share_is_made_once() {
        let import = (0, 0, "import \"bytes\"\n");
        let first = fix(&[import, (1, 2, "X")]);
        let second = fix(&[import, (3, 4, "Y")]);
        let (out, applied) = apply("abcd", &[&first, &second]);
        assert_eq!((out.as_str(), applied), ("import \"bytes\"\naXcY", 2));
    }
}
