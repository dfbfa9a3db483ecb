//! Reading PATCH bodies, where a field left out and a field set to `null` differ.

use serde::Deserialize;

/// For PATCH bodies: absent → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
