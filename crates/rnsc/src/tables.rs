//! nsc's ASCII tables: a centred title spanning the table, an optional header row, rows with
//! explicit separators, drawn with `+`, `-` and `|`.

use tabled::builder::Builder;
use tabled::settings::object::Rows;
use tabled::settings::style::HorizontalLine;
use tabled::settings::themes::Theme;
use tabled::settings::{Alignment, Panel, Style};

enum Row {
    Cells(Vec<String>),
    Separator,
}

/// A table being filled.
pub struct Table {
    title: String,
    headers: Option<Vec<String>>,
    rows: Vec<Row>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            headers: None,
            rows: Vec::new(),
        }
    }

    pub fn headers(mut self, headers: &[&str]) -> Self {
        self.headers = Some(headers.iter().map(|h| h.to_string()).collect());
        self
    }

    /// A row of cells.
    pub fn row<S: ToString>(&mut self, cells: &[S]) {
        self.rows
            .push(Row::Cells(cells.iter().map(ToString::to_string).collect()));
    }

    /// A `label | value` row.
    pub fn kv(&mut self, label: &str, value: impl ToString) {
        self.row(&[label.to_string(), value.to_string()]);
    }

    /// A `+---+` line before the next row.
    pub fn separator(&mut self) {
        if matches!(self.rows.last(), Some(Row::Cells(_))) {
            self.rows.push(Row::Separator);
        }
    }

    pub fn render(&self) -> String {
        let mut builder = Builder::default();
        let mut lines = Vec::new();
        let mut count = 0usize;
        if let Some(h) = &self.headers {
            builder.push_record(h.clone());
            count += 1;
            lines.push(count);
        }
        for row in &self.rows {
            match row {
                Row::Cells(cells) => {
                    builder.push_record(cells.clone());
                    count += 1;
                }
                Row::Separator => lines.push(count),
            }
        }
        if count == 0 {
            builder.push_record([String::new()]);
        }
        let mut table = builder.build();
        table.with(Panel::header(self.title.clone()));
        let mut theme = Theme::from_style(Style::ascii());
        theme.remove_horizontal_lines();
        // The title spans every column, so the top border has no column joints.
        theme.set_borders_intersection_top('-');
        let line = HorizontalLine::full('-', '+', '+', '+');
        theme.insert_horizontal_line(1, line);
        for at in lines {
            // +1 for the title row.
            if at < count {
                theme.insert_horizontal_line(at + 1, line);
            }
        }
        table.with(theme);
        table.modify(Rows::first(), Alignment::center());
        let mut out = table.to_string();
        out.push('\n');
        out
    }
}

/// `YYYY-MM-DD hh:mm:ss UTC`; empty for 0.
pub fn date(unix: i64) -> String {
    if unix == 0 {
        return String::new();
    }
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// A count limit: `Unlimited` for negative values.
pub fn limit(n: i64) -> String {
    if n < 0 {
        "Unlimited".to_string()
    } else {
        n.to_string()
    }
}

/// A byte limit as nsc prints it: `Unlimited`, or `1.0 MB (1000000 bytes)`.
pub fn bytes(n: i64) -> String {
    if n < 0 {
        return "Unlimited".to_string();
    }
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    let f = n as f64;
    for (unit, size) in units {
        if f >= size {
            return format!("{:.1} {unit} ({n} bytes)", f / size);
        }
    }
    format!("{n} B ({n} bytes)")
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

pub fn true_false(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_spans_and_rows_have_no_lines_between_them() {
        let mut t = Table::new("Operator Details");
        t.kv("Name", "O");
        t.kv("Operator ID", "OABC");
        t.separator();
        t.kv("Signing Keys", "OXYZ");
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("+-") && !lines[0][1..lines[0].len() - 1].contains('+'));
        assert!(lines[1].contains("Operator Details"));
        assert!(lines[3].starts_with("| Name") && lines[3].contains("| O"));
        assert!(lines[4].starts_with("| Operator ID"));
        assert!(lines[5].starts_with("+-"));
        assert!(lines[6].starts_with("| Signing Keys"));
        assert_eq!(lines.len(), 8, "{out}");
    }

    #[test]
    fn byte_limits_read_like_nsc() {
        assert_eq!(bytes(-1), "Unlimited");
        assert_eq!(bytes(1_000_000), "1.0 MB (1000000 bytes)");
        assert_eq!(date(0), "");
        assert_eq!(date(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
