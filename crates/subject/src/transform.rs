//! Subject transforms (mappings). Filled in by the mapping work.
