//! The guard's journey in headless Chromium (filled in below).
