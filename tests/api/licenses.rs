//! Tests of the licenses area (filled in by its issue).
