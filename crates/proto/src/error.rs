//! Errors: what went wrong in the parser, and the exact `-ERR` texts clients see.

use thiserror::Error;

use crate::quote;

/// Why the parser refused its input. Each maps to what the server does about it:
/// see [`ProtoError::server_error`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtoError {
    #[error("unknown protocol operation")]
    UnknownOp,
    #[error("control line of {len} bytes exceeds the maximum of {max}")]
    ControlLineTooLong { len: usize, max: usize },
    #[error("payload of {size} bytes exceeds the maximum of {max}")]
    PayloadTooLarge { size: usize, max: usize },
    #[error("malformed arguments for {op}")]
    BadArgs { op: &'static str },
    #[error("payload not followed by CRLF")]
    MissingPayloadTerminator,
    #[error("headers used on a connection that did not negotiate them")]
    HeadersNotNegotiated,
    #[error("invalid JSON in {op}")]
    BadJson { op: &'static str },
}

impl ProtoError {
    /// The `-ERR` to send before closing, or `None` for the errors the original closes on silently.
    pub fn server_error(&self) -> Option<ServerError> {
        match self {
            Self::UnknownOp | Self::MissingPayloadTerminator => {
                Some(ServerError::UnknownProtocolOperation)
            }
            Self::ControlLineTooLong { .. } => Some(ServerError::MaxControlLineExceeded),
            Self::PayloadTooLarge { .. } => Some(ServerError::MaxPayloadViolation),
            Self::BadArgs { .. } | Self::HeadersNotNegotiated | Self::BadJson { .. } => None,
        }
    }
}

/// Every `-ERR` the server sends on the client port, with the original's exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerError {
    UnknownProtocolOperation,
    AuthorizationViolation,
    AuthenticationTimeout,
    MaxPayloadViolation,
    MaxControlLineExceeded,
    MaxConnectionsExceeded,
    InvalidClientProtocol,
    NoRespondersRequiresHeaders,
    StaleConnection,
    MaxSubscriptionsExceeded,
    /// Operator mode: the account's `conn` limit.
    MaxAccountConnectionsExceeded,
    /// Operator mode: a connected user's JWT expired.
    AuthenticationExpired,
    /// Operator mode: an account update revoked a connected user.
    AuthenticationRevoked,
    InvalidSubject,
    InvalidPublishSubject,
    PublishViolation(String),
    PublishReplyViolation(String),
    SubscriptionViolation(String),
    QueueSubscriptionViolation {
        subject: String,
        queue: String,
    },
    TooManyTokens(String),
    /// A subscription dropped because a config reload took its permission away.
    SubscriptionRevoked {
        subject: String,
        queue: Option<String>,
        sid: String,
    },
}

