//! A [`Host`] over `serde_json` values: for unit tests, which write inputs with `json!`.
//!
//! Pass-through values are carried as copies of the JSON input, which is fine for small test
//! inputs; the CLI uses [`crate::json_text::TextHost`], which copies nothing. Warnings are collected in
//! [`JsonHost::warnings`] so the caller decides where they go.

use serde_json::{Map, Value};

use crate::error::Foreign;
use crate::host::{Host, Kind};

#[derive(Debug, Default)]
pub struct JsonHost {
    pub warnings: Vec<String>,
}

impl Host for JsonHost {
    type Value = Value;
    type Name = String;

    fn kind(&mut self, v: &Value) -> Result<Kind, Foreign> {
        Ok(match v {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(n) if n.is_i64() => Kind::Int,
            Value::Number(_) => Kind::Float,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::List,
            Value::Object(_) => Kind::Attrs,
        })
    }

    fn attrs(&mut self, v: &Value) -> Result<Vec<(Vec<u8>, String, Value)>, Foreign> {
        let map = v.as_object().ok_or_else(|| Foreign("not an object".into()))?;
        Ok(map.iter().map(|(k, v)| (k.as_bytes().to_vec(), k.clone(), v.clone())).collect())
    }

    fn attr(&mut self, v: &Value, name: &[u8]) -> Result<Option<Value>, Foreign> {
        let map = v.as_object().ok_or_else(|| Foreign("not an object".into()))?;
        Ok(std::str::from_utf8(name).ok().and_then(|n| map.get(n)).cloned())
    }

    fn items(&mut self, v: &Value) -> Result<Vec<Value>, Foreign> {
        v.as_array().cloned().ok_or_else(|| Foreign("not an array".into()))
    }

    fn string(&mut self, v: &Value) -> Result<Vec<u8>, Foreign> {
        v.as_str().map(|s| s.as_bytes().to_vec()).ok_or_else(|| Foreign("not a string".into()))
    }

    fn int(&mut self, v: &Value) -> Result<i64, Foreign> {
        v.as_i64().ok_or_else(|| Foreign("not an integer".into()))
    }

    fn bool(&mut self, v: &Value) -> Result<bool, Foreign> {
        v.as_bool().ok_or_else(|| Foreign("not a Boolean".into()))
    }

    fn make_null(&mut self) -> Result<Value, Foreign> {
        Ok(Value::Null)
    }

    fn make_bool(&mut self, b: bool) -> Result<Value, Foreign> {
        Ok(Value::Bool(b))
    }

    fn make_int(&mut self, i: i64) -> Result<Value, Foreign> {
        Ok(Value::from(i))
    }

    fn make_string(&mut self, s: &[u8]) -> Result<Value, Foreign> {
        Ok(Value::String(String::from_utf8_lossy(s).into_owned()))
    }

    fn make_list(&mut self, items: &[Value]) -> Result<Value, Foreign> {
        Ok(Value::Array(items.to_vec()))
    }

    fn name(&mut self, name: &[u8]) -> Result<String, Foreign> {
        Ok(String::from_utf8_lossy(name).into_owned())
    }

    fn make_attrs(&mut self, names: &[String], values: &[Value]) -> Result<Value, Foreign> {
        let map: Map<String, Value> = names.iter().cloned().zip(values.iter().cloned()).collect();
        Ok(Value::Object(map))
    }

    fn warn(&mut self, message: &str) {
        // JSON text is UTF-8: bytes that are not become U+FFFD.
        self.warnings.push(String::from_utf8_lossy(&crate::text::to_bytes(message)).into_owned());
    }
}
