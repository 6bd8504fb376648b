//! Feed tests: the shared fixture files give exactly the results their README lists, malformed files are
//! refused with the right code, and every platform × format export reads back as the same item.

use super::*;
use crate::commerce::{AgeGroup, Availability, Condition, Gender};
use crate::money::{Currency, Money};
use std::io::Cursor;
use std::path::PathBuf;

/// The shared sample feeds, as copied into the repository (a clean clone has nothing outside it).
fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../souk/tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Outcome {
    format: FeedFormat,
    items: Vec<FeedItem>,
    errors: Vec<RowError>,
    warnings: Vec<String>,
    rows: usize,
}

fn run(bytes: &[u8], format: Option<FeedFormat>) -> Result<Outcome, FileError> {
    let mut reader = FeedReader::new(Cursor::new(bytes), format)?;
    let mut out = Outcome {
        format: reader.format(),
        items: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        rows: 0,
    };
    for row in reader.by_ref() {
        let row = row?;
        out.rows += 1;
        match validate(&row) {
            Ok(item) => out.items.push(item),
            Err(errs) => out.errors.extend(errs),
        }
    }
    assert!(reader.bytes_read() <= bytes.len() as u64);
    out.warnings = reader.warnings().to_vec();
    Ok(out)
}

fn item<'a>(o: &'a Outcome, id: &str) -> &'a FeedItem {
    o.items
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn money(amount: i64, code: &str) -> Money {
    Money::new(amount, Currency::parse(code).unwrap())
}

/// (line, item id, field, code) of every error, for exact comparison.
fn summary(o: &Outcome) -> Vec<(u64, Option<&str>, &str, &str)> {
    o.errors
        .iter()
        .map(|e| (e.line, e.item_id.as_deref(), e.field.as_str(), e.code))
        .collect()
}

#[test]
fn google_fixture() {
    let o = run(&fixture("google_merchant.tsv"), None).unwrap();
    assert_eq!(o.format, FeedFormat::Tsv);
    assert_eq!(o.rows, 11);
    assert_eq!(o.items.len(), 7);
    assert_eq!(
        summary(&o),
        vec![
            (9, Some("BAD-PRICE"), "price", "price_missing_currency"),
            (10, None, "id", "missing_field"),
            (
                11,
                Some("BAD-AVAIL"),
                "availability",
                "invalid_availability"
            ),
            (12, Some("BAD-LINK"), "link", "invalid_url"),
        ]
    );
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);

    let tee = item(&o, "TEE-RED-S");
    assert_eq!(tee.price, money(1900, "USD"));
    assert_eq!(tee.sale_price, Some(money(1500, "USD")));
    assert_eq!(tee.item_group_id.as_deref(), Some("TEE"));
    assert_eq!(tee.gender, Some(Gender::Unisex));
    assert_eq!(tee.age_group, Some(AgeGroup::Adult));
    assert_eq!(tee.custom_labels[0], "summer");
    assert_eq!(tee.brand, "Kettle & Loom");
    assert_eq!(tee.link, "https://shop.example.com/p/tee?v=red-s");
    assert_eq!(item(&o, "TEE-BLU-M").availability, Availability::OutOfStock);
    assert_eq!(item(&o, "MUG-01").availability, Availability::Preorder);
    assert_eq!(item(&o, "MUG-01").item_group_id, None);
    let tee_group = o
        .items
        .iter()
        .filter(|i| i.item_group_id.as_deref() == Some("TEE"))
        .count();
    assert_eq!(tee_group, 3);

    let tea = item(&o, "CN-TEA-001");
    assert_eq!(tea.title, "云南古树普洱茶 357克");
    assert_eq!(tea.price, money(26_800, "CNY"));
    assert_eq!(tea.brand, "茶山行");
    assert_eq!(tea.custom_labels[0], "新品");

    let serum = item(&o, "KR-SERUM-30");
    assert_eq!(serum.price, money(32_000, "KRW"));
    assert_eq!(format_price(serum.price), "32000 KRW");
    assert_eq!(serum.gender, Some(Gender::Female));
    assert_eq!(serum.title, "비타민 C 세럼 30ml");

    let bag = item(&o, "TW-BAG-01");
    assert_eq!(bag.price, money(89_000, "TWD"));
    assert_eq!(bag.availability, Availability::Backorder);
    assert_eq!(
        bag.additional_image_links,
        vec![
            "https://shop.example.com/img/tote-2.jpg",
            "https://shop.example.com/img/tote-3.jpg"
        ]
    );
}

