//! The end-to-end tests: our real server and a release build of the app in headless
//! Chromium. One test binary, one module per area, so they link once.

mod a11y;
mod compare;
mod download;
mod editor;
mod embed;
mod endpoints;
mod first_stream;
mod fix_loop;
mod kiosk;
mod layout_support;
mod markdown_engine;
mod page_modules;
mod provider_streams;
mod render;
mod sandbox_escape;
mod sandbox_run;
mod sandbox_support;
mod session;
mod share;
mod workspace;
