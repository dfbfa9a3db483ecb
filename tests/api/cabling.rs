//! Tests of the cabling area (filled in by its issue).
