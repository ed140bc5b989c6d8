//! Criterion benches of the pipeline's pieces on the canonical case:
//! drawing one block's inputs and noise plus its month loop, aggregation,
//! rendering the CSV tables, and the whole forecast at 10k, 100k and 1M
//! iterations; Erlang C's agent search and the staffed example's month
//! loop (staffed channels, spec section 10).
//!
//!     cargo bench --bench engine                 # all
//!     cargo bench --bench engine -- forecast/1000000

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use costcast::aggregate::rank::RankedNpv;
use costcast::model::Case;
use costcast::simulate::block::{BlockOutput, LANES, Workspace};
use costcast::simulate::layout::Layout;
use costcast::simulate::sampler::Sampler;
use costcast::simulate::stream::iteration_rng;

fn canonical() -> Case {
    costcast::validate::load_case(Path::new("scenarios/acme-ai-roadmap.toml")).expect("the canonical case loads").value
}

fn sampling(c: &mut Criterion) {
    let case = canonical();
    let sampler = Sampler::new(&case);
    let (mut values, mut normals, mut uniforms) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0u64;
    let mut group = c.benchmark_group("sampling");
    group.throughput(Throughput::Elements(1));
    group.bench_function("inputs of one iteration", |b| {
        b.iter(|| {
            i += 1;
            let mut rng = iteration_rng(42, i);
            sampler.draw(&mut rng, &mut values, &mut normals, &mut uniforms);
            black_box(&values);
        })
    });
    group.finish();
}

/// One block of LANES iterations of `case`, draws and month loop, as `name`.
fn bench_block(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, name: &str, case: &Case) {
    let layout = Layout::new(case);
    let sampler = Sampler::new(case);
    let mut ws = Workspace::new(case, &layout);
    let mut sums = vec![0.0; layout.monthly_quantities()];
    let mut first = 0u64;
    group.bench_function(name, |b| {
        b.iter(|| {
            first += LANES as u64;
            let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
            ws.run_block(case, &layout, &sampler, 42, first, LANES, out);
            black_box(ws.rows());
        })
    });
}

fn month_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("month loop");
    group.throughput(Throughput::Elements(LANES as u64));
    bench_block(&mut group, &format!("one block of {LANES} iterations (draws included)"), &canonical());
    group.finish();
}

fn staffing(c: &mut Criterion) {
    use costcast::staffing::erlang;
    let mut group = c.benchmark_group("staffing");
    group.throughput(Throughput::Elements(LANES as u64));
    // LANES queues from 36 Erlangs up, 80% in 20 s at a 360 s AHT, 85% cap.
    let traffic: [f64; LANES] = std::array::from_fn(|l| 36.0 + l as f64);
    let (rate, target, occupancy) = ([20.0 / 360.0; LANES], [0.8; LANES], [0.85; LANES]);
    group.bench_function(format!("agents for {LANES} queues from 36 Erlangs up"), |b| {
        b.iter(|| black_box(erlang::agents::<LANES>(black_box(&traffic), &rate, &target, &occupancy)))
    });
    let staffed = costcast::validate::load_case(Path::new("scenarios/acme-staffed-roadmap.toml")).unwrap().value;
    bench_block(&mut group, &format!("staffed example: one block of {LANES} iterations"), &staffed);
    // The same roadmap with the phone queue staffed per half hour of a
    // weekly profile, under Erlang A (section 14). The run's grid of
    // thresholds lives for the process: after the warm-up this is the
    // cost of a block once the grid has what its draws need.
    let by_interval = Path::new("benches/staffing/roadmap-interval.toml");
    let interval = costcast::validate::load_case(by_interval).unwrap().value;
    bench_block(&mut group, &format!("staffed by the half hour: one block of {LANES} iterations"), &interval);
    group.finish();
}

fn aggregation_and_csv(c: &mut Criterion) {
    let case = canonical();
    let mut group = c.benchmark_group("aggregate");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let sim = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| {
            costcast::simulate::simulate(
                &case,
                costcast::simulate::RunOptions::new(n, 42, true),
                &std::sync::atomic::AtomicUsize::new(0),
            )
            .unwrap()
        });
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &sim, |b, sim| {
            b.iter_batched(
                || sim.clone(),
                |sim| black_box(costcast::aggregate::aggregate(&case, sim)),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    let results = costcast::run::forecast(&case, 100_000, 42, 0).unwrap();
    let mut group = c.benchmark_group("csv");
    for table in costcast::report::csv::tables() {
        group.bench_function(table.file_name(), |b| b.iter(|| black_box(table.serialize(&case, &results).unwrap())));
    }
    group.finish();
}

/// Ranking one scenario's NPV at 1M iterations ([`RankedNpv::new`]: sort,
/// gather, average ranks), on one thread and on every core: the longest
/// single step of aggregation, so what bounds it on many cores.
fn rank_npv(c: &mut Criterion) {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let npv: Vec<f64> = (0..1_000_000)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            1.2e6 + 4.0e5 * z
        })
        .collect();
    let mut group = c.benchmark_group("rank npv");
    group.sample_size(20);
    group.throughput(Throughput::Elements(npv.len() as u64));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_function(BenchmarkId::new("1M values", format!("{threads} threads")), |b| {
            b.iter(|| pool.install(|| black_box(RankedNpv::new(&npv).sorted.len())))
        });
    }
    group.finish();
}

fn forecast(c: &mut Criterion) {
    let case = canonical();
    let mut group = c.benchmark_group("forecast");
    group.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| black_box(costcast::run::forecast(&case, n, 42, 0).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, sampling, month_loop, staffing, aggregation_and_csv, rank_npv, forecast);
criterion_main!(benches);
