//! `//goroscope:ignore CODE[,CODE…] reason`: silence a rule on one line, or on a whole function when the comment
//! sits in the comment block right above the function's declaration.

use tree_sitter::Node;

use crate::finding::Finding;
use crate::syntax::Text;

const DIRECTIVE: &str = "//goroscope:ignore";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    /// Codes or rule names it silences.
    pub(crate) codes: Vec<String>,
    /// Lines it covers, inclusive.
    pub(crate) lines: (u32, u32),
}

/// The suppression a comment node makes, if it is a `//goroscope:ignore` directive. The engine calls this on
/// the comments it meets in its one walk of the tree.
pub(crate) fn suppression(text: &Text<'_>, comment: Node<'_>) -> Option<Suppression> {
    let codes = directive_codes(text.of(comment))?;
    Some(Suppression { codes, lines: covered_lines(text, comment) })
}

/// The codes named by a `//goroscope:ignore` comment; the words after the codes are the reason.
fn directive_codes(comment: &str) -> Option<Vec<String>> {
    let rest = comment.strip_prefix(DIRECTIVE)?;
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let codes: Vec<String> = rest
        .split([' ', '\t', ','])
        .filter(|w| !w.is_empty())
        .take_while(|w| is_code(w))
        .map(str::to_owned)
        .collect();
    (!codes.is_empty()).then_some(codes)
}

/// `GL001` or a rule name like `unreceived-send`.
fn is_code(word: &str) -> bool {
    let code = word.len() > 2
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.trim_start_matches(|c: char| c.is_ascii_uppercase()).chars().all(|c| c.is_ascii_digit());
    let name =
        word.contains('-') && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    code || name
}

/// A trailing comment covers its own line. A comment on its own line covers the next line of code, or the whole
/// function whose declaration follows the comment block.
fn covered_lines(text: &Text<'_>, comment: Node<'_>) -> (u32, u32) {
    let line = comment.start_position().row as u32 + 1;
    let before = &text.line(line)[..comment.start_position().column.min(text.line(line).len())];
    if !before.trim().is_empty() {
        return (line, line);
    }
    let mut next = comment.next_named_sibling();
    while let Some(sibling) = next.filter(|n| n.kind() == "comment") {
        next = sibling.next_named_sibling();
    }
    match next {
        Some(node) if matches!(node.kind(), "function_declaration" | "method_declaration") => {
            (node.start_position().row as u32 + 1, node.end_position().row as u32 + 1)
        }
        Some(node) => {
            let start = node.start_position().row as u32 + 1;
            (start, start)
        }
        None => (line + 1, line + 1),
    }
}

/// Whether a suppression silences the finding.
pub(crate) fn suppressed(suppressions: &[Suppression], finding: &Finding) -> bool {
    let line = finding.span.start.line;
    suppressions.iter().any(|s| {
        s.lines.0 <= line
            && line <= s.lines.1
            && s.codes.iter().any(|c| c == finding.code || c == finding.rule)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Vec<Suppression> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let text = Text::new(source.as_bytes());
        let mut found = Vec::new();
        crate::syntax::walk(tree.root_node(), &mut |node| {
            found.extend((node.kind() == "comment").then(|| suppression(&text, node)).flatten());
            true
        });
        found
    }

    #[test]
    fn a_comment_covers_its_line_the_next_line_or_the_function() {
        let source = "package p\n\
                      // Run does things.\n\
                      //goroscope:ignore GL001,GL002 the caller always receives\n\
                      func Run() {\n\
                      \tx := 1 //goroscope:ignore GL201 handed to the caller\n\
                      \t//goroscope:ignore unreceived-send\n\
                      \t_ = x\n\
                      }\n\
                      //goroscope:ignored GL001\n\
                      //goroscope:ignore because\n";
        let found = parse(source);
        assert_eq!(
            found,
            [
                Suppression { codes: vec!["GL001".into(), "GL002".into()], lines: (4, 8) },
                Suppression { codes: vec!["GL201".into()], lines: (5, 5) },
                Suppression { codes: vec!["unreceived-send".into()], lines: (7, 7) },
            ]
        );
    }
}
