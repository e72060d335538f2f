//! Reading CSV text into a [`Table`] of trimmed string cells, with the delimiter detected or
//! chosen, and every error naming its file line (and column, where one is known).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::ColumnSchema;
use crate::EngineError;

/// Largest CSV the engine accepts, in bytes. A browser tab holds the whole file in memory.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows accepted (the header not counted).
pub const MAX_ROWS: usize = 200_000;
/// Most columns accepted.
pub const MAX_COLUMNS: usize = 500;

/// Delimiters the detector considers, in order of preference when the evidence ties.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
/// Lines (outside quotes) the detector looks at, the header included.
const DETECT_LINES: usize = 20;

/// How to read a CSV file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// `,`, `;` or tab; `None` detects it from the header and the first lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<u8>,
}

/// A CSV file as text cells: the header and the data rows, all of the same width. Read-only
/// once built (nothing in Assay changes a table's cells), so the kinds inferred from its cells
/// are worked out once and kept: a replay asks for them in several checks and in preparing the
/// data.
///
/// The cells are held as one text, row after row, with where each cell ends: a cell of its own
/// (a `String`) would cost 24 bytes and an allocation for a few characters, which made a table
/// several times its file's size.
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    /// Every cell's trimmed text, one after another, row after row.
    text: String,
    /// Where each cell ends in `text`, `headers.len()` per row; a cell starts where the one
    /// before it ends. `u32` suffices: a table's text is at most [`MAX_BYTES`].
    ends: Vec<u32>,
    row_count: usize,
    /// The 1-based file line where each row starts (the header is line 1), so messages about a
    /// row point into the file even after quoted newlines or blank lines. May be left empty when
    /// a table is built by hand; then row `r` is taken to be on line `r + 2`.
    pub lines: Vec<u64>,
    /// [`super::infer_schema`]'s answer, once asked.
    inferred: OnceLock<Vec<ColumnSchema>>,
}

/// Tables are equal when their cells and lines are, whether or not their kinds were inferred.
impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.headers == other.headers
            && self.row_count == other.row_count
            && self.text == other.text
            && self.ends == other.ends
            && self.lines == other.lines
    }
}

impl Table {
    /// Parses CSV text with a header row, detecting the delimiter.
    pub fn parse_csv(text: &str) -> Result<Self, EngineError> {
        Self::parse_csv_with(text.as_bytes(), &CsvOptions::default())
    }

