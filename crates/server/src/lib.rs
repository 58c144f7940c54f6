//! placeholder, replaced by the server work
