//! Unguessable per-frame and per-run nonces from the browser's CSPRNG, so a message
//! forged by code in some other frame cannot pass for the current run's.

/// 128 random bits as 32 hex digits; `None` only if the browser has no `crypto`.
pub fn new() -> Option<String> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn nonces_are_32_hex_digits_and_differ() {
        let a = super::new().unwrap();
        let b = super::new().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(sparkplug_core::sandbox::protocol::is_valid_nonce(&a));
        assert_ne!(a, b);
    }
}
