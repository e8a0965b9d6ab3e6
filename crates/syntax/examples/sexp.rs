//! Prints the tree-sitter syntax tree of a Python file as an S-expression,
//! for writing transforms: `cargo run -p syntax --example sexp FILE.py`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run -p syntax --example sexp FILE.py");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    println!("{}", syntax::parse(&src).root_node().to_sexp());
}
