fn main() {
    println!("pd-sandbox: not built yet");
}
