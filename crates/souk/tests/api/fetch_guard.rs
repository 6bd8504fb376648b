//! The SSRF guard of the URL fetcher: every refusal (scheme, loopback, private, IPv6 and IPv4-mapped,
//! metadata address and names, a name resolving to loopback, a redirect from an allowed server to a refused
//! address, too large, too slow, wrong content) and that an allow-listed local server is fetched. A tiny
//! HTTP server on 127.0.0.1 plays the remote site; there is no outside network here.

use souk_service::fetch::{Expect, FetchConfig, Fetcher};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::{TestApp, backend_tests};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const FEED: &str = "id\ttitle\tprice\nTEA-1\tGreen tea\t5.00 USD\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A local web server answering by path; `other` is a port nobody allow-listed.
struct Site {
    port: u16,
}

impl Site {
    async fn start(other: u16) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, port, other));
            }
        });
        Site { port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    fn allow(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

async fn serve(mut stream: TcpStream, port: u16, other: u16) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let request = String::from_utf8_lossy(&buf);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let path = path.split('?').next().unwrap_or("/");
    let reply = |status: &str, ctype: &str, body: &[u8], extra: &str| {
        let mut r = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    let redirect = |to: String| {
        reply(
            "302 Found",
            "text/plain",
            b"",
            &format!("Location: {to}\r\n"),
        )
    };
    let out = match path {
        "/feed.tsv" => reply("200 OK", "text/tab-separated-values", FEED.as_bytes(), ""),
        "/feed.xml" => reply(
            "200 OK",
            "application/xml",
            b"<?xml version=\"1.0\"?><rss version=\"2.0\"></rss>",
            "",
        ),
        "/photo.png" => reply("200 OK", "image/png", PNG, ""),
        "/error.html" => reply(
            "200 OK",
            "text/html",
            b"<!DOCTYPE html><html><body>Sorry</body></html>",
            "",
        ),
        "/binary" => reply(
            "200 OK",
            "text/csv",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
            "",
        ),
        "/missing" => reply("404 Not Found", "text/plain", b"no", ""),
        "/big" => reply("200 OK", "text/csv", &vec![b'a'; 300_000], ""),
        "/to-feed" => redirect("/feed.tsv".into()),
        "/to-metadata" => redirect("http://169.254.169.254/latest/meta-data/".into()),
        "/to-other-port" => redirect(format!("http://127.0.0.1:{other}/feed.tsv")),
        "/to-localhost" => redirect(format!("http://localhost:{port}/feed.tsv")),
        "/to-ftp" => redirect("ftp://127.0.0.1/feed.tsv".into()),
        "/loop" => redirect("/loop".into()),
        "/stream-no-length" => {
            // No Content-Length at all: the body ends when the connection closes, and it is far too big.
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b'x'; 64 * 1024];
            for _ in 0..64 {
                if stream.write_all(&block).await.is_err() {
                    return;
                }
            }
            return;
        }
        "/lying-length" => {
            // Chunked: no length announced at all, and far too big.
            let mut head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".as_bytes().to_vec();
            let block = vec![b'y'; 32 * 1024];
            for _ in 0..32 {
                head.extend_from_slice(format!("{:x}\r\n", block.len()).as_bytes());
                head.extend_from_slice(&block);
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(b"0\r\n\r\n");
            head
        }
        "/slow" => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n\r\nid,title\n";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(10)).await;
            return;
        }
        _ => reply("404 Not Found", "text/plain", b"", ""),
    };
    let _ = stream.write_all(&out).await;
    let _ = stream.shutdown().await;
}

fn fetcher(allow: Vec<String>) -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_hosts: allow,
        max_bytes: 256 * 1024,
        timeout_secs: 2,
        max_redirects: 3,
    })
}

async fn code(f: &Fetcher, url: &str, expect: Expect) -> &'static str {
    match f.get(url, expect).await {
        Ok(got) => panic!(
            "{url} was fetched ({} bytes from {})",
            got.body.len(),
            got.final_url
        ),
        Err(e) => e.code,
    }
}