#[test]
fn meta_fixture() {
    let bytes = fixture("meta_catalog.csv");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "fixture uses CRLF");
    let o = run(&bytes, None).unwrap();
    assert_eq!(o.format, FeedFormat::Csv);
    assert_eq!(o.rows, 5);
    assert_eq!(o.items.len(), 4);
    // The quoted descriptions span two lines, so NEG-1 starts on line 8 of the file.
    assert_eq!(
        summary(&o),
        vec![(8, Some("NEG-1"), "price", "negative_price")]
    );

    let snk = item(&o, "SNK-42");
    assert_eq!(
        snk.description,
        "Low-top canvas sneaker.\nVulcanised rubber sole."
    );
    assert_eq!(snk.price, money(5990, "EUR"));
    assert_eq!(snk.quantity, Some(12));
    assert_eq!(snk.availability, Availability::InStock);
    assert_eq!(snk.item_group_id.as_deref(), Some("SNK"));
    let snk43 = item(&o, "SNK-43");
    assert_eq!(snk43.sale_price, Some(money(4990, "EUR")));
    assert_eq!(snk43.quantity, Some(0));
    let cap = item(&o, "CAP-1");
    assert_eq!(cap.title, "Wool Cap, \"Harbor\" edition");
    assert_eq!(cap.availability, Availability::Backorder);
    assert_eq!(cap.quantity, Some(5));
    let scarf = item(&o, "OLD-1");
    assert_eq!(scarf.availability, Availability::Discontinued);
    assert_eq!(scarf.condition, Condition::Used);
    assert!(o.items.iter().all(|i| !i.product_type.ends_with('\r')));
}

#[test]
fn pinterest_fixture() {
    let o = run(&fixture("pinterest_rss.xml"), None).unwrap();
    assert_eq!(o.format, FeedFormat::Xml);
    assert_eq!(o.rows, 3);
    assert_eq!(o.items.len(), 2);
    assert_eq!(
        summary(&o),
        vec![(31, Some("RUG-02"), "title", "missing_field")]
    );
    let lamp = item(&o, "LAMP-01");
    assert_eq!(
        lamp.description,
        "Hand-woven rattan shade, <b>E27</b> socket."
    );
    assert_eq!(lamp.brand, "Kettle & Loom");
    assert_eq!(lamp.product_type, "Home > Lighting");
    assert_eq!(lamp.condition, Condition::New);
    assert_eq!(lamp.custom_labels[0], "autumn");
    let rug = item(&o, "RUG-01");
    assert_eq!(rug.sale_price, Some(money(11_900, "USD")));
    assert_eq!(rug.availability, Availability::OutOfStock);
}

