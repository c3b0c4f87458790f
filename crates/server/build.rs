// The front end's files are embedded; a rebuild of `frontend/dist/` (files
// added or removed, not only changed) must re-embed them.
fn main() {
    println!("cargo:rerun-if-changed=../../frontend/dist");
}
