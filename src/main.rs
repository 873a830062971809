//! The `hearth` binary: everything is in the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    hearth::cli::run().await
}
