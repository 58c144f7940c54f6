//! The process's file-descriptor limit: raised to its hard maximum at start, and the
//! connection cap kept under it so an accept never fails for want of a descriptor.

/// Descriptors kept free for files, upstream connections and the listener.
const RESERVED: usize = 64;

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is `u64` on Linux, not on every unix.
pub fn raise() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn raise() -> Option<u64> {
    None
}

/// The soft descriptor limit, if the platform has one.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is `u64` on Linux, not on every unix.
fn soft_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed to it.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (status == 0).then_some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn soft_limit() -> Option<u64> {
    None
}

/// `configured`, lowered (with a warning) to leave `RESERVED` descriptors free.
pub fn connection_cap(configured: usize) -> usize {
    let fitting = soft_limit()
        .map(|limit| usize::try_from(limit).unwrap_or(usize::MAX))
        .map_or(configured, |limit| limit.saturating_sub(RESERVED).max(1));
    if fitting < configured {
        tracing::warn!(
            configured,
            cap = fitting,
            "max_connections lowered to fit the file-descriptor limit"
        );
    }
    configured.min(fitting).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_the_descriptor_limit() {
        let cap = connection_cap(usize::MAX);
        if let Some(limit) = soft_limit() {
            assert!((cap as u64) < limit, "{cap} vs {limit}");
        }
        assert_eq!(connection_cap(3), 3);
    }
}
