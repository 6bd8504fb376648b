//! Posts: publishing photos (metadata stripped, immutable URLs), upload errors that leave nothing behind,
//! caption edits re-indexing hashtags, and deletes by the author only.

use crate::social_support::*;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests, jpeg};

/// Inserts an APP1 `Exif` segment (camera make "SoukCam") right after the JPEG start marker, as phones do.
fn with_exif(jpeg: Vec<u8>) -> Vec<u8> {
    // Big-endian TIFF header, one IFD entry (0x010F Make, ASCII, 8 bytes at offset 26), no next IFD.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01]);
    tiff.extend_from_slice(&[
        0x01, 0x0F, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 26,
    ]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"SoukCam\0");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn my_posts(app: &TestApp, username: &str) -> Vec<i64> {
    ids(&get_ok(app, None, &format!("/api/v1/users/{username}/posts")).await)
}

/// Publishes with the given photos and returns the (status, body).
async fn try_publish(
    app: &TestApp,
    token: &str,
    caption: &str,
    photos: Vec<Vec<u8>>,
) -> (StatusCode, Value) {
    souk_test_support::json_response(app.publish_photos(token, caption, photos, &[]).await).await
}

backend_tests! {
    async fn publishes_photos_with_alt_text_and_strips_metadata(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let exif_photo = with_exif(jpeg(1, 400, 300));
        assert!(contains(&exif_photo, b"Exif\0\0") && contains(&exif_photo, b"SoukCam"));
        let form = souk_test_support::post_form(
            "Morning #tea ritual with #Matcha",
            vec![exif_photo, jpeg(2, 400, 300)],
            &["A teapot on a wooden table", "Two cups, one empty"],
        )
        .text("location", "Seoul");
        let (status, post) = souk_test_support::json_response(app.publish(&alice.token, form).await).await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        assert_eq!(post["author"]["username"], "alice");
        assert_eq!(post["caption"], "Morning #tea ritual with #Matcha");
        assert_eq!(post["location"], "Seoul");
        assert_eq!(post["hashtags"], json!(["tea", "Matcha"]));
        assert_eq!((post["like_count"].as_i64(), post["comment_count"].as_i64()), (Some(0), Some(0)));
        let images = post["images"].as_array().unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[0]["alt_text"], "A teapot on a wooden table");
        assert_eq!(images[1]["alt_text"], "Two cups, one empty");
        for img in images {
            assert_eq!((img["width"].as_i64(), img["height"].as_i64()), (Some(400), Some(300)), "{img}");
            assert!(img["url"].as_str().unwrap().starts_with("/media/"), "{img}");
            let sizes = img["sizes"].as_array().unwrap();
            assert!(!sizes.is_empty(), "{img}");
            for s in sizes {
                assert!(s["width"].as_u64().unwrap() <= 400, "{s}");
                assert!(s["url"].as_str().unwrap().starts_with("/media/"), "{s}");
            }
        }

        let urls = image_urls(&post);
        assert!(urls.len() >= 4, "{urls:?}");
        for url in &urls {
            let res = app.get(url).await;
            assert_eq!(res.status(), StatusCode::OK, "{url}");
            assert_eq!(res.headers()["content-type"], "image/jpeg", "{url}");
            let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
            assert!(cache.contains("immutable"), "{url}: {cache}");
            let bytes = res.bytes().await.unwrap();
            assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{url} is a JPEG");
            assert!(!contains(&bytes, b"Exif\0\0"), "{url} still carries EXIF");
            assert!(!contains(&bytes, b"SoukCam"), "{url} still carries the camera make");
        }

        // Anyone can read it, and it counts on the profile.
        let read = post_json(&app, None, id(&post)).await;
        assert_eq!(read["images"], post["images"]);
        assert_eq!(read["liked"], false);
        assert_eq!(my_posts(&app, "alice").await, vec![id(&post)]);
        assert_eq!(get_ok(&app, None, "/api/v1/users/alice").await["posts_count"], 1);

        // Writing needs a login.
        let res = app
            .client
            .post(app.url("/api/v1/posts"))
            .multipart(souk_test_support::post_form("x", vec![jpeg(3, 120, 90)], &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    async fn refused_posts_leave_nothing_behind(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let photo = || jpeg(7, 120, 90);

        let (status, body) = try_publish(&app, &alice.token, &"가".repeat(2201), vec![photo()]).await;
        assert_field_error(status, &body, "caption", "caption_too_long");

        let (status, body) = try_publish(&app, &alice.token, "eleven", (0..11).map(|_| photo()).collect()).await;
        assert_field_error(status, &body, "images", "too_many_images");

        let (status, body) = try_publish(&app, &alice.token, "no photos", vec![]).await;
        assert_field_error(status, &body, "images", "images_required");

        let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1).collect();
        let (status, body) = try_publish(&app, &alice.token, "noise", vec![photo(), noise]).await;
        assert_field_error(status, &body, "images", "image_unsupported_format");

        let full = jpeg(8, 400, 300);
        let truncated = full[..full.len() / 2].to_vec();
        let (status, body) = try_publish(&app, &alice.token, "cut", vec![photo(), truncated]).await;
        assert_field_error(status, &body, "images", "image_decode_failed");

        assert!(my_posts(&app, "alice").await.is_empty(), "no post from a refused upload");
        assert_eq!(get_ok(&app, None, "/api/v1/users/alice").await["posts_count"], 0);
        assert!(media_files(&app).is_empty(), "files left behind: {:?}", media_files(&app));
        // A caption exactly at the limit is fine, so the refusal above was about the length.
        let (status, body) = try_publish(&app, &alice.token, &"가".repeat(2200), vec![photo()]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    async fn image_size_limits_come_from_configuration(backend) {
        let app = TestApp::builder(backend)
            .config(|c| {
                c.max_image_pixels = 100_000;
                c.max_upload_bytes = 200_000;
            })
            .start()
            .await;
        let alice = app.user("alice").await;

        // 400 × 300 = 120,000 pixels: over the limit even though the file is small.
        let (status, body) = try_publish(&app, &alice.token, "big", vec![jpeg(1, 120, 90), jpeg(2, 400, 300)]).await;
        assert_field_error(status, &body, "images", "image_too_many_pixels");

        let mut heavy = jpeg(3, 120, 90);
        heavy.resize(250_000, 0);
        let (status, body) = try_publish(&app, &alice.token, "heavy", vec![heavy]).await;
        assert_field_error(status, &body, "images", "image_too_large");

        assert!(my_posts(&app, "alice").await.is_empty());
        assert!(media_files(&app).is_empty(), "files left behind: {:?}", media_files(&app));

        // 300 × 300 = 90,000 pixels is within the limit.
        let (status, body) = try_publish(&app, &alice.token, "fits", vec![jpeg(4, 300, 300)]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    async fn editing_a_caption_reindexes_its_hashtags(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let post = app.create_post(&alice.token, "First brew #oolong", 1).await;
        let pid = id(&post);
        let tag = get_ok(&app, None, "/api/v1/tags/oolong").await;
        assert_eq!((tag["post_count"].as_i64(), ids(&tag)), (Some(1), vec![pid]));

        let path = format!("/api/v1/posts/{pid}");
        let (status, edited) = app
            .call(Method::PATCH, &path, Some(&alice.token), Some(&json!({"caption": "Actually #sencha"})))
            .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["caption"], "Actually #sencha");
        assert_eq!(edited["hashtags"], json!(["sencha"]));
        assert_eq!(edited["images"], post["images"], "photos are untouched");

        let (status, old) = app.get_json("/api/v1/tags/oolong", None).await;
        if status == StatusCode::OK {
            assert_eq!((old["post_count"].as_i64(), ids(&old)), (Some(0), vec![]), "{old}");
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let new = get_ok(&app, None, "/api/v1/tags/sencha").await;
        assert_eq!((new["post_count"].as_i64(), ids(&new)), (Some(1), vec![pid]));

        let (status, body) = app
            .call(Method::PATCH, &path, Some(&alice.token), Some(&json!({"caption": "x".repeat(2201)})))
            .await;
        assert_field_error(status, &body, "caption", "caption_too_long");

        // Someone else may neither edit nor delete it.
        let (status, body) = app
            .call(Method::PATCH, &path, Some(&bob.token), Some(&json!({"caption": "mine now #pwned"})))
            .await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = delete(&app, &bob.token, &path).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, _) = app.call(Method::PATCH, &path, None, Some(&json!({"caption": "anon"}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(post_json(&app, None, pid).await["caption"], "Actually #sencha");
        assert_eq!(status_of(&app, None, "/api/v1/tags/pwned").await, StatusCode::NOT_FOUND);
    }

    async fn deleting_a_post_removes_it_its_photos_and_interactions(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let created = app.create_post(&alice.token, "Going away #ephemeral", 2).await;
        let pid = id(&created);
        let urls = image_urls(&created);
        for url in &urls {
            assert_eq!(app.get(url).await.status(), StatusCode::OK, "{url}");
        }
        comment(&app, &bob.token, pid, "nice", None).await;
        let (status, _) = post(&app, &bob.token, &format!("/api/v1/posts/{pid}/like"), json!({})).await;
        assert_eq!(status, StatusCode::OK);

        let path = format!("/api/v1/posts/{pid}");
        let (status, _) = delete(&app, &alice.token, &path).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        for token in [None, Some(alice.token.as_str()), Some(bob.token.as_str())] {
            let (status, body) = app.get_json(&path, token).await;
            assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        }
        for url in &urls {
            assert_eq!(app.get(url).await.status(), StatusCode::NOT_FOUND, "{url} still served");
        }
        let (status, body) = post(&app, &bob.token, &format!("{path}/comments"), json!({"body": "hello?"})).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, _) = post(&app, &bob.token, &format!("{path}/like"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(status_of(&app, None, &format!("{path}/comments")).await, StatusCode::NOT_FOUND);
        let (status, _) = delete(&app, &alice.token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "deleting twice");

        assert!(my_posts(&app, "alice").await.is_empty());
        assert_eq!(get_ok(&app, None, "/api/v1/users/alice").await["posts_count"], 0);
        let (status, tag) = app.get_json("/api/v1/tags/ephemeral", None).await;
        assert!(status == StatusCode::NOT_FOUND || tag["post_count"] == 0, "{tag}");
        assert!(media_files(&app).is_empty(), "files left behind: {:?}", media_files(&app));
    }
}
