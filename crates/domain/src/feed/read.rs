//! Streaming feed reader: turns a CSV, TSV or RSS/Atom byte stream into [`RawRow`]s one at a time, and
//! refuses files that are not feeds at all (empty, binary, wrong encoding, truncated) with a [`FileError`].

use super::{FeedFormat, FileError, REQUIRED_FIELDS, RawRow, canonical_field};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeSet;
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of the file is looked at before deciding what it is.
const PEEK_BYTES: u64 = 8 * 1024;
/// A single XML value longer than this is cut here: it is far past every length limit, so the row is
/// rejected as too long anyway, and memory stays bounded whatever the file holds.
const MAX_XML_VALUE_BYTES: usize = 1024 * 1024;
/// Unknown columns named in the warning; a generated XML feed could otherwise make the list endless.
const MAX_UNKNOWN_NAMED: usize = 30;
/// Item children that RSS and Atom put on every entry; they are not product data and not worth a warning.
const IGNORED_XML_CHILDREN: &[&str] = &[
    "guid",
    "pubdate",
    "updated",
    "published",
    "author",
    "category",
    "comments",
    "source",
    "enclosure",
];

/// Counts the bytes taken from the underlying reader, for progress bars; shared so the count stays
/// readable while the CSV or XML parser owns the stream.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.count.fetch_add(amt as u64, Ordering::Relaxed);
        self.inner.consume(amt);
    }
}

/// The peeked start of the file followed by the rest of it.
type Source<R> = Counted<io::Chain<io::Cursor<Vec<u8>>, R>>;

/// Reads a feed row by row. Construction looks at the start of the file (format, encoding, header,
/// first row) so that a file that is not a feed fails before anything is imported; later rows arrive
/// through the iterator. After the iterator yields an error it yields nothing more.
pub struct FeedReader<R: BufRead> {
    format: FeedFormat,
    inner: Inner<R>,
    warnings: Vec<String>,
    count: Arc<AtomicU64>,
    pending: Option<RawRow>,
    finished: bool,
}

enum Inner<R: BufRead> {
    Delimited(Box<DelimitedState<R>>),
    Xml(Box<XmlState<R>>),
}

struct DelimitedState<R: BufRead> {
    reader: csv::Reader<Source<R>>,
    /// Canonical field name per column index; `None` for ignored columns.
    columns: Vec<Option<&'static str>>,
    record: csv::ByteRecord,
}

struct XmlState<R: BufRead> {
    reader: quick_xml::Reader<Source<R>>,
    buf: Vec<u8>,
    /// The line the parser is on: one plus the newlines in every event so far. Markup delimiters never
    /// contain newlines, so the events' contents account for every line break in the file.
    line: u64,
    depth: u32,
    root_seen: bool,
    item: Option<XmlItem>,
    unknown: BTreeSet<String>,
    unknown_overflow: bool,
}

