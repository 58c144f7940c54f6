//! Wall-clock time as the wire formats write it: Unix seconds with a fraction, for ids,
//! `created` fields and recording names.

/// Seconds since the Unix epoch, with a fraction.
pub fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
