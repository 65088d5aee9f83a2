// ANCHOR: here
fn a() {}
// ANCHOR_END: here
