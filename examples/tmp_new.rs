fn main() {
    let m = include_str!("../models/default.json");
    let p = include_str!("../models/default-program.json");
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let model = offerwise::model::Model::from_json(m).unwrap();
        let t1 = t.elapsed();
        let program = offerwise::program::Program::parse(p).unwrap();
        let t2 = t.elapsed();
        let e = offerwise::Engine::new(model, program).unwrap();
        let t3 = t.elapsed();
        std::hint::black_box(e);
        println!("{t1:?} {t2:?} {t3:?}");
    }
}