fn row(pairs: &[(&str, &str)]) -> RawRow {
    RawRow {
        line: 2,
        fields: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

const GOOD: &[(&str, &str)] = &[
    ("id", "A-1"),
    ("title", "A thing"),
    ("description", "Nice."),
    ("link", "https://example.com/a"),
    ("image_link", "https://example.com/a.jpg"),
    ("availability", "in_stock"),
    ("price", "10.00 USD"),
];

fn with(changes: &[(&str, &str)]) -> RawRow {
    let mut r = row(GOOD);
    for (k, v) in changes {
        r.fields.retain(|(n, _)| n != k);
        r.fields.push(((*k).to_owned(), (*v).to_owned()));
    }
    r
}

fn codes(r: &RawRow) -> Vec<(String, &'static str)> {
    match validate(r) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn one(changes: &[(&str, &str)]) -> Vec<&'static str> {
    codes(&with(changes)).into_iter().map(|(_, c)| c).collect()
}

#[test]
fn validation_codes() {
    assert!(validate(&row(GOOD)).is_ok());
    assert_eq!(one(&[("price", "12.00")]), ["price_missing_currency"]);
    assert_eq!(one(&[("price", "12.00 ZZZ")]), ["unknown_currency"]);
    assert_eq!(one(&[("price", "12.5 KRW")]), ["too_many_decimals"]);
    assert_eq!(one(&[("price", "3.5 JPY")]), ["too_many_decimals"]);
    assert_eq!(one(&[("price", "-1.00 USD")]), ["negative_price"]);
    assert_eq!(one(&[("price", "abc USD")]), ["invalid_price"]);
    assert_eq!(one(&[("price", "twelve")]), ["invalid_price"]);
    assert_eq!(one(&[("price", "USD 12.00")]), Vec::<&str>::new());
    assert_eq!(one(&[("price", "12.00usd")]), Vec::<&str>::new());
    assert_eq!(one(&[("price", "$12.00")]), ["price_missing_currency"]);
    assert_eq!(one(&[("sale_price", "9.00 EUR")]), ["currency_mismatch"]);
    assert_eq!(
        one(&[("sale_price", "10.00 USD")]),
        ["sale_price_not_below_price"]
    );
    assert_eq!(one(&[("condition", "broken")]), ["invalid_condition"]);
    assert_eq!(one(&[("condition", "Refurbished")]), Vec::<&str>::new());
    assert_eq!(one(&[("gender", "boys")]), ["invalid_gender"]);
    assert_eq!(one(&[("age_group", "teen")]), ["invalid_age_group"]);
    assert_eq!(one(&[("quantity", "-1")]), ["invalid_quantity"]);
    assert_eq!(one(&[("quantity", "1.5")]), ["invalid_quantity"]);
    assert_eq!(one(&[("link", "ftp://example.com/x")]), ["invalid_url"]);
    assert_eq!(one(&[("link", "https:///x")]), ["invalid_url"]);
    assert_eq!(one(&[("image_link", "/img/a.jpg")]), ["invalid_url"]);
    assert_eq!(
        one(&[("additional_image_link", "https://e.com/1.jpg, nope")]),
        ["invalid_url"]
    );
    assert_eq!(one(&[("availability", "maybe")]), ["invalid_availability"]);
    for spelling in [
        "in stock",
        "IN_STOCK",
        "out of stock",
        "available for order",
        "discontinued",
    ] {
        assert!(
            validate(&with(&[("availability", spelling)])).is_ok(),
            "{spelling}"
        );
    }
    assert_eq!(one(&[("id", &"x".repeat(128))]), ["too_long"]);
    assert_eq!(one(&[("id", &"x".repeat(127))]), Vec::<&str>::new());
    assert_eq!(one(&[("title", &"标".repeat(501))]), ["too_long"]);
    assert_eq!(one(&[("title", &"标".repeat(500))]), Vec::<&str>::new());
    assert_eq!(one(&[("description", &"d".repeat(10_001))]), ["too_long"]);

    let cleaned = validate(&with(&[("title", "\u{1} Tab\u{b}le \u{7f}")])).unwrap();
    assert_eq!(cleaned.title, "Table");
    assert_eq!(one(&[("id", "A\tB")]), ["invalid_id"]);

    let item = validate(&with(&[
        ("id", "  A-1 "),
        ("condition", ""),
        ("quantity", "7"),
        ("gender", "Male"),
    ]))
    .unwrap();
    assert_eq!(item.id, "A-1");
    assert_eq!(item.condition, Condition::New);
    assert_eq!(item.quantity, Some(7));
    assert_eq!(item.gender, Some(Gender::Male));
}

#[test]
fn reports_every_error_of_a_row() {
    let r = row(&[
        ("id", ""),
        ("title", "t"),
        ("link", "nope"),
        ("image_link", "https://e.com/i.jpg"),
        ("availability", "soon"),
        ("price", "5"),
        ("condition", "mint"),
    ]);
    let errs = validate(&r).unwrap_err();
    let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        [
            ("id", "missing_field"),
            ("description", "missing_field"),
            ("link", "invalid_url"),
            ("availability", "invalid_availability"),
            ("price", "price_missing_currency"),
            ("condition", "invalid_condition"),
        ]
    );
    assert!(errs.iter().all(|e| e.line == 2 && e.item_id.is_none()));
}

#[test]
fn headers_are_case_insensitive_and_unknown_columns_warn_once() {
    let csv = "\u{feff} ID ,Title,DESCRIPTION,Link,Image Link,g:availability,Price,Foo,bar,sku_extra\n\
               A-1,T,D,https://e.com/a,https://e.com/a.jpg,in stock,1.00 USD,x,y,z\n";
    let o = run(csv.as_bytes(), None).unwrap();
    assert_eq!(o.items.len(), 1, "{:?}", o.errors);
    assert_eq!(o.warnings, ["ignored unknown columns: Foo, bar, sku_extra"]);

    let tiktok = "sku_id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\tinventory\n\
                  T-1\tT\tD\thttps://e.com/a\thttps://e.com/a.jpg\tin stock\t100 JPY\t3\n";
    let o = run(tiktok.as_bytes(), None).unwrap();
    assert_eq!(o.format, FeedFormat::Tsv);
    assert_eq!(o.items[0].id, "T-1");
    assert_eq!(o.items[0].quantity, Some(3));
    assert_eq!(o.items[0].price, money(100, "JPY"));
}

#[test]
fn blank_spreadsheet_rows_are_skipped_and_lines_stay_true() {
    let csv = "id,title,description,link,image_link,availability,price\r\n\
               ,,,,,,\r\n\
               A,T,D,https://e.com/a,https://e.com/a.jpg,in stock,1.00 USD\r\n\
               B,T,D,https://e.com/a,https://e.com/a.jpg,in stock,oops\r\n";
    let o = run(csv.as_bytes(), None).unwrap();
    assert_eq!(o.rows, 2);
    assert_eq!(summary(&o), [(4, Some("B"), "price", "invalid_price")]);
}

fn file_error(bytes: &[u8], format: Option<FeedFormat>) -> FileError {
    match run(bytes, format) {
        Ok(_) => panic!("expected a file error"),
        Err(e) => e,
    }
}

#[test]
fn malformed_files() {
    assert_eq!(file_error(b"", None).code, "empty_file");
    assert_eq!(file_error(b" \n\r\n", None).code, "empty_file");
    assert_eq!(file_error(b"\xEF\xBB\xBF", None).code, "empty_file");
    assert_eq!(
        file_error(
            b"id,title,description,link,image_link,availability,price\n",
            None
        )
        .code,
        "no_rows"
    );
    assert_eq!(
        file_error(
            b"id,title,description,link,image_link,availability,price\n,,,\n",
            None
        )
        .code,
        "no_rows"
    );
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert_eq!(file_error(&garbage, None).code, "binary_file");
    assert_eq!(
        file_error(b"PK\x03\x04rest of a workbook", None).code,
        "binary_file"
    );
    assert_eq!(file_error(b"\xFF\xFEi\0d\0", None).code, "invalid_utf8");

    // Latin-1 "é" in the second row.
    let latin1 = b"id,title,description,link,image_link,availability,price\n\
                   A,Caf\xE9,D,https://e.com/a,https://e.com/a.jpg,in stock,1.00 USD\n";
    let e = file_error(latin1, None);
    assert_eq!((e.code, e.line), ("invalid_utf8", Some(2)));

    // Invalid UTF-8 past the peeked start is found when its row is read.
    let mut late = b"id,title,description,link,image_link,availability,price\n".to_vec();
    for i in 0..400 {
        late.extend_from_slice(
            format!("A{i},T,D,https://e.com/a,https://e.com/a.jpg,in stock,1.00 USD\n").as_bytes(),
        );
    }
    late.extend_from_slice(
        b"Z,T\xC3\x28,D,https://e.com/a,https://e.com/a.jpg,in stock,1.00 USD\n",
    );
    let e = file_error(&late, None);
    assert_eq!((e.code, e.line), ("invalid_utf8", Some(402)));

    // A TSV file read as CSV: one big column, and the message says why.
    let tsv = fixture("google_merchant.tsv");
    let e = file_error(&tsv, Some(FeedFormat::Csv));
    assert_eq!((e.code, e.line), ("missing_columns", Some(1)));
    assert!(e.message.contains("TSV"), "{}", e.message);
    let csv = fixture("meta_catalog.csv");
    let e = file_error(&csv, Some(FeedFormat::Tsv));
    assert_eq!(e.code, "missing_columns");
    assert!(e.message.contains("CSV"), "{}", e.message);
    let xml = fixture("pinterest_rss.xml");
    let e = file_error(&xml, Some(FeedFormat::Csv));
    assert!(e.message.contains("XML"), "{}", e.message);
    let e = file_error(&fixture("meta_catalog.csv"), Some(FeedFormat::Xml));
    assert_eq!(e.code, "malformed_xml");
    let e = file_error(b"id;title;price\n1;a;2\n", None);
    assert!(e.message.contains("semicolons"), "{}", e.message);

    let e = file_error(b"id,title\nA,B\n", None);
    assert_eq!(e.code, "missing_columns");
    assert!(
        e.message
            .contains("description, link, image_link, availability, price")
    );
}

#[test]
fn malformed_xml() {
    let full = fixture("pinterest_rss.xml");
    // Cut inside the second item: the first item is still delivered, then the truncation is reported.
    let cut = &full[..full.len() - 400];
    let mut reader = FeedReader::new(Cursor::new(cut), None).unwrap();
    let results: Vec<_> = reader.by_ref().collect();
    let err = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("truncation error");
    assert_eq!(err.code, "malformed_xml");
    assert!(err.line.is_some());
    assert!(results.last().is_some_and(Result::is_err));

    // Truncated before any item ends: refused at open.
    let e = file_error(&full[..300], None);
    assert_eq!(e.code, "malformed_xml");
    let e = file_error(
        b"<rss><channel><item><g:id>1</g:title></item></channel></rss>",
        None,
    );
    assert_eq!((e.code, e.line), ("malformed_xml", Some(1)));
    let e = file_error(b"<html><body>not a feed</body></html>", None);
    assert_eq!(e.code, "malformed_xml");
    let e = file_error(
        b"<rss>\n<channel>\n<item><g:id>&nbsp;</g:id></item></channel></rss>",
        None,
    );
    assert_eq!((e.code, e.line), ("malformed_xml", Some(3)));
    assert_eq!(
        file_error(b"<rss><channel><title>x</title></channel></rss>", None).code,
        "no_rows"
    );
    let e = file_error(
        b"<rss><channel>\n<item><g:id>caf\xE9</g:id></item></channel></rss>",
        None,
    );
    assert_eq!(e.code, "invalid_utf8");
}

#[test]
fn atom_and_unprefixed_xml() {
    let atom = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
  <title>Shop</title>
  <entry>
    <id>tag:shop.example.com,2026:1</id>
    <g:id>AT-1</g:id>
    <title>Atom &amp; Co &#x263A;</title>
    <link rel="self" href="https://shop.example.com/feed/1"/>
    <link href="https://shop.example.com/p/1"/>
    <summary>Line one
line two</summary>
    <g:image_link>https://shop.example.com/i/1.jpg</g:image_link>
    <g:additional_image_link>https://shop.example.com/i/2.jpg</g:additional_image_link>
    <g:additional_image_link>https://shop.example.com/i/3.jpg</g:additional_image_link>
    <g:availability>in stock</g:availability>
    <g:price>1500 KRW</g:price>
    <g:shipping><g:country>KR</g:country><g:price>3000 KRW</g:price></g:shipping>
    <updated>2026-12-05T00:00:00Z</updated>
  </entry>
</feed>"#;
    let o = run(atom.as_bytes(), None).unwrap();
    assert_eq!(o.items.len(), 1, "{:?}", o.errors);
    let it = &o.items[0];
    assert_eq!(it.id, "AT-1");
    assert_eq!(it.title, "Atom & Co ☺");
    assert_eq!(it.link, "https://shop.example.com/p/1");
    assert_eq!(it.description, "Line one\nline two");
    assert_eq!(it.price, money(1500, "KRW"));
    assert_eq!(it.additional_image_links.len(), 2);
    assert_eq!(o.warnings, ["ignored unknown columns: g:shipping"]);

    let plain = "<rss><channel>\r\n<item>\r\n<id>P-1</id><title>Plain</title><description>D</description>\
                 <link>https://e.com/p</link><image_link>https://e.com/p.jpg</image_link>\
                 <availability>preorder</availability><price>2.50 EUR</price><condition/></item>\r\n\
                 <item/></channel></rss>";
    let o = run(plain.as_bytes(), Some(FeedFormat::Xml)).unwrap();
    assert_eq!(o.items.len(), 1);
    assert_eq!(o.items[0].condition, Condition::New);
    assert_eq!(o.errors.first().map(|e| e.line), Some(4));
}

#[test]
fn sniffing() {
    assert_eq!(FeedFormat::sniff(b"  <?xml"), Some(FeedFormat::Xml));
    assert_eq!(
        FeedFormat::sniff(b"id\ttitle,x\tprice"),
        Some(FeedFormat::Tsv)
    );
    assert_eq!(
        FeedFormat::sniff(b"\xEF\xBB\xBFid,title"),
        Some(FeedFormat::Csv)
    );
    assert_eq!(FeedFormat::sniff(b" \n "), None);
    for f in FeedFormat::ALL {
        assert_eq!(FeedFormat::parse(f.as_str()), Some(*f));
    }
    for p in Platform::ALL {
        assert_eq!(Platform::parse(p.as_str()), Some(*p));
    }
}

fn rich_item() -> FeedItem {
    FeedItem {
        id: "RT-1".into(),
        title: "Tee, \"quoted\"\tand tabbed & <b>".into(),
        description: "Line one\r\nline two\n\"three\", with comma\tand tab; 茶 비타민".into(),
        link: "https://shop.example.com/p/rt?a=1&b=2".into(),
        image_link: "https://shop.example.com/i/rt.jpg".into(),
        additional_image_links: vec![
            "https://shop.example.com/i/rt-2.jpg".into(),
            "https://shop.example.com/i/rt-3.jpg".into(),
        ],
        availability: Availability::Backorder,
        price: money(32_000, "KRW"),
        sale_price: Some(money(29_000, "KRW")),
        brand: "Kettle & Loom".into(),
        gtin: "0012345678905".into(),
        mpn: "RT-MPN".into(),
        condition: Condition::Refurbished,
        item_group_id: Some("RT".into()),
        color: "Red".into(),
        size: "M".into(),
        material: "Cotton".into(),
        pattern: "Striped".into(),
        gender: Some(Gender::Unisex),
        age_group: Some(AgeGroup::Kids),
        google_product_category: "1604".into(),
        product_type: "Apparel > Tops".into(),
        custom_labels: [
            "a".into(),
            String::new(),
            "c".into(),
            String::new(),
            "e".into(),
        ],
        quantity: Some(42),
    }
}

fn minimal_item() -> FeedItem {
    FeedItem {
        id: "RT-2".into(),
        title: "Mug".into(),
        description: "Plain".into(),
        link: "http://shop.example.com/p/mug".into(),
        image_link: "https://shop.example.com/i/mug.jpg".into(),
        additional_image_links: Vec::new(),
        availability: Availability::Discontinued,
        price: money(1999, "USD"),
        sale_price: None,
        brand: String::new(),
        gtin: String::new(),
        mpn: String::new(),
        condition: Condition::New,
        item_group_id: None,
        color: String::new(),
        size: String::new(),
        material: String::new(),
        pattern: String::new(),
        gender: None,
        age_group: None,
        google_product_category: String::new(),
        product_type: String::new(),
        custom_labels: Default::default(),
        quantity: None,
    }
}

#[test]
fn round_trip_every_platform_and_format() {
    let items = [rich_item(), minimal_item()];
    for platform in Platform::ALL {
        for format in FeedFormat::ALL {
            if !platform.supports(*format) {
                assert!(FeedWriter::new(Vec::new(), *platform, *format).is_err());
                continue;
            }
            let mut w = FeedWriter::new(Vec::new(), *platform, *format)
                .unwrap()
                .with_channel("Kettle & Loom", "https://shop.example.com", "Feed");
            for it in &items {
                w.write(it).unwrap();
            }
            let bytes = w.finish().unwrap();
            let o = run(&bytes, None).unwrap_or_else(|e| panic!("{platform} {format}: {e}"));
            assert_eq!(o.format, *format, "{platform}");
            assert!(o.errors.is_empty(), "{platform} {format}: {:?}", o.errors);
            assert!(
                o.warnings.is_empty(),
                "{platform} {format}: {:?}",
                o.warnings
            );
            let expected: Vec<FeedItem> =
                items.iter().map(|i| as_carried_by(*platform, i)).collect();
            assert_eq!(o.items, expected, "{platform} {format}");
        }
    }
    // Meta carries everything, so its trip is lossless.
    assert_eq!(as_carried_by(Platform::Meta, &items[0]), items[0]);
}

#[test]
fn export_dialects() {
    let it = minimal_item();
    let text = |p, f| {
        let mut w = FeedWriter::new(Vec::new(), p, f).unwrap();
        w.write(&it).unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    };
    let google = text(Platform::Google, FeedFormat::Tsv);
    assert!(google.starts_with("id\ttitle\t"));
    assert!(google.contains("\tout_of_stock\t19.99 USD\t"));
    let meta = text(Platform::Meta, FeedFormat::Csv);
    assert!(meta.contains(",discontinued,19.99 USD,"));
    assert!(
        meta.lines()
            .next()
            .unwrap()
            .ends_with(",quantity_to_sell_on_facebook")
    );
    let tiktok = text(Platform::Tiktok, FeedFormat::Csv);
    assert!(tiktok.starts_with("sku_id,"));
    let xml = text(Platform::Pinterest, FeedFormat::Xml);
    assert!(xml.contains("xmlns:g=\"http://base.google.com/ns/1.0\""));
    assert!(xml.contains("<g:availability>out_of_stock</g:availability>"));
    assert!(xml.contains("<g:price>19.99 USD</g:price>"));
}

#[test]
fn export_issue_limits() {
    let mut it = minimal_item();
    assert!(export_issues(Platform::Google, &it).is_empty());
    let tiktok = export_issues(Platform::Tiktok, &it);
    assert_eq!(tiktok.len(), 1);
    assert_eq!(
        (tiktok[0].field, tiktok[0].code),
        ("brand", "missing_field")
    );

    it.brand = "B".into();
    it.title = "t".repeat(151);
    it.id = "i".repeat(51);
    it.description = "d".repeat(5001);
    fn fields(p: Platform, it: &FeedItem) -> Vec<&'static str> {
        export_issues(p, it).iter().map(|i| i.field).collect()
    }
    assert_eq!(
        fields(Platform::Google, &it),
        ["id", "title", "description"]
    );
    assert!(fields(Platform::Meta, &it).is_empty());
    assert!(fields(Platform::Pinterest, &it).is_empty());
    assert_eq!(fields(Platform::Tiktok, &it), ["title", "description"]);
    it.title = "t".repeat(201);
    it.id = "i".repeat(101);
    it.description = "d".repeat(10_000);
    assert_eq!(fields(Platform::Meta, &it), ["id", "title", "description"]);
    assert!(fields(Platform::Pinterest, &it).is_empty());
    it.additional_image_links = vec!["https://e.com/x.jpg".into(); 11];
    assert!(fields(Platform::Pinterest, &it).contains(&"additional_image_link"));
    assert!(!fields(Platform::Meta, &it).contains(&"additional_image_link"));
    let issue = &export_issues(Platform::Google, &it)[0];
    assert_eq!(issue.item_id, it.id);
    assert_eq!(issue.code, "too_long");
}