/// A port with nothing listening on it.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn only_http_and_https_are_fetched() {
    let f = fetcher(vec![]);
    for url in [
        "file:///etc/passwd",
        "ftp://example.com/feed.csv",
        "gopher://example.com/",
        "data:text/plain,hi",
        "javascript:alert(1)",
    ] {
        assert_eq!(code(&f, url, Expect::Feed).await, "scheme_refused", "{url}");
    }
    for url in ["not a url", "http://", "/relative/path", ""] {
        assert_eq!(code(&f, url, Expect::Feed).await, "invalid_url", "{url}");
    }
}

#[tokio::test]
async fn non_public_ip_literals_are_refused() {
    let f = fetcher(vec![]);
    for url in [
        "http://127.0.0.1/",
        "http://127.1.2.3:8080/feed.csv",
        "http://10.0.0.5/feed.csv",
        "http://172.16.3.4/",
        "http://192.168.1.1/admin",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://100.64.1.1/",
        "http://0.0.0.0/",
        "http://255.255.255.255/",
        "http://224.0.0.1/",
        "http://192.0.2.10/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "https://[::ffff:10.1.1.1]:8443/",
        // Other spellings of 127.0.0.1 that URL parsers turn into the same address.
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
    ] {
        assert_eq!(
            code(&f, url, Expect::Feed).await,
            "address_refused",
            "{url}"
        );
    }
}

#[tokio::test]
async fn metadata_names_and_names_resolving_to_loopback_are_refused() {
    let site = Site::start(closed_port().await).await;
    let f = fetcher(vec![site.allow()]);
    for url in [
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata.google.internal./",
        "http://foo.internal/",
    ] {
        assert_eq!(
            code(&f, url, Expect::Feed).await,
            "address_refused",
            "{url}"
        );
    }
    // `localhost` resolves to loopback; only 127.0.0.1:port is allow-listed, not the name.
    let url = format!("http://localhost:{}/feed.tsv", site.port);
    assert_eq!(code(&f, &url, Expect::Feed).await, "address_refused");
}

#[tokio::test]
async fn an_allow_listed_local_server_is_fetched() {
    let site = Site::start(closed_port().await).await;
    let f = fetcher(vec![site.allow()]);
    let got = f.get(&site.url("/feed.tsv"), Expect::Feed).await.unwrap();
    assert_eq!(got.body.as_ref(), FEED.as_bytes());
    assert_eq!(got.content_type, "text/tab-separated-values");
    let got = f
        .get(&site.url("/feed.xml?token=secret"), Expect::Feed)
        .await
        .unwrap();
    assert!(got.body.starts_with(b"<?xml"));
    let got = f.get(&site.url("/photo.png"), Expect::Image).await.unwrap();
    assert_eq!(got.body.as_ref(), PNG);
    // A redirect within the allowed server is followed, and the final URL reported.
    let got = f.get(&site.url("/to-feed"), Expect::Feed).await.unwrap();
    assert_eq!(got.final_url, site.url("/feed.tsv"));
    // An allow-listed name works too.
    let named = fetcher(vec![format!("localhost:{}", site.port)]);
    let got = named
        .get(
            &format!("http://localhost:{}/feed.tsv", site.port),
            Expect::Feed,
        )
        .await
        .unwrap();
    assert_eq!(got.body.as_ref(), FEED.as_bytes());
    // Streaming to a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.tsv");
    let file = f
        .get_to_file(&site.url("/feed.tsv"), Expect::Feed, &path)
        .await
        .unwrap();
    assert_eq!(file.bytes, FEED.len() as u64);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FEED);
    // The allow-list names one port: the same host on another port is still refused.
    let other = fetcher(vec![format!("127.0.0.1:{}", site.port.wrapping_add(1))]);
    assert_eq!(
        code(&other, &site.url("/feed.tsv"), Expect::Feed).await,
        "address_refused"
    );
}

