//! pandas' JSON documents inside a model.json read in one pass into typed
//! cells, without a `serde_json::Value` per row: an `orient='table'` frame's
//! rows go straight into one column of [`Cell`]s per name (no map, and no
//! key string, per row), an `orient='split'` series into its values.

use std::fmt;

use serde_json::{Map, Number, Value};

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

/// One JSON value of a pandas document.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Cell {
    /// Not in its row (a table's row without this column).
    #[default]
    Missing,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A negative integer.
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// Any other number.
    Float(f64),
    /// A string.
    Text(String),
    /// A list.
    List(Vec<Cell>),
    /// An object, its entries in order.
    Object(Vec<(String, Cell)>),
}

impl Cell {
    /// The number (as serde_json's `Value::as_f64`).
    pub(super) fn as_f64(&self) -> Option<f64> {
        match *self {
            Cell::Int(v) => Some(v as f64),
            Cell::UInt(v) => Some(v as f64),
            Cell::Float(v) => Some(v),
            _ => None,
        }
    }

    /// A non-negative integer.
    pub(super) fn as_u64(&self) -> Option<u64> {
        match *self {
            Cell::UInt(v) => Some(v),
            _ => None,
        }
    }

    /// An integer that fits `i64`.
    pub(super) fn as_i64(&self) -> Option<i64> {
        match *self {
            Cell::Int(v) => Some(v),
            Cell::UInt(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The string.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The entry `key` of an object.
    pub(super) fn get(&self, key: &str) -> Option<&Cell> {
        match self {
            Cell::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `Missing` or `null`.
    pub(super) fn is_null(&self) -> bool {
        matches!(self, Cell::Missing | Cell::Null)
    }

    /// The same JSON as a `serde_json::Value` (as serde_json would have
    /// read it; `Missing` is `null`), for what a model keeps verbatim.
    pub(super) fn to_value(&self) -> Value {
        match self {
            Cell::Missing | Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Int(v) => Value::from(*v),
            Cell::UInt(v) => Value::from(*v),
            Cell::Float(v) => Number::from_f64(*v).map_or(Value::Null, Value::Number),
            Cell::Text(s) => Value::String(s.clone()),
            Cell::List(items) => Value::Array(items.iter().map(Cell::to_value).collect()),
            Cell::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }

    /// For an error message: scalars as they are, lists and objects by kind.
    pub(super) fn shown(&self) -> String {
        match self {
            Cell::Missing | Cell::Null => "null".into(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(v) => v.to_string(),
            Cell::UInt(v) => v.to_string(),
            Cell::Float(v) => format!("{v:?}"),
            Cell::Text(s) => format!("{s:?}"),
            Cell::List(_) => "a list".into(),
            Cell::Object(_) => "an object".into(),
        }
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cell, E> {
        Ok(Cell::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(if v >= 0 {
            Cell::UInt(v as u64)
        } else {
            Cell::Int(v)
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(Cell::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        Ok(Cell::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        Ok(Cell::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell, E> {
        Ok(Cell::Text(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cell, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(c) = seq.next_element()? {
            items.push(c);
        }
        Ok(Cell::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        let mut entries: Vec<(String, Cell)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Cell>()? {
            // A key twice: the last value in the first place, as serde_json's
            // ordered map keeps it.
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Cell::Object(entries))
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

/// A pandas document: a table's `schema` and its rows by column, or a
/// series' values; every other key is skipped unread.
#[derive(Debug, Default)]
pub(super) struct PandasDoc {
    /// `schema` as written (`Missing` when absent).
    pub schema: Cell,
    /// Whether there is a `data` list.
    pub has_data: bool,
    /// `data`'s rows (objects), column by column, in the order the names
    /// first appear; a row without a column holds `Missing` there.
    pub columns: Vec<(String, Vec<Cell>)>,
    /// How many rows (objects) `data` holds.
    pub rows: usize,
    /// `data`'s other elements (a series' values), in order.
    pub values: Vec<Cell>,
    /// How many cells the rows gave (the rest of `columns` is `Missing`).
    given: usize,
}

/// Most columns a table's rows may name: a model's history has a handful
/// beside one per regressor (`ModelBounds::max_feature_columns`, 1,000).
/// (The refusal's text says the number.)
pub(super) const MAX_TABLE_COLUMNS: usize = 2_048;

/// Cells a table may hold beyond twice those its rows give: rows that each
/// name other columns would otherwise make rows × columns `Missing` cells
/// out of a few bytes each (a pandas table's rows all name every column).
const SPARE_CELLS: usize = 1 << 16;

impl PandasDoc {
    /// Refuses a table whose columns × rows outgrow what its rows give.
    fn check_density<E: de::Error>(&self) -> Result<(), E> {
        let cells = self.columns.len().saturating_mul(self.rows);
        if cells > self.given.saturating_mul(2).saturating_add(SPARE_CELLS) {
            return Err(E::custom(
                "a pandas table whose rows leave out most of its columns: \
                 every row of an orient='table' frame names every column",
            ));
        }
        Ok(())
    }
}

impl PandasDoc {
    /// The column `name` (one cell per row), if any row has it.
    pub(super) fn column(&self, name: &str) -> Option<&[Cell]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_slice())
    }
}

/// The keys a pandas document is read by.
enum DocKey {
    Schema,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for DocKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DocKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DocKey, E> {
                Ok(match v {
                    "schema" => DocKey::Schema,
                    "data" => DocKey::Data,
                    _ => DocKey::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de> Deserialize<'de> for PandasDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PandasDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a pandas JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PandasDoc, A::Error> {
                let mut doc = PandasDoc::default();
                while let Some(key) = map.next_key()? {
                    match key {
                        DocKey::Schema => doc.schema = map.next_value()?,
                        DocKey::Data => {
                            map.next_value_seed(Data(&mut doc))?;
                        }
                        DocKey::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let rows = doc.rows;
                for (_, cells) in &mut doc.columns {
                    cells.resize(rows, Cell::Missing);
                }
                Ok(doc)
            }
        }
        d.deserialize_map(V)
    }
}

/// `data`: a list of rows or values.
struct Data<'a>(&'a mut PandasDoc);

impl<'de> DeserializeSeed<'de> for Data<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Data<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a `data` list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.has_data = true;
        while seq.next_element_seed(Element(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One element of `data`: a row (an object) or a value.
struct Element<'a>(&'a mut PandasDoc);

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Element<'_> {
    fn value(self, cell: Cell) {
        self.0.values.push(cell);
    }
}

impl<'de> Visitor<'de> for Element<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row or a value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        CellVisitor.visit_bool(v).map(|c| self.value(c))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        CellVisitor.visit_i64(v).map(|c| self.value(c))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        CellVisitor.visit_u64(v).map(|c| self.value(c))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        CellVisitor.visit_f64(v).map(|c| self.value(c))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        CellVisitor.visit_str(v).map(|c| self.value(c))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        CellVisitor.visit_string(v).map(|c| self.value(c))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        CellVisitor.visit_unit().map(|c| self.value(c))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        CellVisitor.visit_seq(seq).map(|c| self.value(c))
    }
    /// A row: each cell straight into its column.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let doc = self.0;
        let row = doc.rows;
        let mut position = 0;
        while let Some(c) = map.next_key_seed(ColumnOf {
            columns: &mut doc.columns,
            hint: position,
        })? {
            let cell = map.next_value::<Cell>()?;
            let column = &mut doc.columns[c].1;
            column.resize(row, Cell::Missing);
            // A name twice in a row: the last one, as a JSON object keeps it.
            if column.len() > row {
                column[row] = cell;
            } else {
                column.push(cell);
            }
            position = c + 1;
            doc.given += 1;
        }
        doc.rows += 1;
        doc.check_density()
    }
}

/// A row's key: the index of its column (added when new), looked up first
/// where the previous key's column is followed in a pandas row.
struct ColumnOf<'a> {
    columns: &'a mut Vec<(String, Vec<Cell>)>,
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for ColumnOf<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for ColumnOf<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        if self.columns.get(self.hint).is_some_and(|(n, _)| n == name) {
            return Ok(self.hint);
        }
        if let Some(i) = self.columns.iter().position(|(n, _)| n == name) {
            return Ok(i);
        }
        if self.columns.len() >= MAX_TABLE_COLUMNS {
            return Err(E::custom("a pandas table of more than 2048 columns"));
        }
        self.columns.push((name.to_owned(), Vec::new()));
        Ok(self.columns.len() - 1)
    }
}

/// `params`: each parameter's JSON, in the document's order.
#[derive(Debug, Default)]
pub(super) struct ParamsDoc(pub Vec<(String, Cell)>);

impl<'de> Deserialize<'de> for ParamsDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Cell::deserialize(d)? {
            Cell::Object(entries) => Ok(ParamsDoc(entries)),
            other => Err(de::Error::custom(format!(
                "`params` must be an object, not {}",
                other.shown()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> PandasDoc {
        serde_json::from_slice(text.as_bytes()).unwrap()
    }

    #[test]
    fn rows_go_into_columns_with_missing_cells_and_the_last_of_a_repeated_name() {
        let d = doc(
            r#"{"data":[{"ds":"2022-01-01","y":1},{"y":-2.5,"ds":null,"x":true},{"y":3,"y":4}],
                "schema":{"fields":[{"name":"ds","type":"datetime"}]},"extra":[1,{"a":2}]}"#,
        );
        assert_eq!(d.rows, 3);
        assert!(d.has_data && d.values.is_empty());
        assert_eq!(
            d.column("ds").unwrap(),
            [Cell::Text("2022-01-01".into()), Cell::Null, Cell::Missing]
        );
        assert_eq!(
            d.column("y").unwrap(),
            [Cell::UInt(1), Cell::Float(-2.5), Cell::UInt(4)]
        );
        assert_eq!(
            d.column("x").unwrap(),
            [Cell::Missing, Cell::Bool(true), Cell::Missing]
        );
        // The schema is read whether it comes before or after the rows.
        assert_eq!(d.schema.get("fields").unwrap().shown(), "a list");
    }

    #[test]
    fn a_series_keeps_its_values_and_objects_keep_the_last_value_in_the_first_place() {
        let d = doc(r#"{"name":"ds","index":[0,1],"data":["a",-3,18446744073709551615,1e300]}"#);
        assert_eq!(
            d.values,
            [
                Cell::Text("a".into()),
                Cell::Int(-3),
                Cell::UInt(u64::MAX),
                Cell::Float(1e300)
            ]
        );
        assert_eq!(d.rows, 0);
        let o: Cell = serde_json::from_slice(br#"{"a":1,"b":2,"a":[null]}"#).unwrap();
        assert_eq!(
            o,
            Cell::Object(vec![
                ("a".into(), Cell::List(vec![Cell::Null])),
                ("b".into(), Cell::UInt(2))
            ])
        );
        assert_eq!(
            o.to_value(),
            serde_json::from_slice::<Value>(br#"{"a":1,"b":2,"a":[null]}"#).unwrap()
        );
        assert!(serde_json::from_slice::<PandasDoc>(b"[1]").is_err());
        assert!(serde_json::from_slice::<PandasDoc>(br#"{"data":{"a":1}}"#).is_err());
    }

    fn table_of(rows: impl Iterator<Item = String>) -> String {
        format!(r#"{{"data":[{}]}}"#, rows.collect::<Vec<_>>().join(","))
    }

    #[test]
    fn a_table_of_the_most_columns_reads_and_one_more_does_not() {
        let row = |n: usize| {
            let cells: Vec<String> = (0..n).map(|c| format!(r#""c{c}":{c}"#)).collect();
            format!("{{{}}}", cells.join(","))
        };
        let most = doc(&table_of((0..3).map(|_| row(MAX_TABLE_COLUMNS))));
        assert_eq!((most.columns.len(), most.rows), (MAX_TABLE_COLUMNS, 3));
        let err = serde_json::from_str::<PandasDoc>(&table_of(std::iter::once(row(
            MAX_TABLE_COLUMNS + 1,
        ))))
        .unwrap_err();
        assert!(err.to_string().contains("more than 2048 columns"), "{err}");
    }

    #[test]
    fn rows_that_each_name_another_column_are_refused_before_they_fill_rows_by_columns() {
        // 2,000 rows of one new column each would be 4,000,000 cells.
        let sparse = table_of((0..2_000).map(|r| format!(r#"{{"c{r}":0}}"#)));
        let err = serde_json::from_str::<PandasDoc>(&sparse).unwrap_err();
        assert!(err.to_string().contains("leave out most of its"), "{err}");
        // The same cells as a dense table read.
        let dense = table_of((0..2_000).map(|r| format!(r#"{{"a":{r},"b":0}}"#)));
        assert_eq!(doc(&dense).rows, 2_000);
    }
}
