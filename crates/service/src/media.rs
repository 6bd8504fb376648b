//! Uploaded images: checked, decoded with limits, turned upright, stripped of metadata and stored with
//! display-sized variants.
//!
//! What leaves the server is always an image Souk encoded itself: the uploaded bytes are never stored, so
//! EXIF (camera serial numbers, GPS position), XMP and comments cannot leak. The colour profile (ICC) is
//! kept because it is colour data, not data about the person: without it wide-gamut phone photos (Display
//! P3) look washed out.
//!
//! Accepted formats: JPEG, PNG and WebP, sniffed from magic bytes (the file name and the client's
//! `Content-Type` are ignored). HEIC/HEIF, what iPhones save by default, is refused with a hint to send a
//! JPEG: the only decoders are bindings to C libraries (libheif with libde265), and there is no maintained
//! pure-Rust HEVC decoder to use instead. iOS converts to JPEG when a photo is picked in a browser anyway.
//!
//! Keys: `img/<random id>/orig.jpg` plus `320.jpg`, `640.jpg` and `1080.jpg` (only widths up to the
//! original's; never upscaled). Images with real transparency use `.png` throughout.

use crate::ServiceError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use souk_domain::FieldError;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::Semaphore;

mod drawings;

use drawings::{Claim, Job, Queue};
pub use drawings::{Drawing, ImageSource};
use souk_imaging::{ImagingError, process, sniff};
/// Widths of the display variants, smallest first.
pub use souk_imaging::{MAX_SIDE, VARIANT_WIDTHS};
/// The form field uploads are reported against.
const FIELD: &str = "images";

#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Largest accepted upload in bytes (default 20 MiB).
    pub max_upload_bytes: usize,
    /// Largest accepted width × height (default 40 megapixels), checked from the header before decoding.
    pub max_image_pixels: u64,
    /// Folder holding the stored objects.
    pub dir: PathBuf,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 20 * 1024 * 1024,
            max_image_pixels: 40_000_000,
            dir: PathBuf::from("souk-data/media"),
        }
    }
}

/// Why an image was refused or could not be stored. [`MediaError::code`] is stable.
#[derive(Debug, Error)]
pub enum MediaError {
    #[error("The image is larger than {} MB.", max_bytes / (1024 * 1024))]
    TooLarge { max_bytes: usize },
    #[error("{}", match hint {
        Some(h) => format!("{h} images are not supported. Upload a JPEG, PNG or WebP image."),
        None => "This file is not a supported image. Upload a JPEG, PNG or WebP image.".to_owned(),
    })]
    UnsupportedFormat { hint: Option<&'static str> },
    #[error("The image is {width}×{height} pixels; at most {} megapixels are accepted.", max_pixels / 1_000_000)]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("The image could not be read; the file may be damaged or incomplete.")]
    DecodeFailed(String),
    #[error("media storage failed: {0}")]
    Storage(String),
    #[error("image processing failed: {0}")]
    Internal(String),
}

impl MediaError {
    /// Stable snake_case code clients and translations key on.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::TooLarge { .. } => "image_too_large",
            MediaError::UnsupportedFormat { .. } => "image_unsupported_format",
            MediaError::TooManyPixels { .. } => "image_too_many_pixels",
            MediaError::DecodeFailed(_) => "image_decode_failed",
            MediaError::Storage(_) => "media_storage_failed",
            MediaError::Internal(_) => "media_internal",
        }
    }

    /// Whether the uploader caused it (and can fix it) rather than the server.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, MediaError::Storage(_) | MediaError::Internal(_))
    }
}

impl From<MediaError> for ServiceError {
    fn from(e: MediaError) -> Self {
        if e.is_user_error() {
            ServiceError::Validation(vec![FieldError::new(FIELD, e.code(), e.to_string())])
        } else {
            ServiceError::Internal(e.to_string())
        }
    }
}

impl From<object_store::Error> for MediaError {
    fn from(e: object_store::Error) -> Self {
        MediaError::Storage(e.to_string())
    }
}