#[tokio::test]
async fn redirects_are_checked_on_every_hop() {
    let other = closed_port().await;
    let site = Site::start(other).await;
    let f = fetcher(vec![site.allow()]);
    assert_eq!(
        code(&f, &site.url("/to-metadata"), Expect::Feed).await,
        "address_refused"
    );
    assert_eq!(
        code(&f, &site.url("/to-other-port"), Expect::Feed).await,
        "address_refused"
    );
    assert_eq!(
        code(&f, &site.url("/to-localhost"), Expect::Feed).await,
        "address_refused"
    );
    assert_eq!(
        code(&f, &site.url("/to-ftp"), Expect::Feed).await,
        "scheme_refused"
    );
    assert_eq!(
        code(&f, &site.url("/loop"), Expect::Feed).await,
        "too_many_redirects"
    );
}

#[tokio::test]
async fn size_time_and_status_limits_hold() {
    let site = Site::start(closed_port().await).await;
    let f = fetcher(vec![site.allow()]);
    assert_eq!(
        code(&f, &site.url("/big"), Expect::Feed).await,
        "too_large",
        "Content-Length over the limit"
    );
    assert_eq!(
        code(&f, &site.url("/stream-no-length"), Expect::Feed).await,
        "too_large",
        "counted while streaming"
    );
    assert_eq!(
        code(&f, &site.url("/lying-length"), Expect::Feed).await,
        "too_large",
        "chunked without a length"
    );
    let started = std::time::Instant::now();
    assert_eq!(code(&f, &site.url("/slow"), Expect::Feed).await, "timeout");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the total limit is 2 s"
    );
    assert_eq!(
        code(&f, &site.url("/missing"), Expect::Feed).await,
        "http_status"
    );
    // Nothing listening.
    let port = closed_port().await;
    let closed = fetcher(vec![format!("127.0.0.1:{port}")]);
    assert_eq!(
        code(&closed, &format!("http://127.0.0.1:{port}/"), Expect::Feed).await,
        "connect_failed"
    );
    // A refused file fetch leaves no partial file behind.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let err = f
        .get_to_file(&site.url("/stream-no-length"), Expect::Feed, &path)
        .await
        .unwrap_err();
    assert_eq!(err.code, "too_large");
    assert!(!path.exists());
}

#[tokio::test]
async fn content_that_is_not_what_was_asked_for_is_refused() {
    let site = Site::start(closed_port().await).await;
    let f = fetcher(vec![site.allow()]);
    assert_eq!(
        code(&f, &site.url("/error.html"), Expect::Feed).await,
        "content_refused"
    );
    assert_eq!(
        code(&f, &site.url("/binary"), Expect::Feed).await,
        "content_refused"
    );
    assert_eq!(
        code(&f, &site.url("/feed.tsv"), Expect::Image).await,
        "content_refused"
    );
    assert_eq!(
        code(&f, &site.url("/error.html"), Expect::Image).await,
        "content_refused"
    );
    let err = f
        .get(&site.url("/error.html?api_key=hunter2"), Expect::Feed)
        .await
        .unwrap_err();
    assert!(
        !err.message.contains("hunter2"),
        "no query strings in messages: {}",
        err.message
    );
}

backend_tests! {
    async fn the_configured_fetcher_honours_allow_hosts(backend) {
        let site = Site::start(closed_port().await).await;
        let allow = site.allow();
        let app = TestApp::builder(backend)
            .config(|c| {
                c.jobs.concurrency = 0;
                c.fetch.allow_hosts = vec![allow];
                c.fetch.max_bytes = 4096;
            })
            .start()
            .await;
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        let direct = souk::app::App::open(app.config.clone(), false).await.unwrap();
        let fetcher = &direct.services.fetcher;
        assert_eq!(fetcher.config().max_bytes, 4096);
        let got = fetcher.get(&site.url("/feed.tsv"), Expect::Feed).await.unwrap();
        assert_eq!(got.body.as_ref(), FEED.as_bytes());
        assert_eq!(fetcher.get(&site.url("/big"), Expect::Feed).await.unwrap_err().code, "too_large");
        assert_eq!(fetcher.get("http://10.0.0.1/feed.tsv", Expect::Feed).await.unwrap_err().code, "address_refused");
    }
}