impl ServerError {
    /// The text between the quotes of `-ERR '...'`.
    pub fn text(&self) -> String {
        match self {
            Self::UnknownProtocolOperation => "Unknown Protocol Operation".into(),
            Self::AuthorizationViolation => "Authorization Violation".into(),
            Self::AuthenticationTimeout => "Authentication Timeout".into(),
            Self::MaxPayloadViolation => "Maximum Payload Violation".into(),
            Self::MaxControlLineExceeded => "maximum control line exceeded".into(),
            Self::MaxConnectionsExceeded => "maximum connections exceeded".into(),
            Self::InvalidClientProtocol => "invalid client protocol".into(),
            Self::NoRespondersRequiresHeaders => "no responders requires headers support".into(),
            Self::StaleConnection => "Stale Connection".into(),
            Self::MaxSubscriptionsExceeded => "maximum subscriptions exceeded".into(),
            Self::MaxAccountConnectionsExceeded => {
                "maximum account active connections exceeded".into()
            }
            Self::AuthenticationExpired => "User Authentication Expired".into(),
            Self::AuthenticationRevoked => "User Authentication Revoked".into(),
            Self::InvalidSubject => "Invalid Subject".into(),
            Self::InvalidPublishSubject => "Invalid Publish Subject".into(),
            Self::PublishViolation(s) => {
                format!(
                    "Permissions Violation for Publish to {}",
                    quote(s.as_bytes())
                )
            }
            Self::PublishReplyViolation(s) => {
                format!(
                    "Permissions Violation for Publish with Reply of {}",
                    quote(s.as_bytes())
                )
            }
            Self::SubscriptionViolation(s) => {
                format!(
                    "Permissions Violation for Subscription to {}",
                    quote(s.as_bytes())
                )
            }
            Self::QueueSubscriptionViolation { subject, queue } => format!(
                "Permissions Violation for Subscription to {} using queue {}",
                quote(subject.as_bytes()),
                quote(queue.as_bytes())
            ),
            Self::SubscriptionRevoked {
                subject,
                queue: None,
                sid,
            } => format!(
                "Permissions Violation for Subscription to {} (sid {})",
                quote(subject.as_bytes()),
                quote(sid.as_bytes())
            ),
            Self::SubscriptionRevoked {
                subject,
                queue: Some(queue),
                sid,
            } => format!(
                "Permissions Violation for Subscription to {} using queue {} (sid {})",
                quote(subject.as_bytes()),
                quote(queue.as_bytes()),
                quote(sid.as_bytes())
            ),
            Self::TooManyTokens(s) => format!(
                "Permissions Violation for Subscription to {}, too many tokens",
                quote(s.as_bytes())
            ),
        }
    }

    /// What the original logs, at error level, when it sends a permissions `-ERR`: `sid` is
    /// the subscription's, for the subscription violations. `None` for the other errors.
    pub fn violation_log(&self, sid: &[u8]) -> Option<String> {
        let sid = String::from_utf8_lossy(sid);
        Some(match self {
            Self::PublishViolation(s) => {
                format!("Publish Violation - Subject {}", quote(s.as_bytes()))
            }
            Self::PublishReplyViolation(r) => {
                format!("Publish Violation - Reply {}", quote(r.as_bytes()))
            }
            Self::SubscriptionViolation(s) => format!(
                "Subscription Violation - Subject {}, SID {sid}",
                quote(s.as_bytes())
            ),
            Self::QueueSubscriptionViolation { subject, queue } => format!(
                "Subscription Violation - Subject {}, Queue: {}, SID {sid}",
                quote(subject.as_bytes()),
                quote(queue.as_bytes())
            ),
            Self::TooManyTokens(s) => format!(
                "Subscription Violation Too Many Tokens - Subject {}, SID {sid}",
                quote(s.as_bytes())
            ),
            _ => return None,
        })
    }

    /// Whether the server closes the connection after sending this error.
    pub fn closes_connection(&self) -> bool {
        matches!(
            self,
            Self::UnknownProtocolOperation
                | Self::AuthorizationViolation
                | Self::AuthenticationTimeout
                | Self::MaxPayloadViolation
                | Self::MaxControlLineExceeded
                | Self::MaxConnectionsExceeded
                | Self::MaxAccountConnectionsExceeded
                | Self::AuthenticationExpired
                | Self::AuthenticationRevoked
                | Self::InvalidClientProtocol
                | Self::NoRespondersRequiresHeaders
                | Self::StaleConnection
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_texts_match_the_original() {
        assert_eq!(
            ServerError::PublishViolation("foo.bar".into()).text(),
            r#"Permissions Violation for Publish to "foo.bar""#
        );
        assert_eq!(
            ServerError::QueueSubscriptionViolation {
                subject: "a".into(),
                queue: "q".into()
            }
            .text(),
            r#"Permissions Violation for Subscription to "a" using queue "q""#
        );
    }

    #[test]
    fn parse_errors_map_to_the_right_wire_error() {
        assert_eq!(
            ProtoError::UnknownOp.server_error(),
            Some(ServerError::UnknownProtocolOperation)
        );
        assert_eq!(ProtoError::BadArgs { op: "PUB" }.server_error(), None);
        assert!(ServerError::MaxPayloadViolation.closes_connection());
        assert!(!ServerError::InvalidSubject.closes_connection());
    }
}
