//! Fetching URLs that merchants give us (feed sources, product images) without letting them reach inside
//! our network: the SSRF guard.
//!
//! Rules, each checked on every hop because redirects are followed by hand:
//! - only `http` and `https`;
//! - host names are resolved once per hop by [`GuardedResolver`], which drops every address that is not
//!   public unicast ([`is_public_ip`]: loopback, private, link-local and the cloud metadata address,
//!   CGNAT, unique-local, multicast, documentation, IPv4-mapped forms of these, …); the connection is made
//!   to the addresses it kept, so a name cannot resolve to something else between check and connect;
//! - IP-literal hosts never reach a resolver, so they are checked directly, and names that only exist to
//!   reach metadata services (`metadata.google.internal`, `*.internal`) are refused outright;
//! - a total time limit, a body size limit enforced while streaming (whatever `Content-Length` says), and a
//!   look at the first bytes so an HTML error page or a binary file is not taken for a feed or an image.
//!
//! `allow_hosts` (`host:port` entries) lifts the address check for exactly those hosts and ports, so tests
//! and trusted internal mirrors can be fetched. URLs may carry secrets in their query strings, so logs and
//! error messages name the host only.

use crate::{Refusal, ServiceError};
use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{StatusCode, Url, header};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Limits of the fetcher (`[fetch]` in the configuration).
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// `host:port` pairs (`127.0.0.1:8081`, `[::1]:8081`, `mirror.lan:80`) that may be fetched even though
    /// they are not public addresses. Empty by default.
    pub allow_hosts: Vec<String>,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Limit for the whole fetch: every redirect hop, connecting, and reading the body.
    pub timeout_secs: u64,
    pub max_redirects: u32,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            allow_hosts: Vec::new(),
            max_bytes: 100 * 1024 * 1024,
            timeout_secs: 60,
            max_redirects: 5,
        }
    }
}

/// What the caller expects to receive; the first bytes must look like it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A JPEG, PNG or WebP image.
    Image,
    /// A catalog feed: XML (RSS/Atom) or delimited text (CSV/TSV), not HTML and not binary.
    Feed,
}

#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from after redirects.
    pub final_url: String,
    /// The server's `Content-Type`, or empty.
    pub content_type: String,
    pub body: Bytes,
}

#[derive(Debug, Clone)]
pub struct FetchedFile {
    pub final_url: String,
    pub content_type: String,
    /// Bytes written to the file.
    pub bytes: u64,
}

/// Why a fetch did not happen. `code` is stable: `invalid_url`, `scheme_refused`, `address_refused`,
/// `dns_failed`, `connect_failed`, `timeout`, `too_large`, `too_many_redirects`, `http_status`,
/// `content_refused` (and `io_error` when writing the file failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub code: &'static str,
    pub message: String,
}

impl FetchError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for FetchError {}

impl From<FetchError> for ServiceError {
    fn from(e: FetchError) -> Self {
        let code = e.code;
        ServiceError::refused(Refusal::Unprocessable, code, e.message)
    }
}

/// Whether `ip` is a public unicast address a merchant's URL may point at.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", including the unspecified 0.0.0.0
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..=127).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 169 && b == 254) // link-local, including the metadata service 169.254.169.254
        || (a == 172 && (16..=31).contains(&b)) // private
        || (a == 192 && b == 168) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || a >= 224; // multicast 224/4, reserved 240/4 and the broadcast address
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d on a dual-stack host.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that the gateway will reach.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    // Everything else must be global unicast (2000::/3), which leaves out ::, ::1, the IPv4-compatible
    // ::/96, unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8 and the
    // discard prefix 100::/64.
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    let refused = match s[0] {
        // IETF protocol assignments 2001::/23 (Teredo, benchmarking, ORCHID) and documentation 2001:db8::/32.
        0x2001 => s[1] < 0x0200 || s[1] == 0x0db8,
        // Documentation 3fff::/20.
        0x3fff => s[1] < 0x1000,
        // SRv6 segment identifiers 5f00::/16.
        0x5f00 => true,
        _ => false,
    };
    !refused
}

