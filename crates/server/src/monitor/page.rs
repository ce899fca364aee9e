//! The built-in web page at `/`: the server at a glance, refreshed by polling `/varz` and
//! `/connz`. One self-contained HTML file with inline CSS and JS; no external assets.

pub(super) const HTML: &str = include_str!("page.html");
