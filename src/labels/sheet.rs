//! A4 label stock (records-by-article.md §6.3, from the gLabels Hisago templates): exact mm
//! geometry, and how a list of labels falls onto sheets. Pure.

/// One of the A4 layouts Japanese offices buy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SheetLayout {
    /// 面数: labels per sheet.
    pub per_sheet: usize,
    pub label_w: f64,
    pub label_h: f64,
    pub cols: usize,
    pub rows: usize,
    pub margin_left: f64,
    pub margin_top: f64,
    pub pitch_x: f64,
    pub pitch_y: f64,
    /// Size of the square QR code on this stock, in mm.
    pub qr_mm: f64,
    /// Product names, for the print dialog.
    pub stock: &'static str,
}

pub const A4_W: f64 = 210.0;
pub const A4_H: f64 = 297.0;

pub const LAYOUTS: [SheetLayout; 3] = [
    SheetLayout {
        per_sheet: 12,
        label_w: 86.4,
        label_h: 42.3,
        cols: 2,
        rows: 6,
        margin_left: 18.6,
        margin_top: 21.2,
        pitch_x: 86.4,
        pitch_y: 42.3,
        qr_mm: 34.0,
        stock: "ヒサゴ ELM008 / A-ONE 72212 相当",
    },
    SheetLayout {
        per_sheet: 24,
        label_w: 66.0,
        label_h: 33.9,
        cols: 3,
        rows: 8,
        margin_left: 6.0,
        margin_top: 12.9,
        pitch_x: 66.0,
        pitch_y: 33.9,
        qr_mm: 27.0,
        stock: "ヒサゴ ELM012 / A-ONE 72224 相当",
    },
    SheetLayout {
        per_sheet: 44,
        label_w: 48.3,
        label_h: 25.4,
        cols: 4,
        rows: 11,
        margin_left: 8.4,
        margin_top: 8.8,
        pitch_x: 48.3,
        pitch_y: 25.4,
        qr_mm: 21.0,
        stock: "ヒサゴ ELM022 / A-ONE 72244 相当",
    },
];

impl SheetLayout {
    pub fn of(per_sheet: u32) -> Option<SheetLayout> {
        LAYOUTS
            .iter()
            .copied()
            .find(|l| l.per_sheet == per_sheet as usize)
    }

    /// Top-left corner of slot `index` (0-based, row by row), in mm from the sheet's corner.
    pub fn slot_origin(&self, index: usize) -> (f64, f64) {
        let (row, col) = (index / self.cols, index % self.cols);
        (
            self.margin_left + col as f64 * self.pitch_x,
            self.margin_top + row as f64 * self.pitch_y,
        )
    }
}

/// Lays `items` onto sheets, leaving the first `skip` slots of the first sheet empty (a partly
/// used sheet: 印刷開始位置). Each sheet is `per_sheet` slots.
pub fn paginate<T: Clone>(items: &[T], layout: &SheetLayout, skip: usize) -> Vec<Vec<Option<T>>> {
    let skip = skip.min(layout.per_sheet - 1);
    let mut slots: Vec<Option<T>> = vec![None; skip];
    slots.extend(items.iter().cloned().map(Some));
    if slots.is_empty() {
        return vec![];
    }
    slots
        .chunks(layout.per_sheet)
        .map(|c| {
            let mut sheet = c.to_vec();
            sheet.resize(layout.per_sheet, None);
            sheet
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn layouts_fit_a4_exactly() {
        for l in LAYOUTS {
            assert_eq!(l.cols * l.rows, l.per_sheet);
            // Left and right margins are equal; everything stays on the sheet.
            let right = A4_W - l.margin_left - (l.cols - 1) as f64 * l.pitch_x - l.label_w;
            let bottom = A4_H - l.margin_top - (l.rows - 1) as f64 * l.pitch_y - l.label_h;
            assert!(close(right, l.margin_left), "{} right {right}", l.per_sheet);
            assert!(bottom >= -1e-9, "{} bottom {bottom}", l.per_sheet);
            assert!(l.qr_mm < l.label_h);
        }
        assert!(SheetLayout::of(18).is_none());
        let l24 = SheetLayout::of(24).unwrap();
        let (x, y) = l24.slot_origin(4);
        assert!(close(x, 6.0 + 66.0) && close(y, 12.9 + 33.9));
    }

    #[test]
    fn labels_fall_onto_sheets_after_the_start_position() {
        let l = SheetLayout::of(12).unwrap();
        let items: Vec<u32> = (0..15).collect();
        let sheets = paginate(&items, &l, 3);
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0][..3], [None, None, None]);
        assert_eq!(sheets[0][3], Some(0));
        assert_eq!(sheets[1][5], Some(14));
        assert_eq!(sheets[1][6], None);
        assert!(paginate::<u32>(&[], &l, 0).is_empty());
    }
}
