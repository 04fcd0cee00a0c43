//! JSON paths as errors write them, here and in offerwise: `orders[3].amount`.

/// Appends a field to a JSON path: `cart` + `subtotal` = `cart.subtotal`. A key of over
/// [`crate::quote::WHOLE`] characters is shortened ([`crate::quote::key`]).
pub fn join(path: &str, field: &str) -> String {
    let field = crate::quote::key(field);
    if path.is_empty() {
        field.into_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Appends an index to a JSON path: `orders` + 3 = `orders[3]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
