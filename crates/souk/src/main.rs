//! Entry point of the `souk` binary.

// glibc malloc keeps what image decoding, demo drawing and password hashing free in per-thread arenas,
// so the server's resident memory only ever grew; jemalloc's background thread gives freed pages back.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    souk::cli::main()
}
