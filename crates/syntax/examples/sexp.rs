fn main() {
    let src = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let tree = syntax::parse(&src);
    println!("{}", tree.root_node().to_sexp());
}
