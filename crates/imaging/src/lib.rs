//! Image decoding, orientation, resizing and encoding: the CPU-heavy part of the media pipeline.
//!
//! It lives in its own crate so debug builds can compile it optimised (see the workspace profile): the
//! `image` crate's generic resize and codec code is instantiated here, and unoptimised it made every upload
//! and the demo data take many seconds in tests. Everything here is pure: bytes in, bytes out.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits,
};
use std::io::Cursor;
use thiserror::Error;

pub use image::ImageFormat as Format;

/// Display widths stored for every image (never wider than the original).
pub const VARIANT_WIDTHS: [u32; 3] = [320, 640, 1080];
/// Longest side any decoder is allowed to report.
pub const MAX_SIDE: u32 = 30_000;
const ORIGINAL_JPEG_QUALITY: u8 = 90;
const VARIANT_JPEG_QUALITY: u8 = 82;

#[derive(Debug, Error)]
pub enum ImagingError {
    #[error("unsupported format")]
    UnsupportedFormat { hint: Option<&'static str> },
    #[error("{width}x{height} is over {max_pixels} pixels")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("decode failed: {0}")]
    DecodeFailed(String),
    #[error("{0}")]
    Internal(String),
}

/// The format from the first bytes; only formats Souk accepts pass.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImagingError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormat::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormat::Png);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(ImageFormat::WebP);
    }
    // ISO base media files (HEIC, AVIF) start with a size and an `ftyp` box naming the brand.
    let hint = if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Some("HEIC")
            }
            b"avif" | b"avis" => Some("AVIF"),
            _ => None,
        }
    } else if bytes.starts_with(b"GIF8") {
        Some("GIF")
    } else {
        None
    };
    Err(ImagingError::UnsupportedFormat { hint })
}

/// A re-encoded original and its display variants (ascending width).
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub original: Vec<u8>,
    pub variants: Vec<(u32, Vec<u8>)>,
}

/// The CPU-heavy part, run on a blocking thread.
pub fn process(
    bytes: &[u8],
    format: ImageFormat,
    max_pixels: u64,
) -> Result<Processed, ImagingError> {
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(ImagingError::DecodeFailed(
            "JPEG data ends before its end marker".into(),
        ));
    }
    // Decoders hold the decoded frame plus working buffers; 16-bit RGBA is 8 bytes a pixel.
    let max_alloc = max_pixels
        .saturating_mul(8)
        .saturating_add(64 * 1024 * 1024);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(max_alloc);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    // Building the decoder parses the header only; no pixel buffer exists yet.
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| decode_error(e, max_pixels))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImagingError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    if decoder.total_bytes() > max_alloc {
        return Err(ImagingError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    let icc = decoder.icc_profile().ok().flatten();
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(e, max_pixels))?;
    img.apply_orientation(orientation);

    let alpha = img.color().has_alpha() && has_transparency(&img);
    let img = if alpha {
        DynamicImage::ImageRgba8(img.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.into_rgb8())
    };
    let (width, height) = (img.width(), img.height());
    let original = encode(&img, alpha, ORIGINAL_JPEG_QUALITY, icc.as_deref())?;

    // Largest first, each from the previous one: far cheaper than resizing the full original three times.
    // Catmull-Rom (bicubic) rather than Lanczos3: on downscales of at most 3.4x no difference shows at
    // JPEG quality, and it costs about half (resizing was a third of all CPU while loading the demo).
    let mut variants = Vec::new();
    let mut source = img;
    for &w in VARIANT_WIDTHS.iter().rev().filter(|&&w| w <= width) {
        let resized = if w == source.width() {
            // Same size: only the lighter encoding differs.
            source.clone()
        } else {
            source.resize_exact(w, scaled_height(width, height, w), FilterType::CatmullRom)
        };
        variants.push((
            w,
            encode(&resized, alpha, VARIANT_JPEG_QUALITY, icc.as_deref())?,
        ));
        source = resized;
    }
    variants.reverse();
    Ok(Processed {
        width,
        height,
        content_type: if alpha { "image/png" } else { "image/jpeg" },
        extension: if alpha { "png" } else { "jpg" },
        original,
        variants,
    })
}

pub fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let h = (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

fn decode_error(e: ImageError, max_pixels: u64) -> ImagingError {
    match e {
        ImageError::Limits(_) => ImagingError::TooManyPixels {
            width: 0,
            height: 0,
            max_pixels,
        },
        ImageError::Unsupported(_) => ImagingError::UnsupportedFormat { hint: None },
        other => ImagingError::DecodeFailed(other.to_string()),
    }
}

/// Whether any pixel is not fully opaque (a PNG with an alpha channel is often opaque throughout).
fn has_transparency(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgba8(b) => b.pixels().any(|p| p.0[3] < u8::MAX),
        DynamicImage::ImageLumaA8(b) => b.pixels().any(|p| p.0[1] < u8::MAX),
        other => other.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX),
    }
}

fn encode(
    img: &DynamicImage,
    png: bool,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    let (w, h) = (img.width(), img.height());
    let result = if png {
        let mut enc = PngEncoder::new(&mut out);
        if let Some(icc) = icc {
            let _ = enc.set_icc_profile(icc.to_vec());
        }
        enc.write_image(img.as_bytes(), w, h, ExtendedColorType::Rgba8)
    } else {
        let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
        if let Some(icc) = icc {
            let _ = enc.set_icc_profile(icc.to_vec());
        }
        enc.write_image(img.as_bytes(), w, h, ExtendedColorType::Rgb8)
    };
    result.map_err(|e| ImagingError::Internal(format!("encoding failed: {e}")))?;
    Ok(out)
}

/// Walks the JPEG marker segments and entropy-coded scans up to the end-of-image marker.
///
/// The `image` crate decodes JPEG leniently (like browsers it paints missing data grey), so a cut-off
/// upload would otherwise be stored as a half-grey picture. Data after the end marker (camera trailers,
/// MPF secondary images) is fine.
pub fn jpeg_is_complete(b: &[u8]) -> bool {
    let mut i = 2; // past SOI
    loop {
        // Find the next marker, skipping fill bytes.
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,                   // EOI
            0x01 | 0xD0..=0xD7 | 0x00 => continue, // standalone markers, stray stuffing
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (b.get(i), b.get(i + 1)) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len < 2 {
            return false;
        }
        i += len;
        if i > b.len() {
            return false;
        }
        if marker == 0xDA {
            // Entropy-coded data: runs until a marker that is neither byte stuffing (FF 00) nor a restart.
            loop {
                while i < b.len() && b[i] != 0xFF {
                    i += 1;
                }
                match b.get(i + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => i += if b[i + 1] == 0xFF { 1 } else { 2 },
                    Some(_) => break,
                }
            }
        }
    }
}
