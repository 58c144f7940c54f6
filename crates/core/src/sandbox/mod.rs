//! Running an answer's code in the sandboxed runner frame: which blocks run and how they
//! combine into one page, what runs live while an answer streams, the versioned message
//! protocol, the run's watchdog and console, and each compare lane's runner.

pub mod console;
pub mod lanes;
pub mod live;
pub mod page;
pub mod protocol;
pub mod python;
pub mod runnable;
pub mod watchdog;

/// A language the sandbox can run; fence labels name it through [`crate::markdown::lang`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Html,
    Css,
    Js,
    Python,
}

impl Lang {
    /// The short name used in the protocol and in error locations.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Css => "css",
            Self::Js => "js",
            Self::Python => "python",
        }
    }
}
