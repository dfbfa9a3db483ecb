//! Tests of the access area (filled in by its issue).