/// Media store, pipeline and limits together: what [`crate::Services`] carries.
pub struct Media {
    pub config: MediaConfig,
    pub store: MediaStore,
    pub pipeline: ImagePipeline,
}

impl Media {
    /// Creates `config.dir` if needed and opens the local store there.
    pub fn new(config: MediaConfig) -> Result<Media, MediaError> {
        let store = MediaStore::local(&config.dir)?;
        let pipeline = ImagePipeline::new(store.clone(), &config);
        Ok(Media {
            config,
            store,
            pipeline,
        })
    }
}

/// Stored objects by key (`img/<id>/640.jpg`). Cheap to clone.
///
/// Only the local folder backend is compiled in. S3-compatible storage is one feature flag away
/// (`object_store`'s `aws` feature) plus a constructor here building `AmazonS3Builder`; nothing else
/// changes, since everything goes through `dyn ObjectStore`.
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.inner)
    }
}

impl MediaStore {
    /// A store in a local folder, created if missing.
    pub fn local(dir: &std::path::Path) -> Result<MediaStore, MediaError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            MediaError::Storage(format!("cannot create media folder {}: {e}", dir.display()))
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(MediaStore {
            inner: Arc::new(fs),
        })
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), MediaError> {
        let path = parse_key(key).ok_or_else(|| MediaError::Storage(format!("bad key {key:?}")))?;
        self.inner.put(&path, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object's bytes, or `None` when there is no such key (or the key is not a valid one).
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaError> {
        let Some(path) = parse_key(key) else {
            return Ok(None);
        };
        match self.inner.get(&path).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every object under `prefix` (all variants of one image: `img/<id>`). Missing is fine.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), MediaError> {
        let path = parse_key(prefix)
            .filter(|p| p.parts().count() > 0)
            .ok_or_else(|| MediaError::Storage(format!("bad prefix {prefix:?}")))?;
        let locations = self
            .inner
            .list(Some(&path))
            .map_ok(|meta| meta.location)
            .boxed();
        let results: Vec<_> = self.inner.delete_stream(locations).collect().await;
        for result in results {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// A store path from a key; `None` for anything that could escape or is not a plain relative key.
fn parse_key(key: &str) -> Option<StorePath> {
    if key.starts_with('/')
        || key
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    StorePath::parse(key).ok()
}

/// Content type for a stored key, from its extension.
pub fn content_type_for_key(key: &str) -> Option<&'static str> {
    match key.rsplit_once('.')?.1 {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// What [`ImagePipeline::ingest`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// `img/<id>`; objects live at `<key_prefix>/orig.<ext>` and `<key_prefix>/<width>.<ext>`.
    pub key_prefix: String,
    /// Size of the stored original, after EXIF orientation was applied.
    pub width: u32,
    pub height: u32,
    /// `image/jpeg`, or `image/png` when the image has transparency; the same for every variant.
    pub content_type: &'static str,
    /// Widths of the stored display variants, ascending; only widths up to `width`.
    pub variants: Vec<u32>,
}

impl StoredImage {
    pub fn extension(&self) -> &'static str {
        if self.content_type == "image/png" {
            "png"
        } else {
            "jpg"
        }
    }

    pub fn original_key(&self) -> String {
        format!("{}/orig.{}", self.key_prefix, self.extension())
    }

    pub fn variant_key(&self, width: u32) -> String {
        format!("{}/{width}.{}", self.key_prefix, self.extension())
    }

    /// The smallest stored image at least `width` wide (the original when no variant is).
    pub fn key_for_width(&self, width: u32) -> String {
        match self.variants.iter().find(|&&w| w >= width) {
            Some(&w) => self.variant_key(w),
            None => self.original_key(),
        }
    }
}

/// Checks, decodes and stores uploads.
pub struct ImagePipeline {
    store: MediaStore,
    max_upload_bytes: usize,
    max_image_pixels: u64,
    /// Decoding a 40-megapixel photo takes a few hundred MB; bound how many run at once.
    permits: Arc<Semaphore>,
    drawings: Arc<Queue>,
}

impl ImagePipeline {
    pub fn new(store: MediaStore, config: &MediaConfig) -> ImagePipeline {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        ImagePipeline {
            store,
            max_upload_bytes: config.max_upload_bytes,
            max_image_pixels: config.max_image_pixels,
            permits: Arc::new(Semaphore::new(cpus.max(1))),
            // One core is left for requests and for loading the rows the drawings belong to.
            drawings: Arc::new(Queue::new(cpus.saturating_sub(1))),
        }
    }

    /// Validates, re-encodes and stores an uploaded image with its display variants.
    pub async fn ingest(&self, bytes: &[u8]) -> Result<StoredImage, MediaError> {
        if bytes.len() > self.max_upload_bytes {
            return Err(MediaError::TooLarge {
                max_bytes: self.max_upload_bytes,
            });
        }
        let format = sniff(bytes)?;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| MediaError::Internal(e.to_string()))?;
        let input = bytes.to_vec();
        let max_pixels = self.max_image_pixels;
        let processed = tokio::task::spawn_blocking(move || process(&input, format, max_pixels))
            .await
            .map_err(|e| MediaError::Internal(format!("image task failed: {e}")))??;
        let key_prefix = format!("img/{}", random_id()?);
        store_processed(&self.store, &key_prefix, processed).await
    }

    /// Bytes are ingested now; a drawing gets its key now and is stored in the background (see
    /// [`drawings`]).
    pub async fn ingest_source(&self, source: ImageSource) -> Result<StoredImage, MediaError> {
        match source {
            ImageSource::Bytes(bytes) => self.ingest(&bytes).await,
            ImageSource::Drawing(d) => self.queue_drawing(d),
        }
    }

    fn queue_drawing(&self, d: Drawing) -> Result<StoredImage, MediaError> {
        if d.width == 0 || d.height == 0 || d.width > MAX_SIDE || d.height > MAX_SIDE {
            return Err(MediaError::Internal(format!(
                "drawing size {}×{} out of range",
                d.width, d.height
            )));
        }
        // What `process` gives an opaque picture without an orientation tag.
        let image = StoredImage {
            key_prefix: format!("img/{}", random_id()?),
            width: d.width,
            height: d.height,
            content_type: "image/jpeg",
            variants: VARIANT_WIDTHS
                .iter()
                .copied()
                .filter(|&w| w <= d.width)
                .collect(),
        };
        if self.drawings.push(image.key_prefix.clone(), d) {
            let worker = DrawingWorker {
                store: self.store.clone(),
                permits: self.permits.clone(),
                queue: self.drawings.clone(),
                max_pixels: self.max_image_pixels,
            };
            tokio::spawn(async move {
                while let Some(job) = worker.queue.next() {
                    worker.run(job).await;
                }
            });
        }
        Ok(image)
    }

    /// Makes sure the object at `key` is stored if it belongs to a queued drawing: draws it now when
    /// it is still waiting its turn, or waits (up to `wait`) for the worker already drawing it.
    pub async fn ensure_stored(&self, key: &str, wait: std::time::Duration) {
        let prefix = match key.rsplit_once('/') {
            Some((prefix, _)) => prefix,
            None => return,
        };
        match self.drawings.claim(prefix) {
            Claim::Run(job) => {
                DrawingWorker {
                    store: self.store.clone(),
                    permits: self.permits.clone(),
                    queue: self.drawings.clone(),
                    max_pixels: self.max_image_pixels,
                }
                .run(job)
                .await;
            }
            Claim::Wait(mut rx) => {
                let _ = tokio::time::timeout(wait, rx.wait_for(|done| *done)).await;
            }
            Claim::None => {}
        }
    }

    /// Drawings queued or being drawn.
    pub fn drawings_pending(&self) -> usize {
        self.drawings.len()
    }

    /// Resolves once every queued drawing is stored (or has failed, which is logged).
    pub async fn settled(&self) {
        self.drawings.settled().await;
    }
}

/// What a background drawing needs, owned so it can outlive the call that queued the drawing.
struct DrawingWorker {
    store: MediaStore,
    permits: Arc<Semaphore>,
    queue: Arc<Queue>,
    max_pixels: u64,
}

impl DrawingWorker {
    async fn run(&self, mut job: Job) {
        let result = self.draw_and_store(&mut job).await;
        if let Err(e) = result {
            tracing::warn!(key = %job.prefix, error = %e, "storing a drawn picture failed");
        }
        self.queue.finish(job);
    }

    async fn draw_and_store(&self, job: &mut Job) -> Result<(), MediaError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| MediaError::Internal(e.to_string()))?;
        let draw = std::mem::replace(&mut job.drawing.draw, Box::new(Vec::new));
        let (width, height) = (job.drawing.width, job.drawing.height);
        let max_pixels = self.max_pixels;
        let processed = tokio::task::spawn_blocking(move || {
            let bytes = draw();
            let format = sniff(&bytes)?;
            process(&bytes, format, max_pixels).map_err(MediaError::from)
        })
        .await
        .map_err(|e| MediaError::Internal(format!("drawing task failed: {e}")))??;
        if (processed.width, processed.height) != (width, height) || processed.extension != "jpg" {
            return Err(MediaError::Internal(format!(
                "drawing promised {width}×{height} JPEG, made {}×{} {}",
                processed.width, processed.height, processed.extension
            )));
        }
        store_processed(&self.store, &job.prefix, processed).await?;
        Ok(())
    }
}

