//! QR labels as PNG and SVG (DESIGN.md §5): the code encodes `{public_url}/e/{TAG}` at ECC
//! level M with a quiet zone of 4 modules, and the tag is printed in clear text under it.
//! Pure: no actix, no database.

use qrcode::{Color, EcLevel, QrCode};
use std::fmt::Write as _;

/// The quiet zone on every side, in modules (Denso Wave: at least 4).
pub const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
pub const PNG_SCALE: usize = 8;

/// The URL a label encodes. `public_url` is `DAICHO_PUBLIC_URL` without a trailing slash.
pub fn label_url(public_url: &str, tag: &str) -> String {
    format!("{}/e/{tag}", public_url.trim_end_matches('/'))
}

/// The QR modules (true = dark), without the quiet zone, and the side length.
pub struct Matrix {
    pub width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    pub fn encode(data: &str) -> Result<Matrix, String> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
            .map_err(|e| format!("cannot encode a QR code: {e}"))?;
        Ok(Matrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }
}

/// 5×7 glyphs (one byte per row, the low 5 bits from left to right) for the tag alphabet.
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        _ => [0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F], // a box: never reached for valid tags
    }
}

/// A grey-scale bitmap (0 = black, 255 = white).
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Bitmap {
    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..y + h {
            let start = row * self.width + x;
            self.pixels[start..start + w].fill(0);
        }
    }
}

/// The label as a bitmap: the code with its quiet zone, then the tag in clear text.
pub fn bitmap(url: &str, tag: &str) -> Result<Bitmap, String> {
    let m = Matrix::encode(url)?;
    let s = PNG_SCALE;
    let code_px = (m.width + 2 * QUIET_ZONE) * s;
    // Text: 6 font columns per character (5 + a gap), as large as fits, at most 4 px a dot.
    let chars = tag.chars().count().max(1);
    let margin = QUIET_ZONE * s;
    let dot = ((code_px.saturating_sub(2 * margin)) / (chars * 6)).clamp(1, 4);
    let text_w = chars * 6 * dot - dot;
    let width = code_px.max(text_w + 2 * margin);
    let text_h = 7 * dot;
    let height = code_px + text_h + margin / 2;
    let mut b = Bitmap {
        width,
        height,
        pixels: vec![255; width * height],
    };
    let x0 = (width - code_px) / 2 + QUIET_ZONE * s;
    let y0 = QUIET_ZONE * s;
    for y in 0..m.width {
        for x in 0..m.width {
            if m.is_dark(x, y) {
                b.fill(x0 + x * s, y0 + y * s, s, s);
            }
        }
    }
    // The text starts below the whole quiet zone, so the code keeps its 4 clear modules.
    let tx = (width - text_w) / 2;
    let ty = code_px;
    for (i, c) in tag.chars().enumerate() {
        let rows = glyph(c);
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) != 0 {
                    b.fill(tx + (i * 6 + col) * dot, ty + r * dot, dot, dot);
                }
            }
        }
    }
    Ok(b)
}

/// The label as PNG bytes (8-bit grey).
pub fn png(url: &str, tag: &str) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let b = bitmap(url, tag)?;
    let mut out = Vec::with_capacity(8 * 1024);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(
            &b.pixels,
            b.width as u32,
            b.height as u32,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(out)
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The code alone as an SVG `<path>` drawing in module units (the quiet zone included in the
/// view box), for embedding: `<svg viewBox="0 0 N N">…</svg>`.
pub fn svg_code(url: &str) -> Result<String, String> {
    let m = Matrix::encode(url)?;
    let side = m.width + 2 * QUIET_ZONE;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
    );
    push_modules(&mut out, &m);
    out.push_str("\"/></svg>");
    Ok(out)
}

fn push_modules(out: &mut String, m: &Matrix) {
    for y in 0..m.width {
        let mut x = 0;
        while x < m.width {
            if m.is_dark(x, y) {
                let start = x;
                while x < m.width && m.is_dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    out,
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
}

/// The whole label as a standalone SVG document: the code, then the tag as `<text>`.
pub fn svg(url: &str, tag: &str) -> Result<String, String> {
    let m = Matrix::encode(url)?;
    let side = m.width + 2 * QUIET_ZONE;
    let text_h = 6;
    let height = side + text_h;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {side} {height}\" width=\"{w}\" height=\"{h}\" shape-rendering=\"crispEdges\"><title>{t}</title><rect width=\"{side}\" height=\"{height}\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
        w = side * PNG_SCALE,
        h = height * PNG_SCALE,
        t = xml_escape(tag),
    );
    push_modules(&mut out, &m);
    let _ = write!(
        out,
        "\"/><text x=\"{x}\" y=\"{y}\" font-family=\"monospace\" font-size=\"4\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#000\">{t}</text></svg>",
        x = side as f64 / 2.0,
        y = side + 3,
        t = xml_escape(tag),
    );
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_exact() {
        assert_eq!(
            label_url("https://daicho.example.lg.jp/", "SRV-001"),
            "https://daicho.example.lg.jp/e/SRV-001"
        );
    }

    #[test]
    fn png_has_a_quiet_zone_and_text_under_the_code() {
        let b = bitmap("http://127.0.0.1:8080/e/SRV-001", "SRV-001").unwrap();
        let m = Matrix::encode("http://127.0.0.1:8080/e/SRV-001").unwrap();
        let code_px = (m.width + 2 * QUIET_ZONE) * PNG_SCALE;
        // The top quiet zone is white all across.
        assert!(
            b.pixels[..QUIET_ZONE * PNG_SCALE * b.width]
                .iter()
                .all(|&p| p == 255)
        );
        // Something is drawn below the code: the tag.
        assert!(b.pixels[code_px * b.width..].contains(&0));
        let png = png("http://127.0.0.1:8080/e/SRV-001", "SRV-001").unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn svg_carries_the_tag_as_text() {
        let s = svg("http://x/e/A-1", "A-1").unwrap();
        assert!(s.contains(">A-1</text>"));
        assert!(s.starts_with("<?xml"));
        // A long tag still fits.
        bitmap(
            "http://x/e/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &"A".repeat(32),
        )
        .unwrap();
    }
}