/// Host names that only exist to reach cloud metadata or other internal services.
fn is_refused_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    matches!(
        host,
        "metadata" | "metadata.google.internal" | "metadata.goog" | "instance-data"
    ) || host.ends_with(".internal")
        || host.ends_with(".metadata.google.internal")
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The resolver error when every address of a name was refused.
#[derive(Debug)]
struct AddressRefused(String);

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves only to non-public addresses", self.0)
    }
}

impl std::error::Error for AddressRefused {}

#[derive(Debug)]
struct DnsFailed(String);

impl std::fmt::Display for DnsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for DnsFailed {}

/// Resolves each name once per connection and keeps only public addresses, except for names the fetcher
/// allow-listed (only the client used for allow-listed host:port pairs carries any).
struct GuardedResolver {
    allow_names: HashSet<String>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let trusted = self.allow_names.contains(&host);
        Box::pin(async move {
            // Boxed as the trait object directly, so `classify` can downcast it from reqwest's error chain.
            let dns_failed = |m: String| -> BoxError { Box::new(DnsFailed(m)) };
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| dns_failed(format!("cannot resolve {host}: {e}")))?
                .collect();
            if found.is_empty() {
                return Err(dns_failed(format!("{host} has no addresses")));
            }
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| trusted || is_public_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                let refused: BoxError = Box::new(AddressRefused(host));
                return Err(refused);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The SSRF-safe HTTP client. Build one per configuration and share it (`Services.fetcher`).
pub struct Fetcher {
    config: FetchConfig,
    /// (lower-case host without brackets, port) pairs from `allow_hosts`.
    allowed: HashSet<(String, u16)>,
    clients: Result<Clients, String>,
}

struct Clients {
    /// Every address checked.
    strict: reqwest::Client,
    /// For allow-listed host:port pairs only: their names resolve without the check.
    trusted: reqwest::Client,
}

fn parse_allow_entry(entry: &str) -> Option<(String, u16)> {
    let entry = entry.trim();
    let (host, port) = entry.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().ok()?;
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), port))
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Self {
        let allowed: HashSet<(String, u16)> = config
            .allow_hosts
            .iter()
            .filter_map(|e| {
                let parsed = parse_allow_entry(e);
                if parsed.is_none() {
                    tracing::warn!(entry = %e, "ignoring fetch.allow_hosts entry: expected host:port");
                }
                parsed
            })
            .collect();
        let names: HashSet<String> = allowed
            .iter()
            .filter(|(h, _)| h.parse::<IpAddr>().is_err())
            .map(|(h, _)| h.clone())
            .collect();
        let build = |allow_names: HashSet<String>| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Proxies from the environment would connect on our behalf to addresses we never checked.
                .no_proxy()
                .connect_timeout(Duration::from_secs(config.timeout_secs.clamp(1, 15)))
                .user_agent(concat!(
                    "Souk/",
                    env!("CARGO_PKG_VERSION"),
                    " (catalog fetcher)"
                ))
                .dns_resolver(Arc::new(GuardedResolver { allow_names }))
                .build()
                .map_err(|e| e.to_string())
        };
        let clients = build(HashSet::new()).and_then(|strict| {
            Ok(Clients {
                strict,
                trusted: build(names)?,
            })
        });
        if let Err(e) = &clients {
            tracing::error!(error = %e, "the HTTP client for fetching URLs could not be built");
        }
        Self {
            config,
            allowed,
            clients,
        }
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url` into memory.
    pub async fn get(&self, url: &str, expect: Expect) -> Result<Fetched, FetchError> {
        let mut sink = Sink::Memory(Vec::new());
        let meta = self.fetch(url, expect, &mut sink).await?;
        let body = match sink {
            Sink::Memory(v) => Bytes::from(v),
            Sink::File(..) => Bytes::new(),
        };
        Ok(Fetched {
            final_url: meta.final_url,
            content_type: meta.content_type,
            body,
        })
    }

    /// Fetches `url` straight into the file at `path` (created or truncated), for bodies too large to hold
    /// in memory. On any error the partial file is removed.
    pub async fn get_to_file(
        &self,
        url: &str,
        expect: Expect,
        path: &Path,
    ) -> Result<FetchedFile, FetchError> {
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|e| FetchError::new("io_error", format!("cannot create the file: {e}")))?;
        let mut sink = Sink::File(file, 0);
        let result = self.fetch(url, expect, &mut sink).await;
        let flushed = match &mut sink {
            Sink::File(f, _) => f.flush().await,
            Sink::Memory(_) => Ok(()),
        };
        let result = result.and_then(|meta| {
            flushed
                .map_err(|e| FetchError::new("io_error", format!("cannot write the file: {e}")))?;
            Ok(meta)
        });
        match result {
            Ok(meta) => Ok(FetchedFile {
                final_url: meta.final_url,
                content_type: meta.content_type,
                bytes: meta.bytes,
            }),
            Err(e) => {
                drop(sink);
                let _ = tokio::fs::remove_file(path).await;
                Err(e)
            }
        }
    }

    async fn fetch(&self, url: &str, expect: Expect, sink: &mut Sink) -> Result<Meta, FetchError> {
        let limit = Duration::from_secs(self.config.timeout_secs.max(1));
        match tokio::time::timeout(limit, self.fetch_hops(url, expect, sink)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::new(
                "timeout",
                format!("the fetch took longer than {} s", limit.as_secs()),
            )),
        }
    }

    /// Checks one hop's URL and picks the client for it.
    fn check(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        let clients = self
            .clients
            .as_ref()
            .map_err(|e| FetchError::new("connect_failed", format!("no HTTP client: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::new(
                "scheme_refused",
                format!(
                    "only http and https URLs can be fetched, not {}:",
                    url.scheme()
                ),
            ));
        }
        let Some(raw_host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(FetchError::new("invalid_url", "the URL has no host"));
        };
        let host = raw_host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = url.port_or_known_default().unwrap_or(80);
        if self.allowed.contains(&(host.clone(), port)) {
            return Ok(&clients.trusted);
        }
        // The WHATWG parser already turned decimal, octal and hex IPv4 forms into dotted quads.
        if let Ok(ip) = host.parse::<IpAddr>() {
            if !is_public_ip(ip) {
                return Err(FetchError::new(
                    "address_refused",
                    format!("{raw_host} is not a public address"),
                ));
            }
        } else if is_refused_name(&host) {
            return Err(FetchError::new(
                "address_refused",
                format!("{host} is an internal name"),
            ));
        }
        Ok(&clients.strict)
    }

    async fn fetch_hops(
        &self,
        url: &str,
        expect: Expect,
        sink: &mut Sink,
    ) -> Result<Meta, FetchError> {
        let mut current = Url::parse(url.trim())
            .map_err(|e| FetchError::new("invalid_url", format!("not a valid URL: {e}")))?;
        let mut hops = 0;
        loop {
            let client = self.check(&current)?;
            let host = current.host_str().unwrap_or("").to_owned();
            let accept = match expect {
                Expect::Image => "image/webp,image/png,image/jpeg;q=0.9",
                Expect::Feed => {
                    "text/csv,text/tab-separated-values,application/xml,text/xml,application/rss+xml,application/atom+xml,text/plain;q=0.9,*/*;q=0.5"
                }
            };
            let res = client
                .get(current.clone())
                .header(header::ACCEPT, accept)
                .header(header::ACCEPT_ENCODING, "identity")
                .send()
                .await
                .map_err(|e| classify(e, &host))?;
            let status = res.status();
            if status.is_redirection() {
                let location = res
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if let Some(location) = location
                    && status != StatusCode::NOT_MODIFIED
                {
                    if hops >= self.config.max_redirects {
                        return Err(FetchError::new(
                            "too_many_redirects",
                            format!("more than {} redirects", self.config.max_redirects),
                        ));
                    }
                    hops += 1;
                    current = current.join(&location).map_err(|e| {
                        FetchError::new("invalid_url", format!("bad redirect from {host}: {e}"))
                    })?;
                    tracing::debug!(from = %host, to = current.host_str().unwrap_or(""), "following a redirect");
                    continue;
                }
            }
            if !status.is_success() {
                return Err(FetchError::new(
                    "http_status",
                    format!("{host} answered {}", status.as_u16()),
                ));
            }
            if res
                .content_length()
                .is_some_and(|n| n > self.config.max_bytes)
            {
                return Err(too_large(self.config.max_bytes));
            }
            let content_type = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let bytes = self.read_body(res, expect, sink, &host).await?;
            tracing::info!(host = %host, bytes, redirects = hops, "fetched");
            return Ok(Meta {
                final_url: current.to_string(),
                content_type,
                bytes,
            });
        }
    }

    /// Streams the body into `sink`, counting bytes (a lying or missing `Content-Length` does not matter)
    /// and checking the first bytes before anything is kept.
    async fn read_body(
        &self,
        mut res: reqwest::Response,
        expect: Expect,
        sink: &mut Sink,
        host: &str,
    ) -> Result<u64, FetchError> {
        const SNIFF: usize = 512;
        let max = self.config.max_bytes;
        let mut total: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        let mut sniffed = false;
        loop {
            let chunk = res.chunk().await.map_err(|e| classify(e, host))?;
            let Some(chunk) = chunk else { break };
            total = total.saturating_add(chunk.len() as u64);
            if total > max {
                return Err(too_large(max));
            }
            if sniffed {
                sink.write(&chunk).await?;
                continue;
            }
            head.extend_from_slice(&chunk);
            if head.len() >= SNIFF {
                sniff(expect, &head).map_err(|m| FetchError::new("content_refused", m))?;
                sniffed = true;
                sink.write(&head).await?;
                head = Vec::new();
            }
        }
        if !sniffed {
            sniff(expect, &head).map_err(|m| FetchError::new("content_refused", m))?;
            sink.write(&head).await?;
        }
        Ok(total)
    }
}

struct Meta {
    final_url: String,
    content_type: String,
    bytes: u64,
}

enum Sink {
    Memory(Vec<u8>),
    File(tokio::fs::File, u64),
}

impl Sink {
    async fn write(&mut self, data: &[u8]) -> Result<(), FetchError> {
        match self {
            Sink::Memory(v) => {
                v.extend_from_slice(data);
                Ok(())
            }
            Sink::File(f, n) => {
                *n += data.len() as u64;
                f.write_all(data)
                    .await
                    .map_err(|e| FetchError::new("io_error", format!("cannot write the file: {e}")))
            }
        }
    }
}

fn too_large(max: u64) -> FetchError {
    FetchError::new("too_large", format!("the body is larger than {max} bytes"))
}

/// Maps a transport error to a code. The error's own text names the URL, which may hold secrets, so only
/// the host and the underlying cause are kept.
fn classify(e: reqwest::Error, host: &str) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<AddressRefused>() {
            return FetchError::new("address_refused", refused.to_string());
        }
        if let Some(dns) = s.downcast_ref::<DnsFailed>() {
            return FetchError::new("dns_failed", dns.to_string());
        }
        source = s.source();
    }
    if e.is_timeout() {
        return FetchError::new("timeout", format!("{host} did not answer in time"));
    }
    let e = e.without_url();
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = format!("{cause}: {s}");
        source = s.source();
    }
    FetchError::new("connect_failed", format!("{host}: {cause}"))
}

/// Checks the first bytes of a body against what the caller expects; the error says what it looks like.
pub fn sniff(expect: Expect, head: &[u8]) -> Result<(), String> {
    if head.is_empty() {
        return Err("the response is empty".into());
    }
    match expect {
        Expect::Image => {
            let jpeg = head.starts_with(&[0xFF, 0xD8, 0xFF]);
            let png = head.starts_with(b"\x89PNG\r\n\x1a\n");
            let webp = head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP";
            if jpeg || png || webp {
                Ok(())
            } else {
                Err(format!(
                    "not a JPEG, PNG or WebP image ({})",
                    describe(head)
                ))
            }
        }
        Expect::Feed => {
            let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            if looks_binary(text) {
                return Err(format!("not a text feed ({})", describe(head)));
            }
            let start: Vec<u8> = text
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .take(64)
                .map(u8::to_ascii_lowercase)
                .collect();
            if start.starts_with(b"<!doctype html") || start.starts_with(b"<html") {
                return Err("an HTML page, not a feed".into());
            }
            // A cut at the end of the sniffed window may split a character; anything else is not UTF-8.
            match std::str::from_utf8(text) {
                Ok(_) => Ok(()),
                Err(e) if e.error_len().is_none() => Ok(()),
                Err(_) => Err("not UTF-8 text".into()),
            }
        }
    }
}

fn looks_binary(text: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x1f\x8b",     // gzip
        b"PK\x03\x04",   // zip (and xlsx)
        b"%PDF",         // PDF
        b"\xFF\xD8\xFF", // JPEG
        b"\x89PNG",      // PNG
        b"GIF8",         // GIF
        b"\xFF\xFE",     // UTF-16 LE: the parsers want UTF-8
        b"\xFE\xFF",     // UTF-16 BE
    ];
    MAGIC.iter().any(|m| text.starts_with(m)) || text.contains(&0)
}

/// A short, safe description of a body's first bytes for error messages.
fn describe(head: &[u8]) -> String {
    let start: String = head
        .iter()
        .take(16)
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    format!("starts with {start}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_ip(s.parse().unwrap())
    }

    #[test]
    fn refuses_non_public_ipv4() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn accepts_public_ipv4() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.1.1",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.254",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn refuses_non_public_ipv6_and_embedded_ipv4() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2001:2::1",
            "3fff::1",
            "3fff:fff::1",
            "5f00::1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn accepts_public_ipv6() {
        for ip in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "3fff:1000::1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn refuses_metadata_names() {
        assert!(is_refused_name("metadata.google.internal"));
        assert!(is_refused_name("metadata.google.internal."));
        assert!(is_refused_name("anything.internal"));
        assert!(!is_refused_name("example.com"));
        assert!(!is_refused_name("internal.example.com"));
    }

    #[test]
    fn parses_allow_entries() {
        assert_eq!(
            parse_allow_entry("127.0.0.1:8080"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(parse_allow_entry("[::1]:81"), Some(("::1".into(), 81)));
        assert_eq!(
            parse_allow_entry("Mirror.LAN:80"),
            Some(("mirror.lan".into(), 80))
        );
        assert_eq!(parse_allow_entry("nohost"), None);
        assert_eq!(parse_allow_entry(":80"), None);
    }

    #[test]
    fn sniffs_images() {
        assert!(sniff(Expect::Image, b"\xFF\xD8\xFF\xE0rest").is_ok());
        assert!(sniff(Expect::Image, b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(sniff(Expect::Image, b"RIFF\x10\0\0\0WEBPVP8 ").is_ok());
        assert!(sniff(Expect::Image, b"<html><body>404</body></html>").is_err());
        assert!(sniff(Expect::Image, b"GIF89a").is_err());
        assert!(sniff(Expect::Image, b"").is_err());
    }

    #[test]
    fn sniffs_feeds() {
        assert!(sniff(Expect::Feed, b"id\ttitle\tprice\n1\tTea\t5.00 USD\n").is_ok());
        assert!(sniff(Expect::Feed, b"\xEF\xBB\xBFid,title\n").is_ok());
        assert!(sniff(Expect::Feed, b"<?xml version=\"1.0\"?><rss>").is_ok());
        assert!(sniff(Expect::Feed, "id,title\n1,茶".as_bytes()).is_ok());
        // A multi-byte character cut by the sniff window is fine.
        assert!(sniff(Expect::Feed, &"id,茶".as_bytes()[..5]).is_ok());
        assert!(sniff(Expect::Feed, b"  <!DOCTYPE html><html>").is_err());
        assert!(sniff(Expect::Feed, b"<html lang=en>").is_err());
        assert!(sniff(Expect::Feed, b"\x1f\x8b\x08\x00").is_err());
        assert!(sniff(Expect::Feed, b"PK\x03\x04").is_err());
        assert!(sniff(Expect::Feed, b"id,title\0\0").is_err());
        assert!(sniff(Expect::Feed, b"id,\xff\xfe title\n").is_err());
        assert!(sniff(Expect::Feed, b"").is_err());
    }
}