    /// Parses CSV bytes with a header row. Quoting follows RFC 4180 (embedded delimiters, quotes
    /// and newlines); LF and CRLF line ends, a UTF-8 BOM and blank lines are accepted; cells are
    /// trimmed. Text that is not UTF-8 is an error naming the line and column.
    pub fn parse_csv_with(bytes: &[u8], options: &CsvOptions) -> Result<Self, EngineError> {
        if bytes.len() > MAX_BYTES {
            return Err(EngineError::Data(format!(
                "the file has {} bytes; the limit is {MAX_BYTES}",
                bytes.len()
            )));
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let delimiter = match options.delimiter {
            Some(d) if CANDIDATES.contains(&d) => d,
            Some(d) => {
                return Err(EngineError::setting(
                    "csv.delimiter",
                    format!(
                        "must be `,`, `;` or a tab; it is {:?}",
                        char::from(d).escape_default().to_string()
                    ),
                ));
            }
            None => detect_delimiter(bytes),
        };
        if let Some(line) = unclosed_quote(bytes, delimiter) {
            return Err(EngineError::Csv {
                line,
                column: None,
                message: "this quote is never closed, so the rest of the file would be one cell; \
                          close it or remove it"
                    .into(),
            });
        }
        // Flexible, so that ragged rows reach us with their line and get our own message, and a
        // line of spaces can be skipped like a blank one.
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(bytes);

        let mut lines_so_far = LineCounter::new(bytes);
        let header_record = reader.byte_headers().map_err(|e| csv_error(&e))?.clone();
        let header_line = lines_so_far.line_of(&header_record);
        if header_record.len() > MAX_COLUMNS {
            return Err(EngineError::Data(format!(
                "the file has {} columns; the limit is {MAX_COLUMNS}",
                header_record.len()
            )));
        }
        if header_record.is_empty() {
            return Err(EngineError::Csv {
                line: 1,
                column: None,
                message: "the file is empty: there is no header row".into(),
            });
        }
        let headers = decode(&header_record, header_line, None)?;
        if headers.iter().all(String::is_empty) {
            return Err(EngineError::Csv {
                line: header_line,
                column: None,
                message: "the header row is empty".into(),
            });
        }
        for (i, name) in headers.iter().enumerate() {
            if name.is_empty() {
                return Err(EngineError::Csv {
                    line: header_line,
                    column: None,
                    message: format!("column {} has no name in the header", i + 1),
                });
            }
            if headers[..i].contains(name) {
                return Err(EngineError::Csv {
                    line: header_line,
                    column: Some(name.clone()),
                    message: "this column name appears twice in the header".into(),
                });
            }
        }

        // The cells' text is at most the file's, and each cell but the last ends at a delimiter
        // or a line end: sized so, neither grows (a grown buffer briefly needs 1.5 times its size).
        let separators = bytes
            .iter()
            .filter(|&&b| b == delimiter || b == b'\n')
            .count();
        let mut cells = Cells {
            text: String::with_capacity(bytes.len()),
            ends: Vec::with_capacity(separators + 1),
        };
        let mut lines = Vec::new();
        for record in reader.byte_records() {
            let record = record.map_err(|e| csv_error(&e))?;
            let line = lines_so_far.line_of(&record);
            let blank = record.len() == 1 && record.iter().all(|f| f.trim_ascii().is_empty());
            if blank {
                continue;
            }
            if record.len() != headers.len() {
                return Err(EngineError::Csv {
                    line,
                    column: None,
                    message: format!(
                        "this row has {} fields; the header has {}",
                        record.len(),
                        headers.len()
                    ),
                });
            }
            if lines.len() == MAX_ROWS {
                return Err(EngineError::Data(format!(
                    "the file has more than {MAX_ROWS} data rows"
                )));
            }
            for (i, field) in record.iter().enumerate() {
                cells.push(cell_text(field, line, i, Some(&headers))?);
            }
            lines.push(line);
        }
        if lines.is_empty() {
            return Err(EngineError::Data(
                "the file has a header but no data rows".into(),
            ));
        }
        cells.text.shrink_to_fit();
        cells.ends.shrink_to_fit();
        lines.shrink_to_fit();
        Ok(Self {
            headers,
            text: cells.text,
            ends: cells.ends,
            row_count: lines.len(),
            lines,
            inferred: OnceLock::new(),
        })
    }

    /// Each column's inferred kind ([`super::infer_schema`]), worked out on the first call.
    pub(crate) fn inferred_schema(&self) -> &[ColumnSchema] {
        self.inferred
            .get_or_init(|| super::schema::infer_from_cells(self))
    }

    pub(crate) fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The 1-based file line of data row `row` (0-based).
    pub(crate) fn line_of(&self, row: usize) -> u64 {
        self.lines
            .get(row)
            .copied()
            .unwrap_or_else(|| row as u64 + 2)
    }

    /// Data rows (the header not counted).
    pub fn row_count(&self) -> usize {
        self.row_count
    }

    /// The data rows, top to bottom.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        let width = self.headers.len();
        (0..self.row_count).map(move |r| {
            let first = r * width;
            Row {
                text: &self.text,
                start: first.checked_sub(1).map_or(0, |i| self.ends[i]),
                ends: &self.ends[first..first + width],
            }
        })
    }

    /// The cell at `row`, `column`; outside the table, an empty cell (missing).
    pub fn cell(&self, row: usize, column: usize) -> &str {
        let width = self.headers.len();
        if row >= self.row_count || column >= width {
            return "";
        }
        let index = row * width + column;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i] as usize);
        &self.text[start..self.ends[index] as usize]
    }

    /// The cell at `row`, `column` as a finite number, or an error naming its line and column.
    pub fn number(&self, row: usize, column: usize) -> Result<f64, EngineError> {
        let cell = self.cell(row, column);
        let error = |message: String| EngineError::Csv {
            line: self.line_of(row),
            column: self.headers.get(column).cloned(),
            message,
        };
        if cell.is_empty() {
            return Err(error("the cell is empty (a missing value)".into()));
        }
        if super::is_missing(cell) {
            return Err(error(format!("`{cell}` marks a missing value")));
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(error(format!("`{cell}` is not a finite number"))),
            Err(_) => Err(error(format!("`{cell}` is not a number"))),
        }
    }

    /// The column's cells, top to bottom.
    pub fn column(&self, column: usize) -> impl Iterator<Item = &str> + '_ {
        (0..self.row_count).map(move |r| self.cell(r, column))
    }
}

/// One data row of a [`Table`]; rows compare cell by cell.
#[derive(Debug, Clone, Copy)]
pub struct Row<'t> {
    /// The table's text, and where in it the row's first cell starts and each cell ends.
    text: &'t str,
    start: u32,
    ends: &'t [u32],
}

impl<'t> Row<'t> {
    /// The row's cells, left to right.
    pub fn cells(self) -> impl Iterator<Item = &'t str> {
        let mut start = self.start as usize;
        self.ends.iter().map(move |&end| {
            let cell = &self.text[start..end as usize];
            start = end as usize;
            cell
        })
    }
}

impl PartialEq for Row<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cells().eq(other.cells())
    }
}

impl Eq for Row<'_> {}

impl PartialOrd for Row<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Row<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.cells().cmp(other.cells())
    }
}

/// A table's cells as they are read: one text and where each cell ends.
#[derive(Default)]
struct Cells {
    text: String,
    ends: Vec<u32>,
}

