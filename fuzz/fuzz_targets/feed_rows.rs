//! Fuzz target: arbitrary bytes through the feed reader (sniffed and each format forced), row validation,
//! export-issue listing and the export writer. Any panic is a bug; errors are expected and fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use souk_domain::feed::{FeedFormat, FeedReader, FeedWriter, Platform, export_issues, validate};

/// Rows looked at per input: enough to reach every code path, bounded so one input cannot run for long.
const MAX_ROWS: usize = 200;

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
                    if let Ok(mut w) = FeedWriter::new(Vec::new(), *platform, *out) {
                        let _ = w.write(&item);
                        let _ = w.finish();
                    }
                }
            }
        }
    }
});
