//! Whole batches as one JSON text parameter for SQLite, which unpacks them with `json_each`.
//!
//! sqlx-sqlite finds the slot of every `$n` parameter through `sqlite3_bind_parameter_name`, a linear search
//! inside SQLite, so binding a statement with thousands of numbered parameters costs the square of their
//! number (17 % of an import's time before). One JSON text per batch binds in constant time, and the
//! statement text no longer depends on the batch size, so it is prepared once per connection.

use std::fmt::Write as _;

/// A JSON array of row arrays, written column by column.
pub(crate) struct JsonRows {
    buf: String,
    rows: usize,
}

/// One row being written; the closing bracket is added by [`JsonRows::row`].
pub(crate) struct JsonRow<'a> {
    buf: &'a mut String,
    first: bool,
}

impl JsonRows {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        let mut buf = String::with_capacity(bytes + 2);
        buf.push('[');
        Self { buf, rows: 0 }
    }

    pub(crate) fn row(&mut self, write: impl FnOnce(&mut JsonRow<'_>)) {
        if self.rows > 0 {
            self.buf.push(',');
        }
        self.rows += 1;
        self.buf.push('[');
        let mut row = JsonRow {
            buf: &mut self.buf,
            first: true,
        };
        write(&mut row);
        self.buf.push(']');
    }

    pub(crate) fn finish(mut self) -> String {
        self.buf.push(']');
        self.buf
    }
}

impl JsonRow<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
    }

    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub(crate) fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    pub(crate) fn bool(&mut self, v: bool) -> &mut Self {
        self.int(i64::from(v))
    }

    pub(crate) fn text(&mut self, v: &str) -> &mut Self {
        self.sep();
        push_string(self.buf, v);
        self
    }

    pub(crate) fn opt_text(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.push_str("null");
        self
    }
}

/// A flat JSON array of strings, for `IN (SELECT value FROM json_each($n))` look-ups.
pub(crate) fn text_array<S: AsRef<str>>(items: &[S]) -> String {
    let mut buf =
        String::with_capacity(items.iter().map(|s| s.as_ref().len() + 3).sum::<usize>() + 2);
    buf.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        push_string(&mut buf, s.as_ref());
    }
    buf.push(']');
    buf
}

/// A flat JSON array of integers.
pub(crate) fn int_array(items: &[i64]) -> String {
    let mut buf = String::with_capacity(items.len() * 8 + 2);
    buf.push('[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        let _ = write!(buf, "{v}");
    }
    buf.push(']');
    buf
}

fn push_string(buf: &mut String, s: &str) {
    buf.push('"');
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        buf.push_str(s);
    } else {
        for ch in s.chars() {
            match ch {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(buf, "\\u{:04x}", u32::from(c));
                }
                c => buf.push(c),
            }
        }
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_escape_quotes_backslashes_and_control_characters() {
        let mut rows = JsonRows::with_capacity(0);
        rows.row(|r| {
            r.int(-3).text("a\"b\\c\n\u{1}").opt_text(None).bool(true);
        });
        rows.row(|r| {
            r.opt_int(None).text("普洱 세럼");
        });
        assert_eq!(
            rows.finish(),
            r#"[[-3,"a\"b\\c\u000a\u0001",null,1],[null,"普洱 세럼"]]"#
        );
        assert_eq!(text_array(&["x", "y\""]), r#"["x","y\""]"#);
        assert_eq!(text_array::<&str>(&[]), "[]");
        assert_eq!(int_array(&[1, -2]), "[1,-2]");
    }
}