/// Stores the original and every variant under `key_prefix`, or nothing.
async fn store_processed(
    store: &MediaStore,
    key_prefix: &str,
    processed: souk_imaging::Processed,
) -> Result<StoredImage, MediaError> {
    let ext = processed.extension;
    let mut objects = vec![(
        format!("{key_prefix}/orig.{ext}"),
        Bytes::from(processed.original),
    )];
    for (w, data) in &processed.variants {
        objects.push((format!("{key_prefix}/{w}.{ext}"), Bytes::from(data.clone())));
    }
    for (key, data) in objects {
        if let Err(e) = store.put(&key, data).await {
            // Leave nothing half-stored behind; the original error is the one worth reporting.
            let _ = store.delete_prefix(key_prefix).await;
            return Err(e);
        }
    }
    Ok(StoredImage {
        key_prefix: key_prefix.to_owned(),
        width: processed.width,
        height: processed.height,
        content_type: processed.content_type,
        variants: processed.variants.iter().map(|(w, _)| *w).collect(),
    })
}

fn random_id() -> Result<String, MediaError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| MediaError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

impl From<ImagingError> for MediaError {
    fn from(e: ImagingError) -> Self {
        match e {
            ImagingError::UnsupportedFormat { hint } => MediaError::UnsupportedFormat { hint },
            ImagingError::TooManyPixels {
                width,
                height,
                max_pixels,
            } => MediaError::TooManyPixels {
                width,
                height,
                max_pixels,
            },
            ImagingError::DecodeFailed(m) => MediaError::DecodeFailed(m),
            ImagingError::Internal(m) => MediaError::Internal(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

    fn pipeline(dir: &std::path::Path) -> ImagePipeline {
        let config = MediaConfig {
            dir: dir.to_path_buf(),
            ..MediaConfig::default()
        };
        Media::new(config).unwrap().pipeline
    }

    /// A little-endian TIFF block: IFD0 with Orientation and a pointer to a GPS IFD with a latitude ref.
    fn exif_with_orientation_and_gps(orientation: u16) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"II*\0");
        t.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 2 entries (2 + 2*12 + 4 = 30 bytes), GPS IFD at 38.
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        t.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&orientation.to_le_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&0x8825u16.to_le_bytes()); // GPSInfo
        t.extend_from_slice(&4u16.to_le_bytes()); // LONG
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&38u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes()); // no IFD1
        // GPS IFD: GPSLatitudeRef = "N".
        t.extend_from_slice(&1u16.to_le_bytes());
        t.extend_from_slice(&0x0001u16.to_le_bytes());
        t.extend_from_slice(&2u16.to_le_bytes()); // ASCII
        t.extend_from_slice(&2u32.to_le_bytes());
        t.extend_from_slice(b"N\0\0\0");
        t.extend_from_slice(&0u32.to_le_bytes());
        t
    }

    fn jpeg(img: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = JpegEncoder::new_with_quality(&mut out, 95);
        if let Some(exif) = exif {
            enc.set_exif_metadata(exif).unwrap();
        }
        enc.write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    async fn read(store: &MediaStore, key: &str) -> Vec<u8> {
        store.get(key).await.unwrap().unwrap().to_vec()
    }

    #[tokio::test]
    async fn exif_is_stripped_and_orientation_applied() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        // 400x200, left half red, right half blue. Orientation 6 means "rotate 90° clockwise to view".
        let img = RgbImage::from_fn(400, 200, |x, _| {
            if x < 200 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        });
        let upload = jpeg(&img, Some(exif_with_orientation_and_gps(6)));
        assert!(contains(&upload, b"Exif\0\0"), "test input must carry EXIF");

        let stored = p.ingest(&upload).await.unwrap();
        assert_eq!((stored.width, stored.height), (200, 400));
        assert_eq!(stored.content_type, "image/jpeg");
        assert_eq!(stored.variants, Vec::<u32>::new());

        let orig = read(&p.store, &stored.original_key()).await;
        assert_ne!(orig, upload);
        assert!(!contains(&orig, b"Exif"), "EXIF must not survive");
        let decoded = image::load_from_memory(&orig).unwrap().to_rgb8();
        assert_eq!(decoded.dimensions(), (200, 400));
        // After a clockwise turn the left (red) half is on top.
        assert!(decoded.get_pixel(100, 50).0[0] > 150);
        assert!(decoded.get_pixel(100, 350).0[2] > 150);
    }

    #[tokio::test]
    async fn variants_are_stored_below_the_original_width_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let img = RgbImage::from_fn(700, 350, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let stored = p.ingest(&jpeg(&img, None)).await.unwrap();
        assert_eq!(stored.variants, vec![320, 640]);
        assert!(stored.key_prefix.starts_with("img/"));
        for (w, h) in [(320, 160), (640, 320)] {
            let v = read(&p.store, &stored.variant_key(w)).await;
            let d = image::load_from_memory(&v).unwrap();
            assert_eq!((d.width(), d.height()), (w, h));
        }
        assert_eq!(p.store.get(&stored.variant_key(1080)).await.unwrap(), None);
        assert_eq!(stored.key_for_width(1080), stored.original_key());
        assert_eq!(stored.key_for_width(400), stored.variant_key(640));

        let small = RgbImage::from_pixel(200, 100, Rgb([1, 2, 3]));
        let stored = p.ingest(&jpeg(&small, None)).await.unwrap();
        assert!(stored.variants.is_empty());
        let orig = read(&p.store, &stored.original_key()).await;
        let d = image::load_from_memory(&orig).unwrap();
        assert_eq!((d.width(), d.height()), (200, 100));
    }

    #[tokio::test]
    async fn transparent_png_stays_png_and_opaque_png_becomes_jpeg() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let encode_png = |img: &RgbaImage| {
            let mut out = Vec::new();
            PngEncoder::new(&mut out)
                .write_image(
                    img.as_raw(),
                    img.width(),
                    img.height(),
                    ExtendedColorType::Rgba8,
                )
                .unwrap();
            out
        };
        let clear = RgbaImage::from_fn(400, 400, |x, _| {
            Rgba([0, 128, 0, if x < 200 { 0 } else { 255 }])
        });
        let stored = p.ingest(&encode_png(&clear)).await.unwrap();
        assert_eq!(stored.content_type, "image/png");
        assert_eq!(stored.variants, vec![320]);
        assert!(stored.original_key().ends_with("/orig.png"));
        let v = read(&p.store, &stored.variant_key(320)).await;
        assert!(image::load_from_memory(&v).unwrap().color().has_alpha());

        let opaque = RgbaImage::from_pixel(100, 100, Rgba([10, 20, 30, 255]));
        let stored = p.ingest(&encode_png(&opaque)).await.unwrap();
        assert_eq!(stored.content_type, "image/jpeg");
    }

    /// A PNG that claims 11 000 × 11 000 pixels but holds a few hundred bytes: a decompression bomb.
    fn png_bomb(side: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let mut crc_input = kind.to_vec();
            crc_input.extend_from_slice(data);
            out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&side.to_be_bytes());
        ihdr.extend_from_slice(&side.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
        // A zlib stream header plus a few stored zero bytes: plenty for the header check to act on.
        let idat = [0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0, 0, 0, 0];
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &idat);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[tokio::test]
    async fn decompression_bomb_is_refused_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let bomb = png_bomb(11_000);
        assert!(bomb.len() < 200);
        let err = p.ingest(&bomb).await.unwrap_err();
        assert_eq!(err.code(), "image_too_many_pixels", "{err}");
        assert!(matches!(
            err,
            MediaError::TooManyPixels {
                width: 11_000,
                height: 11_000,
                ..
            }
        ));
        // Nothing was stored.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn random_bytes_are_an_unsupported_format() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let err = p.ingest(&noise).await.unwrap_err();
        assert_eq!(err.code(), "image_unsupported_format");
        assert_eq!(
            p.ingest(b"").await.unwrap_err().code(),
            "image_unsupported_format"
        );

        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        let err = p.ingest(&heic).await.unwrap_err();
        assert_eq!(err.code(), "image_unsupported_format");
        assert!(err.to_string().contains("HEIC"));
    }

    #[tokio::test]
    async fn truncated_jpeg_fails_to_decode() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let img = RgbImage::from_fn(300, 300, |x, y| {
            Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 40])
        });
        let full = jpeg(&img, None);
        assert!(souk_imaging::jpeg_is_complete(&full));
        for cut in [full.len() / 2, full.len() - 2, 40] {
            let err = p.ingest(&full[..cut]).await.unwrap_err();
            assert_eq!(err.code(), "image_decode_failed", "cut at {cut}: {err}");
        }
        // Trailing data after the end marker is fine.
        let mut trailer = full.clone();
        trailer.extend_from_slice(b"SEFT trailer");
        assert!(p.ingest(&trailer).await.is_ok());
    }

    #[tokio::test]
    async fn oversized_upload_is_refused_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let config = MediaConfig {
            max_upload_bytes: 1000,
            dir: dir.path().to_path_buf(),
            ..MediaConfig::default()
        };
        let media = Media::new(config).unwrap();
        let err = media.pipeline.ingest(&[0u8; 1001]).await.unwrap_err();
        assert_eq!(err.code(), "image_too_large");
        match ServiceError::from(err) {
            ServiceError::Validation(fields) => {
                assert_eq!(fields[0].field, "images");
                assert_eq!(fields[0].code, "image_too_large");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn store_round_trip_and_prefix_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::local(dir.path()).unwrap();
        store
            .put("img/a/orig.jpg", Bytes::from_static(b"1"))
            .await
            .unwrap();
        store
            .put("img/a/320.jpg", Bytes::from_static(b"2"))
            .await
            .unwrap();
        store
            .put("img/ab/orig.jpg", Bytes::from_static(b"3"))
            .await
            .unwrap();
        assert_eq!(
            store.get("img/a/320.jpg").await.unwrap(),
            Some(Bytes::from_static(b"2"))
        );
        assert_eq!(store.get("img/missing.jpg").await.unwrap(), None);
        assert_eq!(store.get("img/../secret").await.unwrap(), None);
        store.delete_prefix("img/a").await.unwrap();
        assert_eq!(store.get("img/a/orig.jpg").await.unwrap(), None);
        assert_eq!(store.get("img/a/320.jpg").await.unwrap(), None);
        assert!(store.get("img/ab/orig.jpg").await.unwrap().is_some());
        store.delete_prefix("img/nothing").await.unwrap();
        assert!(store.delete_prefix("").await.is_err());
        assert!(store.put("../escape", Bytes::new()).await.is_err());
    }
}
