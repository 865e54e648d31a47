use clap::Parser;

// glibc's allocator spent a fifth of an inbox's CPU in malloc and free (many
// small JSON values, across tokio's and sqlx's threads); mimalloc's
// thread-local free lists cost a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tadamun::cli::Cli::parse();
    match tadamun::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
