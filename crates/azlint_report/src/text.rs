//! Compiler-style text: each finding as a miette report with a code frame.
//!
//! miette reads source through [`SourceCode`]; its own implementation for strings scans the
//! file from the start for every label, which on a 340 MB export with thousands of findings
//! would be quadratic. [`Window`] answers from azlint's line index instead: only the lines
//! shown are touched.

use std::fmt;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_source::{Files, SourceFile};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

/// How text is rendered.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    pub color: bool,
    /// Line width to wrap messages at.
    pub width: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            width: 100,
        }
    }
}

/// Renders findings as text, one report after another.
pub fn render_text(findings: &[Finding], files: &Files, opts: TextOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for f in findings {
        let (report, elsewhere) = Report::new(f, files);
        // Writing to a String cannot fail; a renderer error would only drop this one frame.
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", f.code, f.message));
        }
        // Labels in other files follow as frames of their own, under the finding.
        for related in elsewhere {
            let mut frame = String::new();
            if handler.render_report(&mut frame, &related).is_ok() {
                out.push_str(frame.trim_start_matches('\n'));
            }
        }
        out.push('\n');
    }
    out
}

/// Lines longer than this (in bytes) are shown clipped around the span.
const LONG_LINE: usize = 400;
/// Bytes shown on each side of a span in a clipped line.
const CLIP: usize = 60;

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Source text as miette reads it, one window of lines at a time.
struct Window<'a> {
    file: &'a SourceFile,
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.file.text();
        // What the frame prints: the same text, with control characters made harmless (the
        // file's copy is made only for a file whose frames would show some).
        let shown = |range: std::ops::Range<usize>| -> &[u8] {
            let bytes = &text.as_bytes()[range.clone()];
            if azlint_source::has_control(bytes) {
                &self.file.display_text().as_bytes()[range]
            } else {
                bytes
            }
        };
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let index = self.file.line_index();
        let first_line = index.line_of(text, start as u32);
        let name = self.file.name.clone();
        if before == 0 && after == 0 {
            // miette asks this way for the position in the frame's header.
            let pos = self.file.line_col(start as u32);
            return Ok(Box::new(MietteSpanContents::new_named(
                name,
                shown(start..end),
                *span,
                first_line,
                pos.column as usize - 1,
                1,
            )));
        }
        let last_line = index.line_of(text, end.saturating_sub(1).max(start) as u32);
        // Minified exports put everything on one line: never print more of a long line than
        // the span and some characters around it, and never a long line as context.
        let long = |l: usize| index.line_longer_than(text, l, LONG_LINE);
        let mut from = first_line;
        if !long(first_line) {
            for _ in 0..before {
                if from == 0 || long(from - 1) {
                    break;
                }
                from -= 1;
            }
        }
        let mut to = last_line;
        if !long(last_line) {
            for _ in 0..after {
                if to + 1 >= index.len() || long(to + 1) {
                    break;
                }
                to += 1;
            }
        }
        let mut data_start = index.line_start(text, from) as usize;
        // Through the last line's line break.
        let mut data_end = if to + 1 < index.len() {
            index.line_start(text, to + 1) as usize
        } else {
            text.len()
        };
        if long(first_line) {
            data_start = data_start.max(floor_boundary(text, start.saturating_sub(CLIP)));
        }
        if long(last_line) {
            // The line's end if it comes within the clip (looking no further: a minified
            // export's one line is the whole file).
            let clip = ceil_boundary(text, end + CLIP);
            let line_end =
                memchr::memchr(b'\n', &text.as_bytes()[end..clip]).map_or(clip, |i| end + i);
            let line_end = match text.as_bytes()[..line_end].last() {
                Some(b'\r') if line_end > end => line_end - 1,
                _ => line_end,
            };
            data_end = line_end.max(end);
        }
        let column = if data_start == index.line_start(text, from) as usize {
            0
        } else {
            self.file.line_col(data_start as u32).column as usize - 1
        };
        Ok(Box::new(MietteSpanContents::new_named(
            name,
            shown(data_start..data_end),
            SourceSpan::new(data_start.into(), data_end - data_start),
            from,
            column,
            to - from + 1,
        )))
    }
}

/// One finding, or one of its labels in another file, as a miette diagnostic.
struct Report<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<&'a str>,
    source: Option<Window<'a>>,
    labels: Vec<LabeledSpan>,
}

impl<'a> Report<'a> {
    /// The finding's report, and one report per label in another file.
    fn new(f: &'a Finding, files: &'a Files) -> (Self, Vec<Self>) {
        let primary_file = files.get(f.primary.file);
        let same_file: Vec<&Label> = f
            .secondary
            .iter()
            .filter(|l| l.file == f.primary.file && l.span.is_some())
            .collect();
        let elsewhere = f
            .secondary
            .iter()
            .filter(|l| l.file != f.primary.file || l.span.is_none());
        let mut labels = Vec::new();
        if let Some(span) = f.primary.span {
            labels.push(LabeledSpan::new_primary_with_span(
                f.primary.message.clone(),
                to_miette(span),
            ));
        }
        labels.extend(same_file.iter().filter_map(|l| {
            l.span
                .map(|s| LabeledSpan::new_with_span(l.message.clone(), to_miette(s)))
        }));
        let message = match f.primary.span {
            Some(_) => f.message.clone(),
            None => format!("{}: {}", primary_file.name, f.message),
        };
        let prefix = if f.cannot_tell { "cannot tell " } else { "" };
        let report = Report {
            message,
            code: Some(format!("{prefix}{} {}", f.code, f.name)),
            severity: severity(f.severity),
            help: f.help.as_deref(),
            source: f.primary.span.map(|_| Window { file: primary_file }),
            labels,
        };
        (
            report,
            elsewhere.map(|l| Report::related(l, files)).collect(),
        )
    }

    /// A secondary label in another file, shown below the main frame.
    fn related(l: &'a Label, files: &'a Files) -> Self {
        let file = files.get(l.file);
        let text = l.message.clone().unwrap_or_else(|| "related".to_string());
        Report {
            message: match l.span {
                Some(_) => text.clone(),
                None => format!("{}: {text}", file.name),
            },
            code: None,
            severity: miette::Severity::Advice,
            help: None,
            source: l.span.map(|_| Window { file }),
            labels: l
                .span
                .map(|s| LabeledSpan::new_primary_with_span(None, to_miette(s)))
                .into_iter()
                .collect(),
        }
    }
}

fn to_miette(span: azlint_source::Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len() as usize)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}