impl Cells {
    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        // The text is at most `MAX_BYTES` (checked before reading), far below `u32::MAX`.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }
}

/// Guesses the delimiter from the header and the first lines, counting each candidate outside
/// quotes. A candidate that appears in the header and as often on every sampled line wins; among
/// several, the one that splits the header most; with no consistent candidate, the most frequent
/// in the header; with none at all (one column), a comma.
pub fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut counts: Vec<[usize; CANDIDATES.len()]> = Vec::new();
    let mut current = [0usize; CANDIDATES.len()];
    let mut line_has_content = false;
    let mut in_quotes = false;
    for &b in bytes {
        match b {
            b'"' => {
                // An escaped quote (`""`) toggles twice, which leaves the state as it was.
                in_quotes = !in_quotes;
                line_has_content = true;
            }
            b'\n' if !in_quotes => {
                if line_has_content {
                    counts.push(current);
                    if counts.len() == DETECT_LINES {
                        break;
                    }
                }
                current = [0; CANDIDATES.len()];
                line_has_content = false;
            }
            _ if in_quotes => {}
            _ => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    current[i] += 1;
                }
                if !b.is_ascii_whitespace() || b == b'\t' {
                    line_has_content = true;
                }
            }
        }
    }
    if line_has_content && counts.len() < DETECT_LINES {
        counts.push(current);
    }
    let Some((header, rest)) = counts.split_first() else {
        return b',';
    };
    let mut best: Option<(bool, usize, usize)> = None; // (consistent, header count, candidate)
    for (i, &h) in header.iter().enumerate() {
        if h == 0 {
            continue;
        }
        let consistent = rest.iter().all(|line| line[i] == h);
        let better = match best {
            None => true,
            Some((c, n, _)) => (consistent, h) > (c, n),
        };
        if better {
            best = Some((consistent, h, i));
        }
    }
    best.map_or(b',', |(_, _, i)| CANDIDATES[i])
}

/// The line of a quote that opens a cell and is never closed, following the `csv` reader's rules:
/// a quote opens a quoted cell only as the cell's first byte, `""` inside it is a literal quote,
/// and any other quote closes it. The reader itself takes an unclosed quote to run to the end of
/// the file, which silently turns the rest of the file into one cell.
fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<u64> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        CellStart,
        InCell,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    let (mut line, mut opened_on) = (1u64, 1u64);
    for (i, &b) in bytes.iter().enumerate() {
        let line_break = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        let ends_cell = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::CellStart if b == b'"' => {
                opened_on = line;
                State::Quoted
            }
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::CellStart | State::InCell | State::QuoteInQuoted if ends_cell => {
                State::CellStart
            }
            State::CellStart | State::InCell | State::QuoteInQuoted => State::InCell,
        };
        if line_break {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(opened_on)
}

/// Finds the file line a record starts on. The `csv` reader gives each record the position where
/// the previous one ended, before any blank lines it skips, so its line numbers run short after
/// a blank line; this counts line breaks (LF, CRLF or a lone CR) up to the record's first byte.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Records come in file order, so counting resumes where the last call stopped.
    fn line_of(&mut self, record: &csv::ByteRecord) -> u64 {
        let ended = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.offset)
            .clamp(self.offset, self.bytes.len());
        let blank = self.bytes[ended..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let start = ended + blank;
        for (i, &b) in self.bytes[self.offset..start].iter().enumerate() {
            let next = self.bytes.get(self.offset + i + 1);
            if b == b'\n' || (b == b'\r' && next != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.offset = start;
        self.line
    }
}

/// UTF-8 decodes and trims each field; `headers` names the column of a bad field in a data row.
fn decode(
    record: &csv::ByteRecord,
    line: u64,
    headers: Option<&[String]>,
) -> Result<Vec<String>, EngineError> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| cell_text(field, line, i, headers).map(str::to_owned))
        .collect()
}

/// Field `i` of a record on `line` as trimmed text, or an error naming its line and column.
fn cell_text<'f>(
    field: &'f [u8],
    line: u64,
    i: usize,
    headers: Option<&[String]>,
) -> Result<&'f str, EngineError> {
    match std::str::from_utf8(field) {
        Ok(text) => Ok(text.trim()),
        Err(_) => Err(EngineError::Csv {
            line,
            column: headers.and_then(|h| h.get(i)).cloned(),
            message: match headers {
                Some(_) => "the cell is not valid UTF-8 text".to_owned(),
                None => format!("header field {} is not valid UTF-8 text", i + 1),
            },
        }),
    }
}

/// Errors the `csv` reader itself raises (flexible reading over bytes leaves few).
fn csv_error(error: &csv::Error) -> EngineError {
    let line = error.position().map_or(1, csv::Position::line);
    EngineError::Csv {
        line,
        column: None,
        message: error.to_string(),
    }
}
