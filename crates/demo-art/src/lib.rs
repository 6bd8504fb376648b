//! Pictures for the demo feed, drawn in code: no downloads, no fonts, no files shipped. Each [`Motif`] is a
//! small still life built from anti-aliased shapes (signed distance functions), gradients and soft
//! shadows; the seed picks palette, placement and details, so the same seed always gives the same image.

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use std::f32::consts::{PI, TAU};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Motif {
    Knitwear,
    Tea,
    Ceramics,
    Food,
    Street,
    Flowers,
    Coffee,
    Sneakers,
}

impl Motif {
    pub const ALL: [Motif; 8] = [
        Motif::Knitwear,
        Motif::Tea,
        Motif::Ceramics,
        Motif::Food,
        Motif::Street,
        Motif::Flowers,
        Motif::Coffee,
        Motif::Sneakers,
    ];
}

/// JPEG bytes (quality 88) of `motif` drawn at `width` × `height` (each clamped to 1..=4096).
pub fn draw(seed: u64, motif: Motif, width: u32, height: u32) -> Vec<u8> {
    let img = render(seed, motif, width, height);
    let mut out = Vec::new();
    let encoded = JpegEncoder::new_with_quality(&mut out, 88).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        ExtendedColorType::Rgb8,
    );
    // Encoding into memory fails only for sizes outside 1..=65535, which `render` rules out.
    if encoded.is_err() {
        out.clear();
    }
    out
}

/// The picture as pixels (what [`draw`] encodes).
pub fn render(seed: u64, motif: Motif, width: u32, height: u32) -> RgbImage {
    let mut c = Canvas::new(width.clamp(1, 4096), height.clamp(1, 4096));
    let mut rng = Rng::new(seed ^ (motif as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match motif {
        Motif::Knitwear => knitwear(&mut c, &mut rng),
        Motif::Tea => tea(&mut c, &mut rng),
        Motif::Ceramics => ceramics(&mut c, &mut rng),
        Motif::Food => food(&mut c, &mut rng),
        Motif::Street => street(&mut c, &mut rng),
        Motif::Flowers => flowers(&mut c, &mut rng),
        Motif::Coffee => coffee(&mut c, &mut rng),
        Motif::Sneakers => sneakers(&mut c, &mut rng),
    }
    c.finish(seed)
}

// ---------------------------------------------------------------------------------------------------------
// Canvas and shapes. Coordinates are in units of the image width: x runs 0..1, y runs 0..h/w.

type Rgb = [f32; 3];

struct Canvas {
    w: usize,
    h: usize,
    scale: f32,
    px: Vec<Rgb>,
}

/// A bounding box in canvas units.
#[derive(Clone, Copy)]
struct Bb(f32, f32, f32, f32);

impl Bb {
    fn around(cx: f32, cy: f32, rx: f32, ry: f32) -> Bb {
        Bb(cx - rx, cy - ry, cx + rx, cy + ry)
    }
}

impl Canvas {
    fn new(w: u32, h: u32) -> Canvas {
        Canvas {
            w: w as usize,
            h: h as usize,
            scale: w as f32,
            px: vec![[0.0; 3]; w as usize * h as usize],
        }
    }

    /// Height in canvas units.
    fn height(&self) -> f32 {
        self.h as f32 / self.scale
    }

    /// Vertical middle: motifs are composed around it so tall formats just get more background.
    fn mid(&self) -> f32 {
        self.height() / 2.0
    }

    fn all(&self) -> Bb {
        Bb(0.0, 0.0, 1.0, self.height())
    }

    /// Paints the shape `sdf < 0` inside `bb`; `paint(x, y, d)` gives colour and opacity. `blur` softens the
    /// edge (in canvas units) for shadows and glows; otherwise edges are anti-aliased over one pixel.
    fn fill(
        &mut self,
        bb: Bb,
        blur: f32,
        sdf: impl Fn(f32, f32) -> f32,
        paint: impl Fn(f32, f32, f32) -> (Rgb, f32),
    ) {
        let edge = (1.0 / self.scale).max(blur);
        let margin = edge + 2.0 / self.scale;
        let to_px = |v: f32, max: usize| ((v * self.scale).max(0.0) as usize).min(max);
        let (x0, x1) = (to_px(bb.0 - margin, self.w), to_px(bb.2 + margin, self.w));
        let (y0, y1) = (to_px(bb.1 - margin, self.h), to_px(bb.3 + margin, self.h));
        for j in y0..y1 {
            let y = (j as f32 + 0.5) / self.scale;
            for i in x0..x1 {
                let x = (i as f32 + 0.5) / self.scale;
                let d = sdf(x, y);
                let cover = (0.5 - d / edge).clamp(0.0, 1.0);
                if cover <= 0.0 {
                    continue;
                }
                let (col, alpha) = paint(x, y, d);
                let a = (cover * alpha).clamp(0.0, 1.0);
                let p = &mut self.px[j * self.w + i];
                for k in 0..3 {
                    p[k] += (col[k] - p[k]) * a;
                }
            }
        }
    }

    /// A solid shape.
    fn solid(&mut self, bb: Bb, sdf: impl Fn(f32, f32) -> f32, col: Rgb) {
        self.fill(bb, 0.0, sdf, |_, _, _| (col, 1.0));
    }

    /// A soft shadow of `sdf`, moved by (dx, dy).
    fn shadow(
        &mut self,
        bb: Bb,
        blur: f32,
        strength: f32,
        (dx, dy): (f32, f32),
        sdf: impl Fn(f32, f32) -> f32,
    ) {
        let bb = Bb(
            bb.0 + dx - blur,
            bb.1 + dy - blur,
            bb.2 + dx + blur,
            bb.3 + dy + blur,
        );
        self.fill(
            bb,
            blur,
            |x, y| sdf(x - dx, y - dy) + blur * 0.3,
            |_, _, _| ([20.0, 16.0, 24.0], strength),
        );
    }

    /// Mirrors everything above `axis` into the rows below it, as on water: rows shift sideways in
    /// ripples and fade towards `tint` with distance.
    fn reflect(&mut self, axis: f32, tint: Rgb) {
        let axis_px = (axis * self.scale) as usize;
        for j in axis_px.min(self.h)..self.h {
            let depth = (j - axis_px) as f32;
            let src = axis_px as f32 - depth * 0.9;
            let Some(src_j) = (src >= 0.0).then_some(src as usize) else {
                continue;
            };
            let fade = (depth / (self.h - axis_px).max(1) as f32).clamp(0.0, 1.0);
            let shift = ((depth * 0.35).sin() * (1.0 + depth * 0.02) * self.scale / 600.0) as isize;
            for i in 0..self.w {
                let si = (i as isize + shift).clamp(0, self.w as isize - 1) as usize;
                let p = self.px[src_j * self.w + si];
                self.px[j * self.w + i] = mix(scale(p, 0.8), tint, 0.35 + 0.45 * fade);
            }
        }
    }

    /// Film grain and a gentle vignette, then 8-bit pixels.
    fn finish(self, seed: u64) -> RgbImage {
        let (w, h) = (self.w as u32, self.h as u32);
        let (cx, cy) = (self.w as f32 / 2.0, self.h as f32 / 2.0);
        let r2 = cx * cx + cy * cy;
        RgbImage::from_fn(w, h, |i, j| {
            let p = self.px[j as usize * self.w + i as usize];
            let dx = i as f32 - cx;
            let dy = j as f32 - cy;
            let vignette = 1.0 - 0.18 * ((dx * dx + dy * dy) / r2).powf(1.3);
            let grain = (hash(seed, i, j) - 0.5) * 5.0;
            image::Rgb(p.map(|v| (v * vignette + grain).round().clamp(0.0, 255.0) as u8))
        })
    }
}

fn hash(seed: u64, x: u32, y: u32) -> f32 {
    let mut z = seed ^ (u64::from(x) << 32 | u64::from(y)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z ^= z >> 32;
    (z & 0xFFFF) as f32 / 65535.0
}

fn circle(x: f32, y: f32, cx: f32, cy: f32, r: f32) -> f32 {
    (x - cx).hypot(y - cy) - r
}

/// Approximate distance to an ellipse: exact enough for one-pixel anti-aliasing.
fn ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let (px, py) = (x - cx, y - cy);
    let k0 = (px / rx).hypot(py / ry);
    let k1 = (px / (rx * rx)).hypot(py / (ry * ry));
    if k1 == 0.0 {
        -rx.min(ry)
    } else {
        k0 * (k0 - 1.0) / k1
    }
}

fn rrect(x: f32, y: f32, cx: f32, cy: f32, hw: f32, hh: f32, r: f32) -> f32 {
    let qx = (x - cx).abs() - hw + r;
    let qy = (y - cy).abs() - hh + r;
    qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - r
}

fn capsule(x: f32, y: f32, (ax, ay): (f32, f32), (bx, by): (f32, f32), r: f32) -> f32 {
    let (pax, pay, bax, bay) = (x - ax, y - ay, bx - ax, by - ay);
    let h = ((pax * bax + pay * bay) / (bax * bax + bay * bay)).clamp(0.0, 1.0);
    (pax - bax * h).hypot(pay - bay * h) - r
}

/// Signed distance to a closed polygon.
fn polygon(x: f32, y: f32, pts: &[(f32, f32)]) -> f32 {
    let n = pts.len();
    if n < 3 {
        return f32::MAX;
    }
    let mut d = f32::MAX;
    let mut s = 1.0;
    let mut j = n - 1;
    for i in 0..n {
        let (vi, vj) = (pts[i], pts[j]);
        let (ex, ey) = (vj.0 - vi.0, vj.1 - vi.1);
        let (wx, wy) = (x - vi.0, y - vi.1);
        let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
        let (bx, by) = (wx - ex * t, wy - ey * t);
        d = d.min(bx * bx + by * by);
        let c = [y >= vi.1, y < vj.1, ex * wy > ey * wx];
        if c.iter().all(|&b| b) || c.iter().all(|&b| !b) {
            s = -s;
        }
        j = i;
    }
    s * d.sqrt()
}

/// Heart with its point at (cx, cy + size) and lobes above.
fn heart(x: f32, y: f32, cx: f32, cy: f32, size: f32) -> f32 {
    let px = ((x - cx) / size).abs();
    let py = (cy - y) / size + 0.6;
    let d = if py + px > 1.0 {
        (px - 0.25).hypot(py - 0.75) - 2f32.sqrt() / 4.0
    } else {
        let a = px.hypot(py - 1.0);
        let m = 0.5 * (px + py).max(0.0);
        let b = (px - m).hypot(py - m);
        a.min(b) * (px - py).signum()
    };
    d * size
}

/// Smooth union: blends two shapes with a fillet of size `k`.
fn smin(a: f32, b: f32, k: f32) -> f32 {
    let h = (0.5 + 0.5 * (b - a) / k).clamp(0.0, 1.0);
    b + (a - b) * h - k * h * (1.0 - h)
}

fn rotate(x: f32, y: f32, cx: f32, cy: f32, angle: f32) -> (f32, f32) {
    let (s, c) = angle.sin_cos();
    let (dx, dy) = (x - cx, y - cy);
    (cx + dx * c + dy * s, cy - dx * s + dy * c)
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|k| a[k] + (b[k] - a[k]) * t)
}

fn scale(c: Rgb, k: f32) -> Rgb {
    c.map(|v| v * k)
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Hue in degrees, saturation and lightness in 0..1.
fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h.rem_euclid(360.0) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r + m, g + m, b + m].map(|v| v * 255.0)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_5EED)
    }

    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn f(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, p: f32) -> bool {
        self.f(0.0, 1.0) < p
    }
}

