//! NATS subjects.
//!
//! - [`transform`]: subject mappings (`{{wildcard(1)}}`, `{{partition(..)}}`, …).
pub mod transform;
