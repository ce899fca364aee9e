use clap::Parser;

fn main() {
    let cli = rnsc::args::Cli::parse();
    if let Err(err) = rnsc::run(cli) {
        eprintln!("Error: {err:#}");
        std::process::exit(1);
    }
}
