//! Account JWT limits on connections that are already in, applied when the account JWT
//! changes (as nats-server's account update does):
//!
//! - `conn` lowered below the number of connections: the oldest `conn` stay, every newer one
//!   is closed with `maximum account active connections exceeded` (nats-server 2.12 and later;
//!   earlier releases closed the oldest instead);
//! - `subs` lowered: a connection holding at least as many subscriptions as it may now have
//!   is closed with `maximum subscriptions exceeded` (the original checks "at or over", so a
//!   connection exactly at the new limit goes too);
//! - `payload`: the new limit applies to the next message.

use crate::client::Client;
use crate::server::ServerShared;

/// Whether `me` is over its account's connection limit `max`: at least `max` connections of
/// the same account came before it (connection ids grow with time) and are still open.
pub fn over_connection_limit(
    server: &ServerShared,
    me: &Client,
    account: &str,
    max: usize,
) -> bool {
    let older = server
        .clients()
        .iter()
        .filter(|c| c.id < me.id && !c.is_closed() && c.meta.lock().account == account)
        .count();
    older >= max
}
