//! What each page of the app holds, without the DOM: the chat, its history and their clock, share links,
//! downloads, the embed's parameters and messages, compare's race and its receipt, the kiosk's
//! attract loop, and the workspace's layout and the colour theme.

pub mod clock;
pub mod compare;
pub mod conversation;
pub mod download;
pub mod embed;
pub mod history;
pub mod kiosk;
pub mod share;
pub mod theme;
pub mod workspace;