struct XmlItem {
    depth: u32,
    line: u64,
    fields: Vec<(String, String)>,
    /// The direct child being read: its canonical name, whether it was `g:`-prefixed, and its text.
    current: Option<(&'static str, bool, String)>,
}

impl<R: BufRead> FeedReader<R> {
    /// Opens a feed. `format` `None` sniffs it from the first bytes. Fails with a [`FileError`] when the
    /// file is empty, binary, not UTF-8, has no rows, lacks required columns or is not an RSS/Atom feed.
    pub fn new(mut input: R, format: Option<FeedFormat>) -> Result<Self, FileError> {
        let mut peek = Vec::with_capacity(PEEK_BYTES as usize);
        (&mut input)
            .take(PEEK_BYTES)
            .read_to_end(&mut peek)
            .map_err(read_failed)?;
        let mut skipped = 0u64;
        if peek.starts_with(UTF8_BOM) {
            peek.drain(..UTF8_BOM.len());
            skipped = UTF8_BOM.len() as u64;
        }
        check_start(&peek)?;
        let format = match format {
            Some(f) => f,
            None => FeedFormat::sniff(&peek).ok_or_else(empty_file)?,
        };
        let count = Arc::new(AtomicU64::new(skipped));
        let source = Counted {
            inner: io::Cursor::new(peek).chain(input),
            count: Arc::clone(&count),
        };
        let mut warnings = Vec::new();
        let inner =
            match format {
                FeedFormat::Csv | FeedFormat::Tsv => Inner::Delimited(Box::new(
                    DelimitedState::open(source, format, &mut warnings)?,
                )),
                FeedFormat::Xml => Inner::Xml(Box::new(XmlState::open(source))),
            };
        let mut reader = FeedReader {
            format,
            inner,
            warnings,
            count,
            pending: None,
            finished: false,
        };
        // Reading the first row here turns "a header and nothing else" and an unreadable first record
        // into a refusal of the whole file before the caller has started importing.
        match reader.next_row() {
            Some(Ok(row)) => reader.pending = Some(row),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(FileError::new(
                    "no_rows",
                    "the file has no product rows",
                    None,
                ));
            }
        }
        Ok(reader)
    }

    pub fn format(&self) -> FeedFormat {
        self.format
    }

    /// At most one warning per kind, e.g. "ignored unknown columns: foo, bar". For XML, unknown elements
    /// are found while reading, so the list is complete once the iterator is exhausted.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Bytes taken from the input so far (including read-ahead buffering), for progress display.
    pub fn bytes_read(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The counter behind [`Self::bytes_read`], for showing progress from another thread while this
    /// reader is busy in a blocking task.
    pub fn bytes_read_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.count)
    }

    fn next_row(&mut self) -> Option<Result<RawRow, FileError>> {
        match &mut self.inner {
            Inner::Delimited(state) => state.next_row(),
            Inner::Xml(state) => {
                let row = state.next_row();
                if let Some(w) = state.unknown_warning() {
                    self.warnings = vec![w];
                }
                row
            }
        }
    }
}

impl<R: BufRead> Iterator for FeedReader<R> {
    type Item = Result<RawRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(row) = self.pending.take() {
            return Some(Ok(row));
        }
        if self.finished {
            return None;
        }
        let next = self.next_row();
        if !matches!(next, Some(Ok(_))) {
            self.finished = true;
        }
        next
    }
}

fn read_failed(e: io::Error) -> FileError {
    FileError::new(
        "read_failed",
        format!("the file could not be read: {e}"),
        None,
    )
}

fn empty_file() -> FileError {
    FileError::new("empty_file", "the file is empty", None)
}

fn invalid_utf8(line: Option<u64>) -> FileError {
    FileError::new(
        "invalid_utf8",
        "the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8) and upload it again",
        line,
    )
}

/// Refuses, from the first bytes, files that cannot be feeds: empty, binary (including spreadsheets and
/// archives, with a hint), UTF-16, or not UTF-8.
fn check_start(peek: &[u8]) -> Result<(), FileError> {
    if peek.iter().all(u8::is_ascii_whitespace) {
        return Err(empty_file());
    }
    if peek.starts_with(b"\xFF\xFE") || peek.starts_with(b"\xFE\xFF") {
        return Err(FileError::new(
            "invalid_utf8",
            "the file is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8) and upload it again",
            None,
        ));
    }
    let binary = |what: &str| {
        FileError::new(
            "binary_file",
            format!("the file is {what}, not a CSV, TSV or XML feed"),
            None,
        )
    };
    if peek.starts_with(b"PK\x03\x04") {
        return Err(binary(
            "a ZIP archive or an Excel workbook (export the sheet as CSV)",
        ));
    }
    if peek.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(binary("an old Excel workbook (export the sheet as CSV)"));
    }
    if peek.starts_with(b"%PDF") {
        return Err(binary("a PDF document"));
    }
    if peek.starts_with(b"\x1F\x8B") {
        return Err(binary("gzip-compressed (decompress it first)"));
    }
    let controls = peek
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if peek.contains(&0) || controls * 20 > peek.len() {
        return Err(binary("binary data"));
    }
    if let Err(e) = std::str::from_utf8(peek) {
        // A multi-byte character cut by the peek boundary is not an error (`error_len` is None).
        if e.error_len().is_some() {
            let line = line_at(peek, e.valid_up_to());
            return Err(invalid_utf8(Some(line)));
        }
    }
    Ok(())
}

