//! Fuzz target: arbitrary bytes through the feed reader (sniffed and each format forced), row validation
//! and export-issue listing; every item that validates is exported for each platform × format and must
//! read back as the same item (less what that platform does not carry). Errors are expected; a panic or a
//! failed round trip is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use souk_domain::feed::{
    FeedFormat, FeedReader, FeedWriter, Platform, as_carried_by, export_issues, validate,
};

/// Rows looked at per input: enough to reach every code path, bounded so one input cannot run for long.
const MAX_ROWS: usize = 50;

fuzz_target!(|data: &[u8]| {
    for format in [
        None,
        Some(FeedFormat::Csv),
        Some(FeedFormat::Tsv),
        Some(FeedFormat::Xml),
    ] {
        let Ok(reader) = FeedReader::new(data, format) else {
            continue;
        };
        for row in reader.take(MAX_ROWS) {
            let Ok(row) = row else { break };
            let Ok(item) = validate(&row) else { continue };
            for platform in Platform::ALL {
                let _ = export_issues(*platform, &item);
                for out in FeedFormat::ALL {
                    let Ok(mut w) = FeedWriter::new(Vec::new(), *platform, *out) else {
                        continue;
                    };
                    w.write(&item).unwrap();
                    let bytes = w.finish().unwrap();
                    let mut back = FeedReader::new(bytes.as_slice(), Some(*out))
                        .unwrap_or_else(|e| panic!("{platform} {out}: export unreadable: {e}"));
                    let row = back.next().unwrap().unwrap();
                    let again = validate(&row)
                        .unwrap_or_else(|e| panic!("{platform} {out}: export invalid: {e:?}"));
                    assert_eq!(again, as_carried_by(*platform, &item), "{platform} {out}");
                    assert!(back.next().is_none());
                }
            }
        }
    }
});
