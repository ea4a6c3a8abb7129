//! Replays every committed seed of every fuzz target on a stable toolchain.

use std::path::Path;

#[test]
fn every_target_replays_its_seeds() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut total = 0usize;
    for (name, run) in compteur_fuzz::TARGETS {
        let dir = corpus.join(name);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus folder {} missing: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        seeds.sort();
        assert!(
            !seeds.is_empty(),
            "target {name} has no seeds in {}",
            dir.display()
        );
        for seed in &seeds {
            let data = std::fs::read(seed).unwrap();
            run(&data);
        }
        total += seeds.len();
        println!("{name}: {} seeds", seeds.len());
    }
    assert!(total > 0);
}
