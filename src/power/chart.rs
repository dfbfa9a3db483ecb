//! Server-rendered SVG line charts.
