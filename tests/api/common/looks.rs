//! What a person sees, measured in the browser: text contrast from computed colours, and
//! whether a page or an element fits the window.

use super::browser::Browser;
use serde_json::json;

/// Colour arithmetic shared by the scripts below: WCAG 2 relative luminance and contrast, CSS
/// colours parsed, alpha composited, and the background an element is painted on (its ancestors'
/// backgrounds composited over white).
const COLOURS: &str = r#"
const lum = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const parse = (s) => { const m = s.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
const background = (el) => {
  const chain = [];
  for (let e = el; e; e = e.parentElement) chain.unshift(e);
  let bg = [255, 255, 255, 1];
  for (const e of chain) bg = over(parse(getComputedStyle(e).backgroundColor), bg);
  return bg;
};
const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
const css = (c) => "rgb(" + c.slice(0, 3).map(Math.round).join(",") + ")";
"#;

/// The contrast of every displayed text under `root` against the background it is painted on.
/// Each entry: `[ratio, text, colour, background]`.
const CONTRAST: &str = r#"
const out = [];
for (const el of document.querySelectorAll(arguments[0] + ", " + arguments[0] + " *")) {
  const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(" ");
  if (!own || !el.getClientRects().length || getComputedStyle(el).visibility !== "visible") continue;
  const bg = background(el);
  const fg = over(parse(getComputedStyle(el).color), bg);
  out.push([ratio(fg, bg), own, getComputedStyle(el).color, css(bg)]);
}
return out;
"#;

/// WCAG 1.4.11: a displayed field's border (each side) against the colour inside it and the
/// colour around it, whichever is closer. Each entry: `[ratio, field, border, inside, outside]`.
const BORDERS: &str = r#"
const out = [];
for (const el of document.querySelectorAll(arguments[0])) {
  if (!el.getClientRects().length || getComputedStyle(el).visibility !== "visible") continue;
  const outside = el.parentElement ? background(el.parentElement) : [255, 255, 255, 1];
  const inside = over(parse(getComputedStyle(el).backgroundColor), outside);
  const s = getComputedStyle(el);
  let worst = null;
  for (const side of ["Top", "Right", "Bottom", "Left"]) {
    if (parseFloat(s["border" + side + "Width"]) === 0 || s["border" + side + "Style"] === "none") {
      worst = [1, "no " + side.toLowerCase() + " border"];
      break;
    }
    const border = over(parse(s["border" + side + "Color"]), outside);
    const r = Math.min(ratio(border, inside), ratio(border, outside));
    if (!worst || r < worst[0]) worst = [r, css(border)];
  }
  const name = el.tagName.toLowerCase() + (el.name ? "[name=" + el.name + "]" : "");
  out.push([worst[0], name, worst[1], css(inside), css(outside)]);
}
return out;
"#;

impl Browser {
    /// Signs in through the login page and waits to leave it.
    pub fn sign_in(&self, login_url: &str, username: &str, password: &str) {
        self.goto(login_url);
        self.type_into("input[name=username]", username);
        self.type_into("input[name=password]", password);
        self.click("form.stack button[type=submit]");
        self.wait_for_url(|u| !u.contains("/login"));
    }

    /// Lays the page out as printed (`true`) or as on screen.
    pub fn print_media(&self, print: bool) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "media": if print { "print" } else { "" } }),
        );
    }

    /// Every displayed text under `root` with its contrast ratio; at least one must exist.
    pub fn contrasts(&self, root: &str) -> Vec<(f64, String, String)> {
        let value = self.call_script(&format!("{COLOURS}{CONTRAST}"), json!([root]));
        let rows: Vec<(f64, String, String)> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[0].as_f64().unwrap(),
                    r[1].as_str().unwrap().to_owned(),
                    format!("{} on {}", r[2].as_str().unwrap(), r[3].as_str().unwrap()),
                )
            })
            .collect();
        assert!(!rows.is_empty(), "no text displayed under {root}");
        rows
    }

    /// Panics naming each text under `root` whose contrast is below 4.5:1 (WCAG AA).
    pub fn assert_readable(&self, root: &str) {
        let poor: Vec<_> = self
            .contrasts(root)
            .into_iter()
            .filter(|(ratio, _, _)| *ratio < 4.5)
            .collect();
        assert!(poor.is_empty(), "text under {root} below 4.5:1: {poor:?}");
    }

    /// Every displayed field matching `fields` with the contrast of its border (its weakest
    /// side) against what is inside and around it, and what was measured; at least one must exist.
    pub fn border_contrasts(&self, fields: &str) -> Vec<(f64, String, String)> {
        let value = self.call_script(&format!("{COLOURS}{BORDERS}"), json!([fields]));
        let rows: Vec<(f64, String, String)> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[0].as_f64().unwrap(),
                    r[1].as_str().unwrap().to_owned(),
                    format!(
                        "{} between {} and {}",
                        r[2].as_str().unwrap(),
                        r[3].as_str().unwrap(),
                        r[4].as_str().unwrap()
                    ),
                )
            })
            .collect();
        assert!(!rows.is_empty(), "no field {fields} displayed");
        rows
    }

    /// `[scrollWidth, innerWidth]` of the page: wider than the window means sideways scrolling.
    pub fn page_widths(&self) -> (i64, i64) {
        let v = self.script("return [document.documentElement.scrollWidth, window.innerWidth];");
        (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
    }

    /// Whether the element lies wholly inside the window and needs no scrolling of its own.
    pub fn fits_window(&self, css: &str) -> bool {
        self.call_script(
            "const e = document.querySelector(arguments[0]); const r = e.getBoundingClientRect(); \
             return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight + 0.5 && \
             r.right <= window.innerWidth + 0.5 && e.scrollHeight <= e.clientHeight + 1;",
            json!([css]),
        )
        .as_bool()
        .unwrap()
    }

    /// Whether the element's box ends above the window's bottom edge (seen without scrolling).
    pub fn above_fold(&self, css: &str) -> bool {
        self.call_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 0.5;",
            json!([css]),
        )
        .as_bool()
        .unwrap()
    }
}