/// Vertical gradient over the whole canvas.
fn backdrop(c: &mut Canvas, top: Rgb, bottom: Rgb) {
    let h = c.height();
    let bb = c.all();
    c.fill(
        bb,
        0.0,
        |_, _| -1.0,
        |_, y, _| (mix(top, bottom, y / h), 1.0),
    );
}

/// A soft round glow, for light falling on a wall.
fn glow(c: &mut Canvas, cx: f32, cy: f32, r: f32, col: Rgb, strength: f32) {
    c.fill(
        Bb::around(cx, cy, r, r),
        0.0,
        |x, y| circle(x, y, cx, cy, r),
        |x, y, _| {
            let t = 1.0 - ((x - cx).hypot(y - cy) / r).clamp(0.0, 1.0);
            (col, strength * t * t)
        },
    );
}

/// A tabletop from `top` down: base colour with a soft light falloff and faint grain lines.
fn table(c: &mut Canvas, top: f32, col: Rgb, grain: f32) {
    let h = c.height();
    c.fill(
        Bb(0.0, top, 1.0, h),
        0.0,
        |_, y| top - y,
        |x, y, _| {
            let depth = (y - top) / (h - top).max(0.01);
            let lines = ((y * 90.0 + (x * 7.0).sin() * 0.8).sin() * 0.5 + 0.5) * grain;
            (scale(col, 0.92 + 0.1 * depth - lines * 0.08), 1.0)
        },
    );
    // A soft edge highlight where the table meets the wall.
    c.fill(
        Bb(0.0, top, 1.0, top + 0.01),
        0.0,
        |_, y| top - y,
        |_, _, _| (mix(col, [255.0; 3], 0.35), 0.5),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Motifs.

fn knitwear(c: &mut Canvas, rng: &mut Rng) {
    let yarns: [Rgb; 7] = [
        [236.0, 226.0, 206.0],
        [148.0, 168.0, 138.0],
        [184.0, 98.0, 70.0],
        [58.0, 78.0, 118.0],
        [214.0, 168.0, 72.0],
        [214.0, 152.0, 156.0],
        [122.0, 92.0, 140.0],
    ];
    let yarn = rng.pick(&yarns);
    let accent = rng.pick(&yarns);
    let accent = if accent == yarn {
        [250.0, 246.0, 236.0]
    } else {
        accent
    };
    let hue = rng.f(0.0, 360.0);
    backdrop(c, hsl(hue, 0.35, 0.9), hsl(hue + 20.0, 0.3, 0.8));
    let m = c.mid();
    glow(c, rng.f(0.2, 0.8), m - 0.25, 0.5, [255.0; 3], 0.35);

    let cx = 0.5 + rng.f(-0.03, 0.03);
    let cy = m + 0.02;
    let tilt = rng.f(-0.2, 0.2);
    let (sl, sr) = ((cx - 0.17, cy - 0.2), (cx + 0.17, cy - 0.2));
    let (cl, cr) = (
        (cx - 0.34 - tilt * 0.05, cy + 0.16 + tilt * 0.05),
        (cx + 0.34 - tilt * 0.05, cy + 0.16 - tilt * 0.05),
    );
    let body = move |x: f32, y: f32| rrect(x, y, cx, cy + 0.03, 0.2, 0.27, 0.05);
    let sleeves =
        move |x: f32, y: f32| capsule(x, y, sl, cl, 0.07).min(capsule(x, y, sr, cr, 0.07));
    let neck = move |x: f32, y: f32| ellipse(x, y, cx, cy - 0.25, 0.085, 0.05);
    let shape = move |x: f32, y: f32| smin(body(x, y), sleeves(x, y), 0.04).max(-neck(x, y));
    let bb = Bb(cx - 0.45, cy - 0.33, cx + 0.45, cy + 0.35);

    c.shadow(bb, 0.04, 0.28, (0.015, 0.025), shape);
    let rows = 95.0;
    let cols = 48.0;
    c.fill(bb, 0.0, shape, |x, y, d| {
        // Stocking stitch: rows of little Vs.
        let u = (x * cols).fract() - 0.5;
        let v = (y * rows + u.abs() * 1.6).fract();
        let stitch = 0.93 + 0.07 * (v * PI * 2.0).sin();
        let edge = 0.8 + 0.2 * smoothstep(0.0, 0.05, -d);
        let mut col = yarn;
        // A patterned band across the chest.
        let band = (y - (cy - 0.07)).abs() < 0.035 && body(x, y) < 0.0;
        if band {
            let dx = ((x - cx) * 28.0).rem_euclid(2.0) - 1.0;
            let dy = (y - (cy - 0.07)) / 0.035;
            if dx.abs() + dy.abs() < 0.8 {
                col = accent;
            } else if dy.abs() > 0.8 {
                col = mix(accent, yarn, 0.3);
            }
        }
        // Ribbed hem and cuffs.
        let hem = y > cy + 0.24 && body(x, y) < 0.0;
        let cuff = capsule(x, y, cl, cl, 0.1) < 0.0 && sleeves(x, y) < 0.0;
        let rib = if hem || cuff {
            0.9 + 0.1 * (x * 260.0).sin().signum()
        } else {
            1.0
        };
        (scale(col, stitch * edge * rib), 1.0)
    });
    // Cuffs, drawn as bands at the sleeve ends.
    for (s, e) in [(sl, cl), (sr, cr)] {
        let (dx, dy) = (e.0 - s.0, e.1 - s.1);
        let len = dx.hypot(dy);
        let (ux, uy) = (dx / len, dy / len);
        let a = (e.0 - ux * 0.05, e.1 - uy * 0.05);
        c.fill(
            Bb::around(e.0, e.1, 0.1, 0.1),
            0.0,
            move |x, y| capsule(x, y, a, e, 0.068).max(-((x - a.0) * ux + (y - a.1) * uy)),
            |x, y, _| {
                (
                    scale(yarn, 0.88 + 0.08 * ((x + y) * 300.0).sin().signum()),
                    1.0,
                )
            },
        );
    }
    // Collar rib and the inside of the neck.
    c.fill(
        Bb::around(cx, cy - 0.25, 0.12, 0.08),
        0.0,
        move |x, y| {
            ellipse(x, y, cx, cy - 0.25, 0.11, 0.07)
                .max(-neck(x, y))
                .max(body(x, y))
        },
        |x, _, _| (scale(yarn, 0.86 + 0.08 * (x * 260.0).sin().signum()), 1.0),
    );
    c.solid(
        Bb::around(cx, cy - 0.25, 0.09, 0.06),
        move |x, y| neck(x, y).max((cy - 0.243) - y),
        scale(yarn, 0.55),
    );
}

fn tea(c: &mut Canvas, rng: &mut Rng) {
    let hue = rng.f(20.0, 50.0);
    backdrop(c, hsl(hue, 0.45, 0.9), hsl(hue + 10.0, 0.4, 0.78));
    let m = c.mid();
    glow(c, 0.25, m - 0.3, 0.55, [255.0, 250.0, 235.0], 0.5);
    let wood = rng.pick(&[
        [150.0, 104.0, 72.0],
        [116.0, 84.0, 64.0],
        [196.0, 160.0, 118.0],
    ]);
    table(c, m + 0.14, wood, 0.6);

    let glazes: [Rgb; 5] = [
        [240.0, 238.0, 230.0],
        [126.0, 168.0, 160.0],
        [70.0, 96.0, 130.0],
        [222.0, 180.0, 170.0],
        [230.0, 214.0, 160.0],
    ];
    let glaze = rng.pick(&glazes);
    let tea_col = rng.pick(&[
        [176.0, 104.0, 40.0],
        [150.0, 150.0, 60.0],
        [130.0, 56.0, 30.0],
    ]);
    let cx = 0.47 + rng.f(-0.04, 0.04);
    let base = m + 0.24;

    // Saucer.
    c.shadow(
        Bb::around(cx, base, 0.3, 0.07),
        0.03,
        0.3,
        (0.0, 0.015),
        move |x, y| ellipse(x, y, cx, base, 0.3, 0.065),
    );
    c.fill(
        Bb::around(cx, base, 0.3, 0.07),
        0.0,
        move |x, y| ellipse(x, y, cx, base, 0.3, 0.065),
        move |_, y, _| (scale(glaze, 0.82 + 0.25 * ((base + 0.065 - y) / 0.13)), 1.0),
    );
    c.fill(
        Bb::around(cx, base - 0.01, 0.2, 0.045),
        0.0,
        move |x, y| ellipse(x, y, cx, base - 0.008, 0.19, 0.04),
        move |_, _, _| (scale(glaze, 0.85), 1.0),
    );

    // Cup: a bowl cut flat at the rim.
    let (ccy, r) = (base - 0.17, 0.19);
    let rim = ccy - 0.07;
    let rim_hw = r * (1.0 - ((rim - ccy) / r).powi(2)).sqrt();
    let cup = move |x: f32, y: f32| ellipse(x, y, cx, ccy, r, r * 0.95).max(rim - y);
    // Handle.
    let (hx, hy) = (cx + r - 0.01, ccy + 0.0);
    c.fill(
        Bb::around(hx + 0.04, hy, 0.08, 0.08),
        0.0,
        move |x, y| {
            let ring =
                ellipse(x, y, hx, hy, 0.075, 0.065).max(-ellipse(x, y, hx, hy, 0.045, 0.035));
            ring.max(cx + r * 0.8 - x)
        },
        move |_, y, _| (scale(glaze, 0.85 + 0.2 * ((hy - y) / 0.07)), 1.0),
    );
    c.fill(Bb::around(cx, ccy, r, r), 0.0, cup, move |x, y, _| {
        let n = ((x - cx) / r).clamp(-1.0, 1.0);
        let light = 0.72 + 0.32 * (1.0 - n * n).sqrt() - 0.12 * n;
        let spec = (-((n + 0.45) * 9.0).powi(2)).exp() * 0.25;
        let band = ((y - (ccy + 0.03)).abs() < 0.012) as u8 as f32;
        let col = mix(glaze, scale(tea_col, 0.8), band * 0.7);
        (mix(scale(col, light), [255.0; 3], spec), 1.0)
    });
    // Tea surface and rim.
    c.fill(
        Bb::around(cx, rim, rim_hw, 0.04),
        0.0,
        move |x, y| ellipse(x, y, cx, rim, rim_hw, 0.035),
        move |_, _, _| (mix(glaze, [255.0; 3], 0.3), 1.0),
    );
    c.fill(
        Bb::around(cx, rim, rim_hw, 0.04),
        0.0,
        move |x, y| ellipse(x, y, cx, rim + 0.003, rim_hw - 0.012, 0.027),
        move |x, _, _| {
            let t = (x - (cx - rim_hw)) / (2.0 * rim_hw);
            (
                mix(tea_col, mix(tea_col, [255.0, 230.0, 180.0], 0.4), 1.0 - t),
                1.0,
            )
        },
    );

    // Steam: wavy trails that fade as they rise.
    for k in 0..3 {
        let x0 = cx + (k as f32 - 1.0) * 0.055 + rng.f(-0.01, 0.01);
        let phase = rng.f(0.0, TAU);
        let top = rim - 0.2 - rng.f(0.0, 0.06);
        let mut prev = (x0, rim - 0.03);
        let steps = 24;
        for s in 1..=steps {
            let t = s as f32 / steps as f32;
            let y = rim - 0.03 - t * (rim - 0.03 - top);
            let p = (x0 + 0.022 * (t * 9.0 + phase).sin() * t.sqrt(), y);
            let a = prev;
            let alpha = 0.32 * (1.0 - t) * smoothstep(0.0, 0.15, t);
            c.fill(
                Bb(
                    a.0.min(p.0) - 0.02,
                    p.1 - 0.02,
                    a.0.max(p.0) + 0.02,
                    a.1 + 0.02,
                ),
                0.012,
                move |x, y| capsule(x, y, a, p, 0.004),
                move |_, _, _| ([255.0; 3], alpha),
            );
            prev = p;
        }
    }
}

fn ceramics(c: &mut Canvas, rng: &mut Rng) {
    let hue = rng.f(0.0, 360.0);
    backdrop(c, hsl(hue, 0.12, 0.88), hsl(hue, 0.14, 0.8));
    let m = c.mid();
    glow(c, 0.7, m - 0.25, 0.5, [255.0, 252.0, 240.0], 0.4);
    let shelf = m + 0.22;
    table(c, shelf, hsl(hue + 30.0, 0.18, 0.62), 0.15);

    let glazes: [Rgb; 6] = [
        [82.0, 124.0, 140.0],
        [160.0, 186.0, 160.0],
        [232.0, 226.0, 212.0],
        [186.0, 96.0, 64.0],
        [52.0, 58.0, 70.0],
        [214.0, 176.0, 110.0],
    ];
    let clay: Rgb = rng.pick(&[
        [196.0, 150.0, 112.0],
        [170.0, 120.0, 90.0],
        [214.0, 196.0, 170.0],
    ]);

    // A vase with a belly and a neck, a bowl and a little cup beside it.
    let g1 = rng.pick(&glazes);
    let vx = 0.4 + rng.f(-0.03, 0.03);
    let (top, bottom) = (m - 0.3 - rng.f(0.0, 0.05), shelf + 0.01);
    let belly = rng.f(0.12, 0.16);
    let neck = rng.f(0.04, 0.06);
    let profile = move |t: f32| {
        let body = (PI * t.powf(0.75)).sin().powf(1.4);
        let lip = smoothstep(0.06, 0.0, t) * 0.018;
        neck + (belly - neck) * body * smoothstep(0.05, 0.35, t) + lip + (1.0 - t) * 0.0
    };
    let vase = move |x: f32, y: f32| {
        let t = ((y - top) / (bottom - top)).clamp(0.0, 1.0);
        let r = profile(t).max(0.06 * smoothstep(1.0, 0.9, t));
        ((x - vx).abs() - r).max(top - y).max(y - bottom)
    };
    vessel(
        c,
        rng,
        Bb(vx - 0.2, top, vx + 0.2, bottom),
        vase,
        vx,
        top,
        bottom,
        g1,
        clay,
        belly,
    );
    // Mouth of the vase.
    c.solid(
        Bb::around(vx, top, neck + 0.03, 0.02),
        move |x, y| ellipse(x, y, vx, top + 0.002, neck + 0.015, 0.012),
        scale(g1, 0.45),
    );

    let g2 = rng.pick(&glazes);
    let bx = vx + 0.31;
    let (btop, bbot) = (shelf - 0.11, shelf + 0.01);
    let bowl = move |x: f32, y: f32| {
        let t = ((y - btop) / (bbot - btop)).clamp(0.0, 1.0);
        let r = 0.15 * (1.0 - t * t).sqrt().max(0.35);
        ((x - bx).abs() - r).max(btop - y).max(y - bbot)
    };
    vessel(
        c,
        rng,
        Bb(bx - 0.17, btop, bx + 0.17, bbot),
        bowl,
        bx,
        btop,
        bbot,
        g2,
        clay,
        0.15,
    );
    c.fill(
        Bb::around(bx, btop, 0.16, 0.03),
        0.0,
        move |x, y| ellipse(x, y, bx, btop, 0.15, 0.022),
        move |x, _, _| (scale(g2, 0.55 + 0.2 * ((x - bx) / 0.15)), 1.0),
    );

    let g3 = rng.pick(&glazes);
    let ux = vx - 0.25;
    let (utop, ubot) = (shelf - 0.1, shelf + 0.01);
    let cup = move |x: f32, y: f32| {
        let t = ((y - utop) / (ubot - utop)).clamp(0.0, 1.0);
        ((x - ux).abs() - (0.055 - 0.012 * t))
            .max(utop - y)
            .max(y - ubot)
    };
    vessel(
        c,
        rng,
        Bb(ux - 0.07, utop, ux + 0.07, ubot),
        cup,
        ux,
        utop,
        ubot,
        g3,
        clay,
        0.055,
    );
    c.solid(
        Bb::around(ux, utop, 0.06, 0.02),
        move |x, y| ellipse(x, y, ux, utop, 0.054, 0.01),
        scale(g3, 0.5),
    );
}

/// A thrown pot: cylindrical shading, glaze that runs down over a bare clay foot, a highlight.
#[allow(clippy::too_many_arguments)]
fn vessel(
    c: &mut Canvas,
    rng: &mut Rng,
    bb: Bb,
    shape: impl Fn(f32, f32) -> f32 + Copy,
    cx: f32,
    top: f32,
    bottom: f32,
    glaze: Rgb,
    clay: Rgb,
    width: f32,
) {
    c.shadow(
        Bb(bb.0, bottom - 0.02, bb.2 + 0.05, bottom + 0.02),
        0.02,
        0.35,
        (0.02, 0.0),
        move |x, y| ellipse(x, y, cx + 0.01, bottom, width * 1.05, 0.015),
    );
    let drip_phase = rng.f(0.0, TAU);
    let foot = bottom - (bottom - top) * rng.f(0.12, 0.22);
    c.fill(bb, 0.0, shape, move |x, y, d| {
        // Estimate the local radius from the distance to the edge along x.
        let r = (x - cx).abs() - d;
        let n = ((x - cx) / r.max(0.001)).clamp(-1.0, 1.0);
        let light = 0.6 + 0.42 * (1.0 - n * n).sqrt() - 0.18 * n;
        let spec = (-((n + 0.5) * 7.0).powi(2)).exp() * 0.35 * smoothstep(bottom, top, y);
        let drip = foot
            + 0.012 * ((x - cx) * 70.0 + drip_phase).sin()
            + 0.02 * ((x - cx) * 23.0 + drip_phase * 2.0).sin().max(0.0);
        let glazed = smoothstep(drip + 0.004, drip - 0.004, y);
        let speckle = if hash(7, (x * 900.0) as u32, (y * 900.0) as u32) > 0.97 {
            0.85
        } else {
            1.0
        };
        let col = mix(clay, glaze, glazed);
        (
            mix(scale(col, light * speckle), [255.0; 3], spec * glazed),
            1.0,
        )
    });
}

fn food(c: &mut Canvas, rng: &mut Rng) {
    let tables: [Rgb; 4] = [
        [198.0, 160.0, 120.0],
        [70.0, 74.0, 80.0],
        [226.0, 216.0, 200.0],
        [120.0, 150.0, 170.0],
    ];
    let t = rng.pick(&tables);
    backdrop(c, scale(t, 1.04), scale(t, 0.92));
    let h = c.height();
    c.fill(
        c.all(),
        0.0,
        |_, _| -1.0,
        |x, y, _| {
            let plank = ((x * 6.0).fract() < 0.01) as u8 as f32;
            let grain = ((y * 140.0 + (x * 13.0).sin() * 2.0).sin() * 0.5 + 0.5) * 0.05;
            (scale(t, 0.9), plank * 0.8 + grain)
        },
    );
    let m = h / 2.0;
    let (px, py) = (0.5 + rng.f(-0.03, 0.03), m + rng.f(-0.02, 0.02));

    // Napkin under the plate, tilted.
    let napkin = rng.pick(&[
        [214.0, 96.0, 80.0],
        [120.0, 150.0, 110.0],
        [240.0, 236.0, 226.0],
        [70.0, 90.0, 130.0],
    ]);
    let ang = rng.f(-0.4, 0.4);
    let (nx, ny) = (px - 0.2, py + 0.12);
    let nap = move |x: f32, y: f32| {
        let (x, y) = rotate(x, y, nx, ny, ang);
        rrect(x, y, nx, ny, 0.26, 0.2, 0.01)
    };
    c.shadow(
        Bb::around(nx, ny, 0.35, 0.35),
        0.01,
        0.2,
        (0.005, 0.008),
        nap,
    );
    c.fill(Bb::around(nx, ny, 0.35, 0.35), 0.0, nap, move |x, y, _| {
        let (x, y) = rotate(x, y, nx, ny, ang);
        let check = (((x * 30.0).floor() + (y * 30.0).floor()) as i32).rem_euclid(2) as f32;
        (scale(napkin, 0.92 + 0.08 * check), 1.0)
    });

    // Plate.
    let pr = 0.33;
    c.shadow(
        Bb::around(px, py, pr, pr),
        0.03,
        0.35,
        (0.012, 0.02),
        move |x, y| circle(x, y, px, py, pr),
    );
    let plate: Rgb = rng.pick(&[
        [246.0, 244.0, 238.0],
        [232.0, 236.0, 240.0],
        [236.0, 226.0, 208.0],
    ]);
    c.fill(
        Bb::around(px, py, pr, pr),
        0.0,
        move |x, y| circle(x, y, px, py, pr),
        move |x, y, d| {
            let rim = smoothstep(0.0, 0.02, -d) * (1.0 - smoothstep(0.06, 0.075, -d));
            let side = ((x - px) - (y - py)) / pr;
            (
                scale(
                    plate,
                    0.97 - rim * 0.05 * side - 0.04 * smoothstep(0.07, 0.05, -d) * (1.0 - rim),
                ),
                1.0,
            )
        },
    );
    c.fill(
        Bb::around(px, py, pr, pr),
        0.004,
        move |x, y| circle(x, y, px, py, pr - 0.075),
        move |_, _, _| (scale(plate, 0.9), 0.35),
    );

    // Food: a bed of leaves, tomatoes, cucumber, an egg.
    let inner = pr - 0.09;
    let greens: [Rgb; 3] = [
        [92.0, 150.0, 62.0],
        [128.0, 176.0, 72.0],
        [60.0, 112.0, 56.0],
    ];
    for _ in 0..26 {
        let a = rng.f(0.0, TAU);
        let r = inner * rng.f(0.0, 0.8).sqrt();
        let (lx, ly) = (px + r * a.cos(), py + r * a.sin());
        let rot = rng.f(0.0, TAU);
        let col = rng.pick(&greens);
        let (lw, lh) = (rng.f(0.05, 0.08), rng.f(0.025, 0.04));
        let leaf = move |x: f32, y: f32| {
            let (x, y) = rotate(x, y, lx, ly, rot);
            ellipse(x, y, lx, ly, lw, lh)
        };
        c.shadow(
            Bb::around(lx, ly, 0.09, 0.09),
            0.008,
            0.2,
            (0.003, 0.005),
            leaf,
        );
        c.fill(Bb::around(lx, ly, 0.09, 0.09), 0.0, leaf, move |x, y, d| {
            let (xr, yr) = rotate(x, y, lx, ly, rot);
            let vein = (1.0 - ((yr - ly).abs() / 0.003).min(1.0))
                * ((xr - lx).abs() < lw * 0.8) as u8 as f32;
            let light = 0.85 + 0.2 * smoothstep(0.0, 0.02, -d);
            (
                mix(scale(col, light), [230.0, 240.0, 200.0], vein * 0.5),
                1.0,
            )
        });
    }
    for _ in 0..5 {
        let a = rng.f(0.0, TAU);
        let r = inner * rng.f(0.2, 0.75);
        let (sx, sy) = (px + r * a.cos(), py + r * a.sin());
        c.fill(
            Bb::around(sx, sy, 0.04, 0.04),
            0.0,
            move |x, y| circle(x, y, sx, sy, 0.032),
            move |x, y, d| {
                let ring = smoothstep(0.0, 0.004, -d) * (1.0 - smoothstep(0.004, 0.008, -d));
                let seeds = ((((y - sy).atan2(x - sx) * 3.0 / PI).fract() < 0.5) as u8 as f32)
                    * (circle(x, y, sx, sy, 0.014).abs() < 0.004) as u8 as f32;
                let base = mix([196.0, 220.0, 150.0], [60.0, 110.0, 50.0], 1.0 - ring);
                (
                    mix(
                        mix([196.0, 220.0, 150.0], base, ring + 0.3),
                        [150.0, 160.0, 100.0],
                        seeds * 0.8,
                    ),
                    1.0,
                )
            },
        );
    }
    for _ in 0..rng.pick(&[5u32, 6, 7]) {
        let a = rng.f(0.0, TAU);
        let r = inner * rng.f(0.1, 0.85);
        let (tx, ty) = (px + r * a.cos(), py + r * a.sin());
        let tr = rng.f(0.026, 0.034);
        c.shadow(
            Bb::around(tx, ty, 0.05, 0.05),
            0.01,
            0.35,
            (0.004, 0.007),
            move |x, y| circle(x, y, tx, ty, tr),
        );
        c.fill(
            Bb::around(tx, ty, tr, tr),
            0.0,
            move |x, y| circle(x, y, tx, ty, tr),
            move |x, y, _| {
                let hl = (-(circle(x, y, tx - tr * 0.35, ty - tr * 0.35, 0.0) / (tr * 0.25))
                    .powi(2))
                .exp();
                let shade = 0.75 + 0.25 * (1.0 - ((x - tx) + (y - ty)) / (2.0 * tr));
                (
                    mix(
                        scale([214.0, 42.0, 30.0], shade),
                        [255.0, 230.0, 220.0],
                        hl * 0.7,
                    ),
                    1.0,
                )
            },
        );
    }
    // Egg halves.
    for k in 0..2 {
        let (ex, ey) = (
            px + 0.06 * (k as f32 * 2.0 - 1.0) + rng.f(-0.02, 0.02),
            py + rng.f(-0.05, 0.05),
        );
        let rot = rng.f(0.0, TAU);
        let white = move |x: f32, y: f32| {
            let (x, y) = rotate(x, y, ex, ey, rot);
            ellipse(x, y, ex, ey, 0.06, 0.045)
        };
        c.shadow(
            Bb::around(ex, ey, 0.08, 0.08),
            0.01,
            0.3,
            (0.004, 0.007),
            white,
        );
        c.fill(Bb::around(ex, ey, 0.07, 0.07), 0.0, white, |_, _, d| {
            (
                scale(
                    [252.0, 250.0, 244.0],
                    0.92 + 0.08 * smoothstep(0.0, 0.015, -d),
                ),
                1.0,
            )
        });
        c.fill(
            Bb::around(ex, ey, 0.03, 0.03),
            0.0,
            move |x, y| circle(x, y, ex, ey, 0.026),
            |_, _, d| {
                (
                    mix(
                        [250.0, 170.0, 40.0],
                        [255.0, 200.0, 80.0],
                        smoothstep(0.0, 0.02, -d),
                    ),
                    1.0,
                )
            },
        );
    }

    // A fork beside the plate.
    let fx = px + pr + 0.07;
    if fx < 0.97 {
        let fork = move |x: f32, y: f32| {
            let handle = capsule(x, y, (fx, py + 0.06), (fx, py + 0.3), 0.012);
            let neck = rrect(x, y, fx, py - 0.02, 0.022, 0.05, 0.012);
            let tines = (0..4)
                .map(|i| {
                    capsule(
                        x,
                        y,
                        (fx - 0.018 + i as f32 * 0.012, py - 0.05),
                        (fx - 0.018 + i as f32 * 0.012, py - 0.17),
                        0.0035,
                    )
                })
                .fold(f32::MAX, f32::min);
            smin(handle, neck, 0.02).min(tines)
        };
        c.shadow(
            Bb(fx - 0.04, py - 0.2, fx + 0.04, py + 0.32),
            0.008,
            0.35,
            (0.006, 0.008),
            fork,
        );
        c.fill(
            Bb(fx - 0.04, py - 0.2, fx + 0.04, py + 0.32),
            0.0,
            fork,
            move |x, _, _| {
                (
                    scale(
                        [200.0, 204.0, 210.0],
                        0.85 + 0.25 * ((fx - x) / 0.02).clamp(-1.0, 1.0),
                    ),
                    1.0,
                )
            },
        );
    }
}

fn street(c: &mut Canvas, rng: &mut Rng) {
    let m = c.mid();
    let horizon = m + 0.18;
    let warm = rng.f(10.0, 35.0);
    let zenith = hsl(rng.f(235.0, 265.0), 0.45, 0.28);
    let mid = hsl(warm + 330.0, 0.6, 0.62);
    let low = hsl(warm + 20.0, 0.9, 0.66);
    c.fill(
        c.all(),
        0.0,
        |_, _| -1.0,
        |_, y, _| {
            let t = (y / horizon).clamp(0.0, 1.0);
            let col = if t < 0.55 {
                mix(zenith, mid, t / 0.55)
            } else {
                mix(mid, low, (t - 0.55) / 0.45)
            };
            (col, 1.0)
        },
    );
    let sx = rng.f(0.25, 0.75);
    let sy = horizon - rng.f(0.1, 0.2);
    glow(c, sx, sy, 0.45, [255.0, 210.0, 150.0], 0.5);
    c.fill(
        Bb::around(sx, sy, 0.08, 0.08),
        0.0,
        move |x, y| circle(x, y, sx, sy, 0.06),
        move |_, y, _| {
            (
                mix(
                    [255.0, 246.0, 210.0],
                    [255.0, 180.0, 100.0],
                    (y - sy + 0.06) / 0.12,
                ),
                1.0,
            )
        },
    );
    // Long thin clouds.
    for _ in 0..5 {
        let (cx, cy) = (rng.f(0.0, 1.0), rng.f(horizon * 0.2, horizon - 0.1));
        let (w, th) = (rng.f(0.12, 0.3), rng.f(0.008, 0.018));
        let col = mix(mid, [255.0, 220.0, 210.0], 0.5);
        c.fill(
            Bb::around(cx, cy, w + 0.03, th + 0.03),
            0.02,
            move |x, y| ellipse(x, y, cx, cy, w, th),
            move |_, _, _| (col, 0.55),
        );
    }

    // Two rows of buildings: hazy far, dark near with lit windows.
    let far = mix(mid, zenith, 0.55);
    let mut x = -0.02;
    while x < 1.02 {
        let w = rng.f(0.05, 0.11);
        let top = horizon - rng.f(0.06, 0.22);
        let (x0, x1) = (x, x + w);
        c.solid(
            Bb(x0, top, x1, horizon + 0.01),
            move |px, py| {
                rrect(
                    px,
                    py,
                    (x0 + x1) / 2.0,
                    (top + horizon) / 2.0 + 0.005,
                    w / 2.0,
                    (horizon - top) / 2.0 + 0.005,
                    0.0,
                )
            },
            far,
        );
        x += w + rng.f(-0.01, 0.01);
    }
    let near = scale(zenith, 0.55);
    let mut x = -0.03;
    while x < 1.03 {
        let w = rng.f(0.07, 0.15);
        let top = horizon - rng.f(0.03, 0.3);
        let (x0, x1) = (x, x + w);
        let bcx = (x0 + x1) / 2.0;
        let stepped = rng.chance(0.3);
        let spire = rng.chance(0.2);
        let seed = rng.next();
        let shape = move |px: f32, py: f32| {
            let mut d = rrect(
                px,
                py,
                bcx,
                (top + horizon) / 2.0,
                w / 2.0,
                (horizon - top) / 2.0,
                0.0,
            );
            if stepped {
                d = d.min(rrect(px, py, bcx, top, w * 0.3, 0.03, 0.0));
            }
            if spire {
                d = d.min(capsule(px, py, (bcx, top), (bcx, top - 0.07), 0.002));
            }
            d
        };
        c.solid(Bb(x0, top - 0.08, x1, horizon), shape, near);
        // Windows on a grid; some lit.
        let (ww, wh) = (0.012, 0.016);
        let cols = ((w - 0.02) / 0.022).floor().max(1.0) as u32;
        let rows = ((horizon - top - 0.02) / 0.03).floor().max(0.0) as u32;
        let gx = x0 + (w - (cols as f32 - 1.0) * 0.022) / 2.0;
        for r in 0..rows {
            for k in 0..cols {
                if hash(seed, k, r) > 0.45 {
                    continue;
                }
                let wx = gx + k as f32 * 0.022;
                let wy = top + 0.025 + r as f32 * 0.03;
                let warmth = hash(seed, r, k);
                let col = mix([255.0, 214.0, 130.0], [255.0, 240.0, 200.0], warmth);
                c.solid(
                    Bb::around(wx, wy, ww, wh),
                    move |px, py| rrect(px, py, wx, wy, ww / 2.0, wh / 2.0, 0.001),
                    col,
                );
            }
        }
        x += w + rng.f(0.0, 0.012);
    }
    // The river in front: the skyline mirrored, broken up by ripples and darkened with depth.
    c.reflect(horizon + 0.004, scale(zenith, 0.5));
    // The embankment, a thin dark line with a few lamps.
    c.solid(
        Bb(0.0, horizon - 0.004, 1.0, horizon + 0.008),
        move |_, y| (y - (horizon + 0.002)).abs() - 0.005,
        scale(zenith, 0.35),
    );
    for k in 0..7 {
        let lx = (k as f32 + 0.5) / 7.0 + rng.f(-0.02, 0.02);
        glow(c, lx, horizon - 0.002, 0.018, [255.0, 220.0, 150.0], 0.8);
    }
}

fn flowers(c: &mut Canvas, rng: &mut Rng) {
    let hue = rng.f(0.0, 360.0);
    backdrop(c, hsl(hue, 0.35, 0.9), hsl(hue + 30.0, 0.3, 0.82));
    let m = c.mid();
    glow(c, 0.3, m - 0.2, 0.5, [255.0; 3], 0.4);
    let shelf = m + 0.32;
    table(c, shelf, hsl(hue + 180.0, 0.12, 0.7), 0.1);

    let vase_col = rng.pick(&[
        [70.0, 110.0, 150.0],
        [230.0, 226.0, 214.0],
        [210.0, 140.0, 100.0],
        [90.0, 130.0, 110.0],
        [40.0, 44.0, 52.0],
    ]);
    let (vx, vtop, vbot) = (0.5, shelf - 0.25, shelf + 0.01);
    let vase = move |x: f32, y: f32| {
        let t = ((y - vtop) / (vbot - vtop)).clamp(0.0, 1.0);
        let r = 0.07 + 0.065 * (PI * t.powf(0.8)).sin() - 0.01 * t;
        ((x - vx).abs() - r).max(vtop - y).max(y - vbot)
    };

    // Stems and leaves first, then the vase, then blooms on top.
    let petals: [Rgb; 7] = [
        [240.0, 120.0, 140.0],
        [250.0, 248.0, 244.0],
        [250.0, 190.0, 70.0],
        [204.0, 60.0, 76.0],
        [170.0, 120.0, 210.0],
        [250.0, 160.0, 110.0],
        [246.0, 200.0, 210.0],
    ];
    let n = 8;
    let mut heads = Vec::new();
    for k in 0..n {
        let t = k as f32 / (n - 1) as f32;
        let a = -PI / 2.0 + (t - 0.5) * 1.6 + rng.f(-0.1, 0.1);
        let len = rng.f(0.3, 0.4) * (1.0 - 0.2 * (t - 0.5).abs());
        let base = (vx + (t - 0.5) * 0.06, vtop + 0.03);
        let head = (base.0 + len * a.cos() * 1.15, base.1 + len * a.sin());
        heads.push((head, rng.pick(&petals), rng.next()));
        let green = [70.0, 120.0, 60.0];
        c.solid(
            Bb(
                base.0.min(head.0) - 0.01,
                head.1 - 0.01,
                base.0.max(head.0) + 0.01,
                base.1 + 0.01,
            ),
            move |x, y| capsule(x, y, base, head, 0.0045),
            green,
        );
        let lt = rng.f(0.3, 0.6);
        let (lx, ly) = (
            base.0 + (head.0 - base.0) * lt,
            base.1 + (head.1 - base.1) * lt,
        );
        let side = if k % 2 == 0 { 1.0 } else { -1.0 };
        let rot = a + side * 0.8;
        let (ox, oy) = (lx + 0.04 * rot.cos(), ly + 0.04 * rot.sin());
        c.fill(
            Bb::around(ox, oy, 0.06, 0.06),
            0.0,
            move |x, y| {
                let (x, y) = rotate(x, y, ox, oy, rot);
                // A leaf: two arcs meeting in points.
                circle(x, y, ox, oy + 0.03, 0.05).max(circle(x, y, ox, oy - 0.03, 0.05))
            },
            move |x, y, d| {
                let (_, yr) = rotate(x, y, ox, oy, rot);
                let vein = 1.0 - ((yr - oy).abs() / 0.0025).min(1.0);
                let col = scale([86.0, 140.0, 70.0], 0.8 + 0.3 * smoothstep(0.0, 0.01, -d));
                (mix(col, [170.0, 200.0, 140.0], vein * 0.6), 1.0)
            },
        );
    }
    c.shadow(
        Bb(vx - 0.15, vbot - 0.02, vx + 0.2, vbot + 0.03),
        0.02,
        0.3,
        (0.02, 0.0),
        move |x, y| ellipse(x, y, vx + 0.01, vbot, 0.13, 0.015),
    );
    c.fill(
        Bb(vx - 0.15, vtop, vx + 0.15, vbot),
        0.0,
        vase,
        move |x, _, d| {
            let r = (x - vx).abs() - d;
            let nn = ((x - vx) / r.max(0.001)).clamp(-1.0, 1.0);
            let light = 0.65 + 0.4 * (1.0 - nn * nn).sqrt() - 0.15 * nn;
            let spec = (-((nn + 0.5) * 8.0).powi(2)).exp() * 0.4;
            (mix(scale(vase_col, light), [255.0; 3], spec), 1.0)
        },
    );
    c.solid(
        Bb::around(vx, vtop, 0.09, 0.02),
        move |x, y| ellipse(x, y, vx, vtop, 0.07, 0.011),
        scale(vase_col, 0.45),
    );

    for ((hx, hy), col, seed) in heads {
        let mut r = Rng::new(seed);
        let size = r.f(0.06, 0.08);
        match r.next() % 3 {
            0 => {
                // Daisy-like: many narrow petals around a disc.
                let count = 16;
                let spin = r.f(0.0, PI);
                for p in 0..count {
                    let a = spin + p as f32 * 2.0 * PI / count as f32;
                    let (ox, oy) = (hx + size * 0.55 * a.cos(), hy + size * 0.55 * a.sin());
                    c.fill(
                        Bb::around(ox, oy, size, size),
                        0.0,
                        move |x, y| {
                            let (x, y) = rotate(x, y, ox, oy, a);
                            ellipse(x, y, ox, oy, size * 0.5, size * 0.13)
                        },
                        move |_, _, d| (scale(col, 0.82 + 0.18 * smoothstep(0.0, 0.006, -d)), 1.0),
                    );
                }
                c.fill(
                    Bb::around(hx, hy, size, size),
                    0.0,
                    move |x, y| circle(x, y, hx, hy, size * 0.28),
                    move |x, y, d| {
                        let dots = hash(3, (x * 800.0) as u32, (y * 800.0) as u32);
                        let rim = smoothstep(0.0, size * 0.1, -d);
                        (
                            scale(
                                [230.0, 164.0, 40.0],
                                (0.75 + 0.2 * dots) * (0.85 + 0.15 * rim),
                            ),
                            1.0,
                        )
                    },
                );
            }
            1 => {
                // Round, layered bloom (ranunculus, peony): rings of scalloped petals.
                for layer in 0..5 {
                    let rr = size * (1.0 - layer as f32 * 0.18);
                    let tone = 0.74 + layer as f32 * 0.07;
                    let off = layer as f32 * size * 0.03;
                    let lobes = 7.0 - layer as f32;
                    let turn = layer as f32 * 0.7;
                    c.fill(
                        Bb::around(hx, hy, size * 1.1, size * 1.1),
                        0.0,
                        move |x, y| {
                            let ang = (y - hy + off).atan2(x - hx + off);
                            let scallop = 0.05 * rr * (ang * lobes + turn).cos().abs();
                            circle(x, y, hx - off, hy - off, rr) + scallop
                        },
                        move |x, y, d| {
                            let inner = smoothstep(0.0, rr * 0.4, -d);
                            let _ = (x, y);
                            (scale(col, tone * (0.9 + 0.1 * inner)), 1.0)
                        },
                    );
                }
            }
            _ => {
                // Tulip: a cup with three pointed petal tips.
                let s = size * 1.1;
                let pts: Vec<(f32, f32)> = [
                    (-0.5, -0.6),
                    (-0.22, -0.25),
                    (0.0, -0.72),
                    (0.22, -0.25),
                    (0.5, -0.6),
                    (0.48, 0.1),
                    (0.3, 0.42),
                    (0.0, 0.5),
                    (-0.3, 0.42),
                    (-0.48, 0.1),
                ]
                .iter()
                .map(|&(x, y)| (hx + x * s, hy + y * s))
                .collect();
                c.fill(
                    Bb::around(hx, hy, s, s),
                    0.0,
                    move |x, y| polygon(x, y, &pts) - s * 0.05,
                    move |x, y, d| {
                        let u = (x - hx) / (s * 0.5);
                        // The front petal reads lighter than the two behind it.
                        let front = smoothstep(0.5, 0.35, u.abs())
                            * smoothstep(hy - 0.3 * s, hy - 0.1 * s, y);
                        let edge = 0.85 + 0.15 * smoothstep(0.0, s * 0.15, -d);
                        (
                            scale(col, (0.82 + 0.18 * front) * edge * (1.0 - 0.1 * u)),
                            1.0,
                        )
                    },
                );
            }
        }
    }
}

fn coffee(c: &mut Canvas, rng: &mut Rng) {
    let marble = rng.chance(0.5);
    let base: Rgb = if marble {
        [236.0, 234.0, 230.0]
    } else {
        rng.pick(&[[150.0, 104.0, 70.0], [96.0, 70.0, 56.0], [60.0, 64.0, 70.0]])
    };
    let (ox, oy) = (rng.f(0.0, 10.0), rng.f(0.0, 10.0));
    c.fill(
        c.all(),
        0.0,
        |_, _| -1.0,
        move |x, y, _| {
            let (x, y) = (x + ox, y + oy);
            if marble {
                let v = ((x * 6.0 + y * 3.0 + (x * 17.0).sin() * 0.6 + (y * 11.0).cos() * 0.4)
                    * 2.0)
                    .sin();
                let fine = ((x * 23.0 - y * 9.0 + (y * 31.0).sin() * 0.3) * 3.0).sin();
                let vein = (1.0 - v.abs()).powi(30) * 0.4 + (1.0 - fine.abs()).powi(60) * 0.25;
                (mix(base, [160.0, 162.0, 170.0], vein), 1.0)
            } else {
                let grain = ((y * 120.0 + (x * 9.0).sin() * 1.5).sin() * 0.5 + 0.5) * 0.08;
                (scale(base, 0.95 - grain), 1.0)
            }
        },
    );
    let m = c.mid();
    let (cx, cy) = (0.48 + rng.f(-0.04, 0.04), m + rng.f(-0.03, 0.03));
    let cup_col: Rgb = rng.pick(&[
        [248.0, 246.0, 242.0],
        [214.0, 110.0, 80.0],
        [120.0, 160.0, 170.0],
        [40.0, 44.0, 50.0],
    ]);

    // Coffee beans around.
    for _ in 0..14 {
        let (bx, by) = (rng.f(0.04, 0.96), rng.f(0.04, c.height() - 0.04));
        if circle(bx, by, cx, cy, 0.36) < 0.0 {
            continue;
        }
        let rot = rng.f(0.0, TAU);
        let bean = move |x: f32, y: f32| {
            let (x, y) = rotate(x, y, bx, by, rot);
            ellipse(x, y, bx, by, 0.024, 0.017)
        };
        c.shadow(
            Bb::around(bx, by, 0.04, 0.04),
            0.006,
            0.35,
            (0.003, 0.005),
            bean,
        );
        c.fill(Bb::around(bx, by, 0.03, 0.03), 0.0, bean, move |x, y, d| {
            let (xr, yr) = rotate(x, y, bx, by, rot);
            let crease =
                1.0 - (((yr - by) - 0.004 * ((xr - bx) * 90.0).sin()).abs() / 0.0025).min(1.0);
            let light = 0.75 + 0.35 * smoothstep(0.0, 0.01, -d);
            (
                scale(mix([110.0, 66.0, 38.0], [40.0, 22.0, 14.0], crease), light),
                1.0,
            )
        });
    }

    // Saucer, cup, handle, spoon.
    c.shadow(
        Bb::around(cx, cy, 0.3, 0.3),
        0.03,
        0.35,
        (0.012, 0.02),
        move |x, y| circle(x, y, cx, cy, 0.28),
    );
    c.fill(
        Bb::around(cx, cy, 0.28, 0.28),
        0.0,
        move |x, y| circle(x, y, cx, cy, 0.28),
        move |x, y, d| {
            let rim = smoothstep(0.0, 0.03, -d);
            let side = ((x - cx) + (y - cy)) / 0.28;
            (scale(cup_col, 0.9 + 0.08 * rim - 0.04 * side), 1.0)
        },
    );
    let ha = rng.f(-0.6, 0.6);
    let (hx, hy) = (cx + 0.2 * ha.cos(), cy + 0.2 * ha.sin());
    let handle = move |x: f32, y: f32| {
        let (x, y) = rotate(x, y, hx, hy, ha);
        rrect(x, y, hx, hy, 0.07, 0.024, 0.024)
    };
    c.shadow(
        Bb::around(hx, hy, 0.1, 0.1),
        0.012,
        0.35,
        (0.006, 0.01),
        handle,
    );
    c.fill(Bb::around(hx, hy, 0.1, 0.1), 0.0, handle, move |_, _, d| {
        (scale(cup_col, 0.88 + 0.12 * smoothstep(0.0, 0.01, -d)), 1.0)
    });
    c.shadow(
        Bb::around(cx, cy, 0.2, 0.2),
        0.015,
        0.4,
        (0.006, 0.01),
        move |x, y| circle(x, y, cx, cy, 0.16),
    );
    c.fill(
        Bb::around(cx, cy, 0.17, 0.17),
        0.0,
        move |x, y| circle(x, y, cx, cy, 0.165),
        move |x, y, d| {
            let side = ((x - cx) + (y - cy)) / 0.165;
            (
                scale(cup_col, 1.0 - 0.06 * side - 0.1 * smoothstep(0.02, 0.0, -d)),
                1.0,
            )
        },
    );
    let crema: Rgb = [196.0, 134.0, 76.0];
    let dark: Rgb = [108.0, 62.0, 30.0];
    c.fill(
        Bb::around(cx, cy, 0.15, 0.15),
        0.0,
        move |x, y| circle(x, y, cx, cy, 0.14),
        move |x, y, d| {
            let t = smoothstep(0.0, 0.05, -d);
            let swirl =
                0.04 * (((y - cy).atan2(x - cx)) * 5.0 + (x - cx).hypot(y - cy) * 60.0).sin();
            (mix(dark, crema, t * 0.9 + swirl), 1.0)
        },
    );
    // Latte art: a heart, or a tulip of stacked hearts.
    let milk: Rgb = [246.0, 236.0, 220.0];
    let art_rot = rng.f(-0.5, 0.5);
    if rng.chance(0.5) {
        c.fill(
            Bb::around(cx, cy, 0.12, 0.12),
            0.0,
            move |x, y| {
                let (x, y) = rotate(x, y, cx, cy, art_rot);
                heart(x, y, cx, cy + 0.04, 0.12)
            },
            move |_, _, d| (mix(milk, crema, smoothstep(0.0, 0.008, d + 0.004)), 1.0),
        );
    } else {
        for (k, s) in [(0, 0.1), (1, 0.075), (2, 0.055)] {
            let off = k as f32 * 0.04;
            c.fill(
                Bb::around(cx, cy, 0.12, 0.12),
                0.0,
                move |x, y| {
                    let (x, y) = rotate(x, y, cx, cy, art_rot);
                    heart(x, y, cx, cy + 0.06 - off, s).max(-heart(
                        x,
                        y,
                        cx,
                        cy + 0.065 - off,
                        s * 0.7,
                    ))
                },
                move |_, _, _| (milk, 1.0),
            );
        }
        c.solid(
            Bb::around(cx, cy, 0.12, 0.12),
            move |x, y| {
                let (x, y) = rotate(x, y, cx, cy, art_rot);
                capsule(x, y, (cx, cy - 0.09), (cx, cy + 0.08), 0.003)
            },
            milk,
        );
    }
    // Spoon on the saucer, lying along its rim.
    let sa = ha + PI * 0.6;
    let da = sa + PI / 2.0;
    let s0 = (cx + 0.215 * sa.cos(), cy + 0.215 * sa.sin());
    let s1 = (s0.0 + 0.15 * da.cos(), s0.1 + 0.15 * da.sin());
    let bowl = (s0.0 - 0.02 * da.cos(), s0.1 - 0.02 * da.sin());
    let spoon = move |x: f32, y: f32| {
        let handle = capsule(x, y, s0, s1, 0.0055);
        let (xr, yr) = rotate(x, y, bowl.0, bowl.1, da);
        smin(handle, ellipse(xr, yr, bowl.0, bowl.1, 0.034, 0.021), 0.01)
    };
    c.shadow(
        Bb::around(s0.0, s0.1, 0.2, 0.2),
        0.006,
        0.4,
        (0.004, 0.006),
        spoon,
    );
    c.fill(
        Bb::around(s0.0, s0.1, 0.2, 0.2),
        0.0,
        spoon,
        move |x, y, d| {
            let t = ((x - s0.0) * 30.0 + (y - s0.1) * 20.0).sin() * 0.5 + 0.5;
            let edge = smoothstep(0.0, 0.006, -d);
            (
                scale(
                    mix([170.0, 172.0, 178.0], [236.0, 238.0, 242.0], t),
                    0.85 + 0.15 * edge,
                ),
                1.0,
            )
        },
    );
}

fn sneakers(c: &mut Canvas, rng: &mut Rng) {
    let hue = rng.f(0.0, 360.0);
    backdrop(c, hsl(hue, 0.5, 0.74), hsl(hue + 25.0, 0.45, 0.62));
    let m = c.mid();
    glow(c, 0.5, m - 0.05, 0.45, hsl(hue + 40.0, 0.6, 0.88), 0.7);
    let floor = m + 0.12;
    let h = c.height();
    c.fill(
        Bb(0.0, floor, 1.0, h),
        0.0,
        move |_, y| floor - y,
        move |_, y, _| (hsl(hue + 20.0, 0.38, 0.55 - (y - floor) * 0.25), 1.0),
    );

    let look = Shoe {
        upper: rng.pick(&[
            [246.0, 246.0, 244.0],
            [34.0, 38.0, 48.0],
            [196.0, 60.0, 56.0],
            [70.0, 110.0, 170.0],
            [236.0, 214.0, 176.0],
            [120.0, 140.0, 104.0],
        ]),
        accent: rng.pick(&[
            [240.0, 120.0, 40.0],
            [40.0, 150.0, 122.0],
            [226.0, 58.0, 88.0],
            [246.0, 196.0, 40.0],
            [80.0, 110.0, 214.0],
        ]),
        sole: if rng.chance(0.3) {
            [204.0, 158.0, 106.0]
        } else {
            [248.0, 247.0, 244.0]
        },
        facing: if rng.chance(0.5) { 1.0 } else { -1.0 },
    };
    // The pair: one shoe a little behind the other.
    shoe(c, &look, 0.5 + 0.07 * look.facing, floor - 0.05, 0.8);
    shoe(c, &look, 0.5 - 0.02 * look.facing, floor + 0.1, 1.0);
}

struct Shoe {
    upper: Rgb,
    accent: Rgb,
    sole: Rgb,
    facing: f32,
}

/// A low-top sneaker in side view standing at (cx, ground); `light` dims the one further back.
fn shoe(c: &mut Canvas, s: &Shoe, cx: f32, gy: f32, light: f32) {
    let f = s.facing;
    let p = move |x: f32, y: f32| (cx + f * x, gy + y);
    let outline: Vec<(f32, f32)> = [
        (-0.335, -0.04),
        (-0.352, -0.12),
        (-0.345, -0.19),
        (-0.322, -0.226),
        (-0.25, -0.205),
        (-0.17, -0.195),
        (-0.11, -0.232),
        (-0.085, -0.272),
        (-0.045, -0.282),
        (-0.03, -0.245),
        (0.08, -0.19),
        (0.18, -0.145),
        (0.26, -0.115),
        (0.32, -0.09),
        (0.352, -0.062),
        (0.36, -0.04),
    ]
    .iter()
    .map(|&(x, y)| p(x, y))
    .collect();
    let upper = move |x: f32, y: f32| polygon(x, y, &outline) - 0.012;
    let upper = std::sync::Arc::new(upper);
    let bb = Bb(cx - 0.4, gy - 0.31, cx + 0.4, gy + 0.01);
    let (u_col, a_col, s_col) = (
        scale(s.upper, light),
        scale(s.accent, light),
        scale(s.sole, light),
    );

    c.shadow(
        Bb(cx - 0.4, gy - 0.04, cx + 0.4, gy + 0.03),
        0.02,
        0.45 * light,
        (0.0, 0.008),
        move |x, y| ellipse(x, y, cx, gy, 0.37, 0.018),
    );
    let u = upper.clone();
    c.fill(
        bb,
        0.0,
        move |x, y| u(x, y),
        move |x, y, d| {
            let shade = 0.84 + 0.16 * smoothstep(0.0, 0.03, -d) - 0.06 * ((gy - y) / 0.28);
            // Stitching just inside the edge.
            let stitch = ((d + 0.01).abs() < 0.0014 && ((x + y) * 420.0).sin() > 0.0) as u8 as f32;
            (
                mix(scale(u_col, shade), scale(u_col, 0.55), stitch * 0.7),
                1.0,
            )
        },
    );
    // Toe cap and heel counter, clipped to the upper.
    let toe = p(0.29, -0.04);
    let u = upper.clone();
    c.fill(
        bb,
        0.0,
        move |x, y| ellipse(x, y, toe.0, toe.1, 0.12, 0.075).max(u(x, y)),
        move |_, _, d| {
            (
                scale(
                    mix(u_col, [120.0; 3], 0.15),
                    0.9 + 0.1 * smoothstep(0.0, 0.02, -d),
                ),
                1.0,
            )
        },
    );
    let heel = p(-0.36, -0.1);
    let u = upper.clone();
    c.fill(
        bb,
        0.0,
        move |x, y| ellipse(x, y, heel.0, heel.1, 0.085, 0.13).max(u(x, y)),
        move |_, _, d| (scale(a_col, 0.88 + 0.12 * smoothstep(0.0, 0.02, -d)), 1.0),
    );
    // A wave-shaped side panel.
    let u = upper.clone();
    c.fill(
        bb,
        0.0,
        move |x, y| {
            let lx = (x - cx) * f;
            let t = ((lx + 0.26) / 0.36).clamp(0.0, 1.0);
            let centre = -0.065 - 0.1 * (t * PI * 0.9).sin() * t.sqrt();
            let half = 0.012 + 0.012 * (1.0 - t);
            ((y - gy - centre).abs() - half)
                .max(-0.26 - lx)
                .max(lx - 0.1)
                .max(u(x, y))
        },
        move |_, _, _| (a_col, 1.0),
    );
    // Padded collar lining.
    let collar = p(-0.24, -0.207);
    let u = upper.clone();
    c.fill(
        Bb::around(collar.0, collar.1, 0.12, 0.03),
        0.0,
        move |x, y| ellipse(x, y, collar.0, collar.1, 0.1, 0.016).max(u(x, y)),
        move |_, _, _| (scale(u_col, 0.4), 1.0),
    );
    // Laces crossing between eyelets along the throat.
    let (l0, l1): ((f32, f32), (f32, f32)) = ((-0.04, -0.235), (0.16, -0.145));
    let (dx, dy) = (l1.0 - l0.0, l1.1 - l0.1);
    let len = dx.hypot(dy);
    let (nx, ny) = (-dy / len, dx / len); // points down, into the shoe
    let at = move |t: f32, off: f32| p(l0.0 + dx * t + nx * off, l0.1 + dy * t + ny * off);
    let lace = mix([252.0; 3], u_col, 0.05);
    for k in 0..5 {
        let t = k as f32 / 5.0;
        let e = at(t, 0.022);
        c.solid(
            Bb::around(e.0, e.1, 0.01, 0.01),
            move |x, y| circle(x, y, e.0, e.1, 0.005),
            scale(u_col, 0.35),
        );
        let (a, b) = (at(t, 0.022), at(t + 0.12, -0.004));
        c.solid(
            Bb(
                a.0.min(b.0) - 0.01,
                a.1.min(b.1) - 0.01,
                a.0.max(b.0) + 0.01,
                a.1.max(b.1) + 0.01,
            ),
            move |x, y| capsule(x, y, a, b, 0.0055),
            lace,
        );
        let (a, b) = (at(t + 0.2, 0.022), at(t + 0.08, -0.004));
        c.solid(
            Bb(
                a.0.min(b.0) - 0.01,
                a.1.min(b.1) - 0.01,
                a.0.max(b.0) + 0.01,
                a.1.max(b.1) + 0.01,
            ),
            move |x, y| capsule(x, y, a, b, 0.0055),
            scale(lace, 0.9),
        );
    }
    // Sole: midsole with a coloured line, gum or rubber outsole with tread.
    c.fill(
        Bb(cx - 0.39, gy - 0.07, cx + 0.39, gy + 0.01),
        0.0,
        move |x, y| rrect(x, y, cx + 0.005 * f, gy - 0.03, 0.37, 0.032, 0.028),
        move |x, y, _| {
            let outsole = y > gy - 0.012;
            let tread = outsole && (x * 170.0).sin() > 0.5;
            let col = if outsole {
                scale(s_col, if tread { 0.5 } else { 0.66 })
            } else if (y - (gy - 0.036)).abs() < 0.003 {
                a_col
            } else {
                scale(s_col, 0.97 - 0.1 * ((y - gy + 0.06) / 0.05))
            };
            (col, 1.0)
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_motif_renders_a_jpeg_of_the_requested_size() {
        for motif in Motif::ALL {
            for (w, h) in [(216, 216), (216, 270)] {
                let bytes = draw(7, motif, w, h);
                let img =
                    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
                assert_eq!((img.width(), img.height()), (w, h), "{motif:?}");
            }
        }
    }

    #[test]
    fn seeds_change_the_picture_and_repeat_exactly() {
        for motif in Motif::ALL {
            let a = render(1, motif, 120, 150);
            let b = render(2, motif, 120, 150);
            assert_ne!(a, b, "{motif:?}");
            assert_eq!(a, render(1, motif, 120, 150), "{motif:?}");
        }
    }

    /// Writes a contact sheet of every motif (one square row, two 4:5 rows) to /tmp/demo_motifs.png, for
    /// looking at: `cargo test -p souk demo_images -- --ignored`.
    #[test]
    #[ignore]
    fn contact_sheet() {
        let w = 360;
        let rows = [(1u64, 360u32), (2, 450), (3, 450)];
        let height = rows.iter().map(|r| r.1).sum();
        let mut sheet = RgbImage::new(w * Motif::ALL.len() as u32, height);
        let mut y = 0;
        for (seed, h) in rows {
            for (i, motif) in Motif::ALL.into_iter().enumerate() {
                let img = render(seed, motif, w, h);
                image::imageops::overlay(&mut sheet, &img, i64::from(i as u32 * w), i64::from(y));
            }
            y += h;
        }
        sheet.save("/tmp/demo_motifs.png").unwrap();
    }
}
