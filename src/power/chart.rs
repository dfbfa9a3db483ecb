//! Server-rendered SVG line charts (no script, so the CSP stays strict).

use crate::kit::time::to_tokyo;
use chrono::NaiveDateTime;
use std::fmt::Write;

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of `points` between `from` and `to` (UTC), y from 0 to `y_max`.
/// A `None` value (the UPS could not be read) breaks the line, so gaps show.
pub fn line_chart(
    title: &str,
    unit: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    y_max: f64,
    points: &[(NaiveDateTime, Option<f64>)],
) -> String {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x_of = |t: NaiveDateTime| LEFT + plot_w * ((t - from).num_milliseconds() as f64 / span);
    let y_of = |v: f64| TOP + plot_h * (1.0 - (v / y_max).clamp(0.0, 1.0));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d5dae0"/>"##
    );
    for i in 0..=4 {
        let v = y_max * f64::from(i) / 4.0;
        let y = y_of(v);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#e7ebef"/><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#5b6470">{v}{u}</text>"##,
            x2 = W - RIGHT,
            tx = LEFT - 4.0,
            ty = y + 4.0,
            v = (v * 10.0).round() / 10.0,
            u = escape(unit),
        );
    }
    let long = (to - from).num_hours() > 24;
    for i in 0..=4 {
        let t = from + (to - from) * i / 4;
        let x = x_of(t);
        let label = if long {
            to_tokyo(t).format("%m/%d %H:%M").to_string()
        } else {
            to_tokyo(t).format("%H:%M").to_string()
        };
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{ty}" font-size="11" text-anchor="{anchor}" fill="#5b6470">{label}</text>"##,
            ty = H - 10.0
        );
    }
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (t, v) in points {
        if *t < from || *t > to {
            continue;
        }
        match v {
            Some(v) if v.is_finite() => segments
                .last_mut()
                .expect("one segment")
                .push((x_of(*t), y_of(*v))),
            _ => {
                if !segments.last().expect("one segment").is_empty() {
                    segments.push(Vec::new());
                }
            }
        }
    }
    for seg in segments.iter().filter(|s| !s.is_empty()) {
        if seg.len() == 1 {
            let (x, y) = seg[0];
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="#0b5cad"/>"##
            );
        } else {
            let pts: Vec<String> = seg.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                svg,
                r##"<polyline fill="none" stroke="#0b5cad" stroke-width="2" points="{}"/>"##,
                pts.join(" ")
            );
        }
    }
    if points.iter().all(|(_, v)| v.is_none()) {
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{y}" font-size="14" text-anchor="middle" fill="#5b6470">この期間の記録はありません</text>"##,
            x = LEFT + plot_w / 2.0,
            y = TOP + plot_h / 2.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn gaps_break_the_line_and_titles_are_escaped() {
        let pts = vec![
            (at(0, 0), Some(100.0)),
            (at(1, 0), Some(50.0)),
            (at(2, 0), None),
            (at(3, 0), Some(20.0)),
            (at(4, 0), Some(0.0)),
        ];
        let svg = line_chart("<充電率>", "%", at(0, 0), at(4, 0), 100.0, &pts);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("&lt;充電率&gt;"));
        // 100 % at the left edge is the top of the plot.
        assert!(svg.contains(r#"points="52.0,14.0 "#), "{svg}");
        // Times are shown in Tokyo: 00:00 UTC is 09:00.
        assert!(svg.contains(">09:00<"));
    }

    #[test]
    fn empty_series_says_so() {
        let svg = line_chart("x", "分", at(0, 0), at(1, 0), 10.0, &[]);
        assert!(svg.contains("記録はありません"));
        assert!(!svg.contains("<polyline"));
    }
}
