//! Entry point of the `souk` binary.

fn main() -> std::process::ExitCode {
    souk::cli::main()
}