#[test]
fn readers_and_writers_can_move_to_a_blocking_thread() {
    fn is_send<T: Send>() {}
    is_send::<FeedReader<std::io::BufReader<std::fs::File>>>();
    is_send::<FeedWriter<Vec<u8>>>();
    is_send::<FileError>();
}

/// A large generated file streams through without trouble and with the right line numbers.
#[test]
fn streams_many_rows() {
    struct Gen {
        next: u64,
        total: u64,
        buf: Vec<u8>,
        pos: usize,
    }
    impl std::io::Read for Gen {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.buf.len() {
                self.buf.clear();
                self.pos = 0;
                if self.next == 0 {
                    self.buf.extend_from_slice(
                        b"id,title,description,link,image_link,availability,price,quantity\n",
                    );
                } else if self.next > self.total {
                    return Ok(0);
                } else {
                    let n = self.next;
                    self.buf.extend_from_slice(
                        format!("S-{n},Item {n},\"Two\nlines\",https://e.com/{n},https://e.com/{n}.jpg,in stock,{n}.00 USD,{n}\n")
                            .as_bytes(),
                    );
                }
                self.next += 1;
            }
            let n = out.len().min(self.buf.len() - self.pos);
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let total = 20_000;
    let input = std::io::BufReader::new(Gen {
        next: 0,
        total,
        buf: Vec::new(),
        pos: 0,
    });
    let reader = FeedReader::new(input, None).unwrap();
    let mut count = 0u64;
    for row in reader {
        let row = row.unwrap();
        count += 1;
        assert_eq!(row.line, 2 * count);
        let item = validate(&row).unwrap();
        assert_eq!(item.quantity, Some(count as i64));
    }
    assert_eq!(count, total);
}