fn line_at(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

impl<R: BufRead> DelimitedState<R> {
    fn open(
        source: Source<R>,
        format: FeedFormat,
        warnings: &mut Vec<String>,
    ) -> Result<Self, FileError> {
        let delimiter = if format == FeedFormat::Tsv {
            b'\t'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            // Records end at LF only: with csv's default CRLF terminator a record after a CR LF is
            // reported as starting on the line before, and the error report must name the true line.
            // The CR is left on the last field and removed below.
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(source);
        let mut header = csv::ByteRecord::new();
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => return Err(empty_file()),
            Err(e) => return Err(csv_error(e)),
        }
        let header_line = header.position().map(csv::Position::line);
        let mut columns = Vec::with_capacity(header.len());
        let mut present = BTreeSet::new();
        let mut unknown = Vec::new();
        for raw in header.iter() {
            let name = std::str::from_utf8(raw).map_err(|_| invalid_utf8(header_line))?;
            let name = name.trim_start_matches('\u{feff}');
            match canonical_field(name) {
                Some(field) => {
                    present.insert(field);
                    columns.push(Some(field));
                }
                None => {
                    let shown = name.trim();
                    if !shown.is_empty() && unknown.len() < MAX_UNKNOWN_NAMED {
                        unknown.push(shown.to_owned());
                    }
                    columns.push(None);
                }
            }
        }
        let missing: Vec<&str> = REQUIRED_FIELDS
            .iter()
            .copied()
            .filter(|f| !present.contains(f))
            .collect();
        if !missing.is_empty() {
            let mut message = format!("required columns are missing: {}", missing.join(", "));
            if let Some(hint) = delimiter_hint(&header, format) {
                message.push_str("; ");
                message.push_str(hint);
            }
            return Err(FileError::new("missing_columns", message, header_line));
        }
        if !unknown.is_empty() {
            warnings.push(format!("ignored unknown columns: {}", unknown.join(", ")));
        }
        Ok(DelimitedState {
            reader,
            columns,
            record: csv::ByteRecord::new(),
        })
    }

    fn next_row(&mut self) -> Option<Result<RawRow, FileError>> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(csv_error(e))),
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            // Spreadsheets often end with rows of empty cells; they are not products.
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let mut fields = Vec::with_capacity(self.columns.len());
            let last = self.record.len().saturating_sub(1);
            for (i, (raw, column)) in self.record.iter().zip(&self.columns).enumerate() {
                let Some(name) = column else { continue };
                let raw = match raw.strip_suffix(b"\r") {
                    Some(stripped) if i == last => stripped,
                    _ => raw,
                };
                match std::str::from_utf8(raw) {
                    Ok(value) => fields.push(((*name).to_owned(), value.to_owned())),
                    Err(_) => return Some(Err(invalid_utf8(Some(line)))),
                }
            }
            return Some(Ok(RawRow { line, fields }));
        }
    }
}

/// When the header came out as one column, the file most likely uses another delimiter.
fn delimiter_hint(header: &csv::ByteRecord, format: FeedFormat) -> Option<&'static str> {
    if header.len() != 1 {
        return None;
    }
    let only = header.get(0).unwrap_or_default();
    if only.trim_ascii_start().starts_with(b"<") {
        Some("the file starts like XML: read it as an XML feed")
    } else if only.contains(&b'\t') {
        Some("the header is one column containing tabs: this looks like a TSV file read as CSV")
    } else if only.contains(&b',') && format == FeedFormat::Tsv {
        Some("the header is one column containing commas: this looks like a CSV file read as TSV")
    } else if only.contains(&b';') {
        Some(
            "the header is one column containing semicolons: save the file with commas or tabs between columns",
        )
    } else {
        None
    }
}

