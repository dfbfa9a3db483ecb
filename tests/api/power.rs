//! Tests of the power area (filled in by its issue).
