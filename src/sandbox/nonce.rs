//! Unguessable per-frame and per-run nonces from the browser's CSPRNG, so a message
//! forged by code in some other frame cannot pass for the current run's.

/// 128 random bits as 32 hex digits; `None` only if the browser has no `crypto`.
pub fn new() -> Option<String> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