fn csv_error(e: csv::Error) -> FileError {
    let line = e.position().map(csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => read_failed(io),
        csv::ErrorKind::Utf8 { .. } => invalid_utf8(line),
        other => FileError::new(
            "malformed_csv",
            format!("the file is not valid CSV: {other:?}"),
            line,
        ),
    }
}

impl<R: BufRead> XmlState<R> {
    fn open(source: Source<R>) -> Self {
        let mut reader = quick_xml::Reader::from_reader(source);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        XmlState {
            reader,
            buf: Vec::new(),
            line: 1,
            depth: 0,
            root_seen: false,
            item: None,
            unknown: BTreeSet::new(),
            unknown_overflow: false,
        }
    }

    fn unknown_warning(&self) -> Option<String> {
        if self.unknown.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.unknown.iter().map(String::as_str).collect();
        let more = if self.unknown_overflow { ", …" } else { "" };
        Some(format!(
            "ignored unknown columns: {}{more}",
            names.join(", ")
        ))
    }

    fn malformed(&self, message: impl Into<String>) -> FileError {
        FileError::new("malformed_xml", message, Some(self.line))
    }

    fn next_row(&mut self) -> Option<Result<RawRow, FileError>> {
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(e) => return Some(Err(self.xml_error(e))),
            };
            let event_line = self.line;
            self.line += event.bytes().filter(|&b| b == b'\n').count() as u64;
            match event {
                Event::Start(e) => {
                    self.depth += 1;
                    if let Err(err) = self.start(&e, event_line) {
                        return Some(Err(err));
                    }
                }
                Event::Empty(e) => {
                    // A self-closing element is an element with no text: open and close it at once.
                    self.depth += 1;
                    if let Err(err) = self.start(&e, event_line) {
                        return Some(Err(err));
                    }
                    if let Some(row) = self.end() {
                        return Some(Ok(row));
                    }
                }
                Event::End(_) => {
                    if let Some(row) = self.end() {
                        return Some(Ok(row));
                    }
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    self.push_text(&text);
                }
                Event::CData(c) => {
                    let text = c.xml10_content();
                    self.push_text(&text);
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(ch)) => ch.to_string(),
                        Ok(None) => match quick_xml::escape::resolve_xml_entity(&r) {
                            Some(s) => s.to_owned(),
                            None => {
                                let name: &str = &r;
                                return Some(Err(self.malformed(format!(
                                        "unknown entity &{name}; (XML knows only &amp; &lt; &gt; &quot; &apos; and numeric ones)"
                                    ))));
                            }
                        },
                        Err(e) => {
                            return Some(Err(
                                self.malformed(format!("invalid character reference: {e}"))
                            ));
                        }
                    };
                    self.push_text(&resolved);
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Some(Err(self.malformed(
                            "the document ends before its elements are closed (is the file truncated?)",
                        )));
                    }
                    if !self.root_seen {
                        return Some(Err(self.malformed(
                            "the file has no XML elements; it is not an RSS or Atom feed",
                        )));
                    }
                    return None;
                }
                Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
            }
        }
    }

    fn xml_error(&self, e: quick_xml::Error) -> FileError {
        match e {
            quick_xml::Error::Io(io) => FileError::new(
                "read_failed",
                format!("the file could not be read: {io}"),
                None,
            ),
            quick_xml::Error::Encoding(_) => invalid_utf8(Some(self.line)),
            other => self.malformed(format!("the XML is not well-formed: {other}")),
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, line: u64) -> Result<(), FileError> {
        let qname = e.name();
        let full: &str = qname.as_ref();
        let local_name = e.local_name();
        let local: &str = local_name.as_ref();
        let prefixed = full.len() != local.len();
        if !self.root_seen {
            self.root_seen = true;
            if !matches!(local, "rss" | "feed" | "RDF") {
                return Err(self.malformed(format!(
                    "the root element is <{full}>; a feed is an RSS 2.0 <rss> or Atom <feed> document"
                )));
            }
            return Ok(());
        }
        match &mut self.item {
            None => {
                if local == "item" || local == "entry" {
                    self.item = Some(XmlItem {
                        depth: self.depth,
                        line,
                        fields: Vec::new(),
                        current: None,
                    });
                }
            }
            Some(item) if self.depth == item.depth + 1 => {
                let lower = local.to_ascii_lowercase();
                let field = match (lower.as_str(), prefixed) {
                    // Atom spells the description `summary` or `content`.
                    ("summary" | "content", false) => Some("description"),
                    _ => canonical_field(&lower),
                };
                match field {
                    Some(field) => {
                        let mut text = String::new();
                        // Atom links carry the URL in `href` (only the page itself, rel="alternate").
                        if field == "link" {
                            let mut rel_ok = true;
                            let mut href = None;
                            for attr in e.attributes().flatten() {
                                let key: &str = attr.key.as_ref();
                                let value = attr
                                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .ok()
                                    .map(|v| v.into_owned());
                                match key {
                                    "href" => href = value,
                                    "rel" => {
                                        rel_ok = value.as_deref().is_none_or(|r| r == "alternate")
                                    }
                                    _ => {}
                                }
                            }
                            match (href, rel_ok) {
                                (Some(h), true) => text = h,
                                (Some(_), false) => {
                                    item.current = None;
                                    return Ok(());
                                }
                                _ => {}
                            }
                        }
                        item.current = Some((field, prefixed, text));
                    }
                    None => {
                        item.current = None;
                        if !IGNORED_XML_CHILDREN.contains(&lower.as_str()) {
                            if self.unknown.len() < MAX_UNKNOWN_NAMED {
                                self.unknown.insert(full.to_owned());
                            } else if !self.unknown.contains(full) {
                                self.unknown_overflow = true;
                            }
                        }
                    }
                }
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn push_text(&mut self, text: &str) {
        if let Some(item) = &mut self.item
            && self.depth == item.depth + 1
            && let Some((_, _, value)) = &mut item.current
            && value.len() < MAX_XML_VALUE_BYTES
        {
            value.push_str(text);
        }
    }

    /// Closes the element at the current depth; returns the row when it was an item.
    fn end(&mut self) -> Option<RawRow> {
        let depth = self.depth;
        self.depth = self.depth.saturating_sub(1);
        let item = self.item.as_mut()?;
        if depth == item.depth + 1 {
            if let Some((field, prefixed, value)) = item.current.take() {
                let value = value.trim().to_owned();
                push_field(&mut item.fields, field, prefixed, value);
            }
            None
        } else if depth == item.depth {
            let item = self.item.take()?;
            Some(RawRow {
                line: item.line,
                fields: item.fields,
            })
        } else {
            None
        }
    }
}

/// Adds one XML child's value. Repeated `additional_image_link` elements (Google's way) are joined with
/// commas; otherwise a `g:`-prefixed element wins over an unprefixed one (Atom's own `<id>` is a URI, the
/// product id is `<g:id>`), which `RawRow::get` honours by taking the first non-blank value.
fn push_field(
    fields: &mut Vec<(String, String)>,
    field: &'static str,
    prefixed: bool,
    value: String,
) {
    if field == "additional_image_link"
        && let Some((_, existing)) = fields.iter_mut().find(|(n, _)| n == field)
    {
        if !value.is_empty() {
            if !existing.is_empty() {
                existing.push(',');
            }
            existing.push_str(&value);
        }
        return;
    }
    if prefixed {
        fields.insert(0, (field.to_owned(), value));
    } else {
        fields.push((field.to_owned(), value));
    }
}
