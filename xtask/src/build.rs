//! Building the browser app with Trunk (offline, using the tools setup installed).
//! Shared by serve, test and bench so all three ship the same release build.

use crate::{cmd, paths};

/// `trunk build --release` into `dist/`.
pub fn app_release() -> Result<(), String> {
    cmd::run(
        std::process::Command::new("trunk")
            .args(["build", "--release"])
            .current_dir(paths::root())
            // Trunk must not inherit a cargo-run environment that points at xtask's target.
            .env_remove("CARGO_TARGET_DIR"),
    )
}
