//! The `compteur` command-line tool.

fn main() {
    println!("compteur");
}
