//! Running an answer's code in the sandboxed runner frame: which blocks run and how they
//! combine into one page, the versioned message protocol, the run's watchdog and console.

pub mod console;
pub mod page;
pub mod protocol;
pub mod python;
pub mod runnable;
pub mod watchdog;
