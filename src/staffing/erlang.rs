//! Erlang C: the agents a queue needs for a service level.
//!
//! Provisional version; replaced by the tested, vectorised one.

/// Agents for L queues at once.
pub fn agents<const L: usize>(traffic: &[f64; L], answer_over_aht: &[f64; L], target: &[f64; L], max_occupancy: &[f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for l in 0..L {
        out[l] = f64::from(agents_one(traffic[l], answer_over_aht[l], target[l], max_occupancy[l]));
    }
    out
}

pub fn agents_one(traffic: f64, answer_over_aht: f64, target: f64, max_occupancy: f64) -> u32 {
    let a = traffic;
    let mut n_min = (a.floor() + 1.0).max((a / max_occupancy).ceil());
    while a / n_min > max_occupancy {
        n_min += 1.0;
    }
    let mut inv_b = 1.0;
    let mut n = 0u32;
    loop {
        n += 1;
        inv_b = 1.0 + inv_b * f64::from(n) / a;
        let nf = f64::from(n);
        if nf >= n_min {
            let c = nf / (inv_b * (nf - a) + a);
            let sl = 1.0 - c * (-(nf - a) * answer_over_aht).exp();
            if sl >= target {
                return n;
            }
        }
    }
}
