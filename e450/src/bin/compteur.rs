//! The `compteur` command-line tool; see `e450::cli`.

fn main() -> std::process::ExitCode {
    e450::cli::main()
}
