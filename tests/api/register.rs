//! Tests of the register area (filled in by its issue).
