//! Where direct labels go: pure geometry over boxes in drawing pixels, so
//! the rules (a label beside its own mark, clear of every other label and
//! mark, inside the plot) are tested without drawing anything.
//!
//! Two placers share the geometry: [`place_labels`] names point markers
//! (the frontier's recommended portfolio and runner-up), [`label_curves`]
//! names lines (the NPV S-curves), each where its line is furthest from the
//! others. Both try candidate boxes and keep the cheapest: a box that hits
//! another label or mark, or leaves the plot, only wins when nothing else
//! fits.

use super::style::px;

/// Space between a label and what it names, in drawing pixels.
pub const GAP: i32 = px(6);

/// An axis-aligned box in drawing pixels, y growing downwards; it covers
/// `left..right` and `top..bottom` (edges that only touch do not overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    pub fn new(left: i32, top: i32, width: i32, height: i32) -> Rect {
        Rect { left, top, right: left + width, bottom: top + height }
    }

    /// The square `half` either side of a point: a marker's extent.
    pub fn around((x, y): (i32, i32), half: i32) -> Rect {
        Rect { left: x - half, top: y - half, right: x + half, bottom: y + half }
    }

    pub fn width(&self) -> i32 {
        self.right - self.left
    }

    pub fn height(&self) -> i32 {
        self.bottom - self.top
    }

    pub fn centre(&self) -> (i32, i32) {
        ((self.left + self.right) / 2, (self.top + self.bottom) / 2)
    }

    /// Do the two boxes share any area?
    pub fn intersects(&self, other: &Rect) -> bool {
        self.left < other.right && other.left < self.right && self.top < other.bottom && other.top < self.bottom
    }

    /// Is `other` wholly inside this box?
    pub fn contains(&self, other: &Rect) -> bool {
        other.left >= self.left && other.right <= self.right && other.top >= self.top && other.bottom <= self.bottom
    }

    /// The box moved by `(dx, dy)`.
    pub fn shifted(&self, dx: i32, dy: i32) -> Rect {
        Rect { left: self.left + dx, top: self.top + dy, right: self.right + dx, bottom: self.bottom + dy }
    }

    /// The box moved the least distance that puts it inside `outer` (its
    /// top-left corner inside, where it is the larger of the two).
    pub fn moved_into(&self, outer: &Rect) -> Rect {
        let dx = (outer.right - self.right).min(0).max(outer.left - self.left);
        let dy = (outer.bottom - self.bottom).min(0).max(outer.top - self.top);
        self.shifted(dx, dy)
    }

    /// Straight-line distance between the two boxes; 0 when they touch.
    pub fn gap(&self, other: &Rect) -> f64 {
        let dx = (other.left - self.right).max(self.left - other.right).max(0);
        let dy = (other.top - self.bottom).max(self.top - other.bottom).max(0);
        f64::from(dx).hypot(f64::from(dy))
    }

    /// The point of the box nearest to `(x, y)`: where a leader line from
    /// a marker meets its label.
    pub fn nearest_point(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (x.clamp(self.left, self.right), y.clamp(self.top, self.bottom))
    }

    /// Distance from the box to a point; 0 inside.
    fn point_distance(&self, (x, y): (f64, f64)) -> f64 {
        let dx = (f64::from(self.left) - x).max(x - f64::from(self.right)).max(0.0);
        let dy = (f64::from(self.top) - y).max(y - f64::from(self.bottom)).max(0.0);
        dx.hypot(dy)
    }

    /// Does the segment from `a` to `b` pass through the box (its inside,
    /// not only along an edge)?
    pub fn hits_segment(&self, a: (i32, i32), b: (i32, i32)) -> bool {
        // Liang-Barsky clipping against the open box.
        let (x0, y0) = (f64::from(a.0), f64::from(a.1));
        let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        let edges = [
            (-dx, x0 - f64::from(self.left)),
            (dx, f64::from(self.right) - x0),
            (-dy, y0 - f64::from(self.top)),
            (dy, f64::from(self.bottom) - y0),
        ];
        for (p, q) in edges {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 < t1
    }

    /// Distance from the segment `a`-`b` to the box; 0 when it passes through.
    pub fn segment_distance(&self, a: (i32, i32), b: (i32, i32)) -> f64 {
        if self.hits_segment(a, b) {
            return 0.0;
        }
        let to_f = |p: (i32, i32)| (f64::from(p.0), f64::from(p.1));
        let (fa, fb) = (to_f(a), to_f(b));
        let corners =
            [(self.left, self.top), (self.right, self.top), (self.left, self.bottom), (self.right, self.bottom)];
        let from_corners = corners.iter().map(|&c| point_segment_distance(to_f(c), fa, fb));
        from_corners.chain([self.point_distance(fa), self.point_distance(fb)]).fold(f64::INFINITY, f64::min)
    }

    /// Does any segment of the polyline pass through the box?
    pub fn hits_line(&self, line: &[(i32, i32)]) -> bool {
        line.windows(2).any(|w| self.hits_segment(w[0], w[1]))
    }

    /// Distance from the polyline to the box.
    pub fn line_distance(&self, line: &[(i32, i32)]) -> f64 {
        match line {
            [] => f64::INFINITY,
            [p] => self.point_distance((f64::from(p.0), f64::from(p.1))),
            _ => line.windows(2).map(|w| self.segment_distance(w[0], w[1])).fold(f64::INFINITY, f64::min),
        }
    }
}

fn point_segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    let t = if length2 > 0.0 { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
    (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
}

/// A label to place beside a marker: the index of its marker and its box size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub marker: usize,
    pub width: i32,
    pub height: i32,
}

/// What a line crossing a label costs, against a pixel of distance from
/// its marker: a label goes a little further out to keep lines readable.
const LINE_COST: f64 = px(30) as f64;
/// What a hard collision (another label or a marker, the plot's edge)
/// costs: more than any distance within a chart.
const HARD_COST: f64 = 1e7;

/// Boxes for `labels`, in their order, each beside its own marker: clear
/// of every marker (its own included), of the labels placed before it and,
/// where it can be, of `lines`; inside `plot`; and as near its marker as
/// that allows, right of it first, then left, above, below.
pub fn place_labels(markers: &[Rect], labels: &[Label], plot: Rect, lines: &[Vec<(i32, i32)>]) -> Vec<Rect> {
    let mut placed: Vec<Rect> = Vec::with_capacity(labels.len());
    for label in labels {
        let Some(own) = markers.get(label.marker) else {
            placed.push(Rect::new(plot.left, plot.top, label.width, label.height));
            continue;
        };
        let cost = |b: &Rect| {
            let hard =
                markers.iter().chain(&placed).filter(|o| o.intersects(b)).count() + usize::from(!plot.contains(b));
            let crossed = lines.iter().filter(|line| b.hits_line(line)).count();
            HARD_COST * hard as f64 + LINE_COST * crossed as f64 + own.gap(b)
        };
        let step = (label.height / 2).max(px(2));
        let reach = plot.width().max(plot.height());
        let mut best: Option<(f64, Rect)> = None;
        let mut d = GAP;
        while d <= reach {
            // Every candidate of this ring is at least `d` away: once the
            // best cost is below that, no further ring can beat it.
            if best.is_some_and(|(c, _)| c < f64::from(d)) {
                break;
            }
            for (k, b) in ring(own, label.width, label.height, d).into_iter().enumerate() {
                let b = b.moved_into(&plot);
                // Earlier slots win ties: right, left, above, below.
                let c = cost(&b) + k as f64 * 1e-3;
                if best.is_none_or(|(bc, _)| c < bc) {
                    best = Some((c, b));
                }
            }
            d += step;
        }
        placed.push(best.map_or(Rect::new(plot.left, plot.top, label.width, label.height), |(_, b)| b));
    }
    placed
}

/// The candidate boxes `d` pixels from a marker: right and left of it
/// (level with it, then slid up and down), above and below (centred on
/// it, starting at it, ending at it).
fn ring(m: &Rect, w: i32, h: i32, d: i32) -> Vec<Rect> {
    let (cx, cy) = m.centre();
    let mut out = Vec::with_capacity(16);
    for slide in [0, -1, 1, -2, 2] {
        let top = cy - h / 2 + slide * h / 2;
        out.push(Rect::new(m.right + d, top, w, h));
        out.push(Rect::new(m.left - d - w, top, w, h));
    }
    for left in [cx - w / 2, m.left, m.right - w] {
        out.push(Rect::new(left, m.top - d - h, w, h));
        out.push(Rect::new(left, m.bottom + d, w, h));
    }
    out
}

/// How far from the other lines a curve's label needs to be before being
/// further away no longer counts, and the middle of its curve wins.
const CLEAR_ENOUGH: f64 = px(40) as f64;

/// Boxes of `sizes` to name `curves` (polylines, one label each, in the
/// same order): each beside its own curve at the point where the box is
/// furthest from the other curves (up to [`CLEAR_ENOUGH`], then nearest
/// the middle of its curve), crossing no curve, no box in `blocked`, no
/// label placed before it, and inside `plot`. Anchors are the vertices of
/// each curve, its first and last twentieth left out (an S-curve's flat
/// tails run along the plot's edges).
pub fn label_curves(curves: &[Vec<(i32, i32)>], sizes: &[(i32, i32)], plot: Rect, blocked: &[Rect]) -> Vec<Rect> {
    let mut placed: Vec<Rect> = Vec::with_capacity(curves.len());
    for (i, (curve, &(w, h))) in curves.iter().zip(sizes).enumerate() {
        let n = curve.len();
        let (first, last) = (n / 20, n - n / 20);
        let middle = (n as f64 - 1.0) / 2.0;
        let mut best: Option<(f64, Rect)> = None;
        for (k, &(x, y)) in curve.iter().enumerate().take(last.max(first + 1)).skip(first) {
            for b in [Rect::new(x + GAP, y - h / 2, w, h), Rect::new(x - GAP - w, y - h / 2, w, h)] {
                let hard = usize::from(!plot.contains(&b))
                    + curves.iter().filter(|c| b.hits_line(c)).count()
                    + blocked.iter().chain(&placed).filter(|o| o.intersects(&b)).count();
                let clear = curves
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| b.line_distance(c))
                    .fold(CLEAR_ENOUGH, f64::min);
                // Lower is better: collisions first, then clearance, then
                // distance from the middle of the curve.
                let cost = HARD_COST * hard as f64 - clear * 1e3 + (k as f64 - middle).abs();
                if best.is_none_or(|(bc, _)| cost < bc) {
                    best = Some((cost, b));
                }
            }
        }
        let fallback = curve.get(n / 2).map_or(Rect::new(plot.left, plot.top, w, h), |&(x, y)| {
            Rect::new(x + GAP, y - h / 2, w, h).moved_into(&plot)
        });
        placed.push(best.map_or(fallback, |(_, b)| b));
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: Rect = Rect { left: 0, top: 0, right: 2000, bottom: 1200 };

    fn label(marker: usize, width: i32) -> Label {
        Label { marker, width, height: 28 }
    }

    /// Every label inside the plot, clear of every marker and every other
    /// label, and no further than `near` from its own marker.
    fn assert_clear(markers: &[Rect], labels: &[Label], boxes: &[Rect], plot: Rect, near: f64) {
        assert_eq!(boxes.len(), labels.len());
        for (i, (b, l)) in boxes.iter().zip(labels).enumerate() {
            assert!(plot.contains(b), "label {i} {b:?} leaves the plot {plot:?}");
            assert_eq!((b.width(), b.height()), (l.width, l.height), "label {i} changed size");
            for (j, m) in markers.iter().enumerate() {
                assert!(!b.intersects(m), "label {i} {b:?} covers marker {j} {m:?}");
            }
            for (j, other) in boxes.iter().enumerate().filter(|(j, _)| *j != i) {
                assert!(!b.intersects(other), "labels {i} {b:?} and {j} {other:?} overlap");
            }
            let gap = markers[l.marker].gap(b);
            assert!(gap <= near, "label {i} is {gap:.0} px from its marker");
        }
    }

    #[test]
    fn boxes_know_their_geometry() {
        let a = Rect::new(0, 0, 10, 10);
        assert!(a.intersects(&Rect::new(5, 5, 10, 10)));
        assert!(!a.intersects(&Rect::new(10, 0, 10, 10)), "touching edges do not overlap");
        assert_eq!(a.gap(&Rect::new(13, 14, 5, 5)), 5.0);
        assert!(a.hits_segment((-5, 5), (15, 5)));
        assert!(a.hits_segment((2, 2), (3, 3)), "a segment inside the box");
        assert!(!a.hits_segment((-5, 0), (15, 0)), "along an edge is not through");
        assert!(!a.hits_segment((-5, 20), (20, 12)));
        assert_eq!(a.segment_distance((20, 0), (20, 10)), 10.0);
        assert_eq!(Rect::new(-5, 1190, 30, 30).moved_into(&PLOT), Rect::new(0, 1170, 30, 30));
        assert_eq!(a.nearest_point((50, 5)), (10, 5));
    }

    /// The frontier's case: the recommended portfolio mid-plot with its
    /// runner-up up and to the right at the plot's edge, among dense
    /// points below and left of the frontier line, labels longer than the
    /// distance between the two.
    #[test]
    fn the_frontier_labels_sit_beside_their_markers_clear_of_points_and_each_other() {
        let chosen = Rect::around((1100, 500), 18);
        let runner = Rect::around((1980, 380), 14);
        let mut markers = vec![chosen, runner];
        // A cloud under the frontier, as a portfolio search draws it.
        for i in 0..60 {
            for j in 0..25 {
                let (x, y) = (40 + i * 33, 1180 - j * 28);
                let frontier_y = 1180 - (x as f64 / 1980.0 * 800.0) as i32;
                if y > frontier_y + 20 {
                    markers.push(Rect::around((x, y), 10));
                }
            }
        }
        let frontier: Vec<(i32, i32)> = (0..=20).map(|k| (k * 99, 1180 - k * 40)).collect();
        let labels = [label(0, 900), label(1, 900)];
        let boxes = place_labels(&markers, &labels, PLOT, std::slice::from_ref(&frontier));
        assert_clear(&markers, &labels, &boxes, PLOT, 120.0);
        assert!(boxes.iter().all(|b| !b.hits_line(&frontier)), "a label crosses the frontier: {boxes:?}");
    }

    #[test]
    fn coincident_markers_get_labels_on_different_sides() {
        let m = Rect::around((1000, 600), 10);
        let markers = [m, m, m];
        let labels = [label(0, 300), label(1, 300), label(2, 300)];
        let boxes = place_labels(&markers, &labels, PLOT, &[]);
        assert_clear(&markers, &labels, &boxes, PLOT, 80.0);
        assert_eq!(boxes[0].left, m.right + GAP, "the first label goes right of its marker");
        assert_eq!(boxes[1].right, m.left - GAP, "the second goes left");
    }

    #[test]
    fn markers_at_the_edges_and_corners_keep_their_labels_inside() {
        let points = [(0, 600), (2000, 600), (1000, 0), (1000, 1200), (0, 0), (2000, 1200), (2000, 0), (0, 1200)];
        for at in points {
            let markers = [Rect::around(at, 10)];
            let labels = [label(0, 400)];
            let boxes = place_labels(&markers, &labels, PLOT, &[]);
            assert_clear(&markers, &labels, &boxes, PLOT, 40.0);
        }
        // Two markers at the right edge, one above the other: both labels
        // go left, stacked apart.
        let markers = [Rect::around((1995, 600), 10), Rect::around((1995, 610), 10)];
        let labels = [label(0, 500), label(1, 500)];
        let boxes = place_labels(&markers, &labels, PLOT, &[]);
        assert_clear(&markers, &labels, &boxes, PLOT, 80.0);
    }

    #[test]
    fn a_label_boxed_in_by_markers_goes_further_out_not_over_them() {
        // A ring of markers round the labelled one, tight on every side.
        let centre = (1000, 600);
        let mut markers = vec![Rect::around(centre, 10)];
        for dx in [-1, 0, 1] {
            for dy in [-1, 0, 1] {
                if (dx, dy) != (0, 0) {
                    markers.push(Rect::around((centre.0 + dx * 40, centre.1 + dy * 40), 12));
                }
            }
        }
        let labels = [label(0, 200)];
        let boxes = place_labels(&markers, &labels, PLOT, &[]);
        assert_clear(&markers, &labels, &boxes, PLOT, 120.0);
    }

    #[test]
    fn a_label_wider_than_the_plot_stays_at_its_left_edge() {
        let plot = Rect::new(0, 0, 300, 300);
        let markers = [Rect::around((150, 150), 10)];
        let boxes = place_labels(&markers, &[label(0, 500)], plot, &[]);
        assert_eq!(boxes[0].left, 0);
        assert!(!boxes[0].intersects(&markers[0]));
        assert!(place_labels(&markers, &[label(7, 50)], plot, &[]).len() == 1, "an unknown marker is no panic");
    }

    /// Three S-curves as chart 3 draws them: two that cross low down, a
    /// third far to the right. Each label sits beside its own curve and
    /// crosses none.
    fn s_curve(centre: f64, spread: f64) -> Vec<(i32, i32)> {
        (0..=200)
            .map(|k| {
                let p = k as f64 / 200.0;
                let z = (p.clamp(0.001, 0.999) / (1.0 - p.clamp(0.001, 0.999))).ln();
                let x = (centre + spread * z).clamp(0.0, 2000.0);
                (x as i32, (1200.0 - p * 1200.0) as i32)
            })
            .collect()
    }

    #[test]
    fn curve_labels_sit_where_their_curve_is_clear_of_the_others() {
        let curves = vec![s_curve(700.0, 60.0), s_curve(800.0, 130.0), s_curve(1300.0, 150.0)];
        let sizes = [(200, 28), (160, 28), (240, 28)];
        let blocked = [Rect::new(500, 0, 150, 40)];
        let boxes = label_curves(&curves, &sizes, PLOT, &blocked);
        for (i, b) in boxes.iter().enumerate() {
            assert!(PLOT.contains(b), "label {i} leaves the plot");
            for (j, c) in curves.iter().enumerate() {
                assert!(!b.hits_line(c), "label {i} {b:?} crosses curve {j}");
            }
            assert!(!b.intersects(&blocked[0]), "label {i} covers the blocked box");
            for (j, other) in boxes.iter().enumerate().filter(|(j, _)| *j != i) {
                assert!(!b.intersects(other), "labels {i} and {j} overlap");
            }
            let own = b.line_distance(&curves[i]);
            assert!(own <= f64::from(GAP) + 2.0, "label {i} is {own:.0} px from its curve");
            let others = curves.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| b.line_distance(c));
            let clear = others.fold(f64::INFINITY, f64::min);
            assert!(clear >= 20.0, "label {i} is only {clear:.0} px from another curve");
        }
    }

    #[test]
    fn identical_curves_still_get_labels_apart() {
        let curve = s_curve(1000.0, 100.0);
        let curves = vec![curve.clone(), curve.clone(), curve];
        let sizes = [(150, 28); 3];
        let boxes = label_curves(&curves, &sizes, PLOT, &[]);
        for (i, b) in boxes.iter().enumerate() {
            assert!(!b.hits_line(&curves[0]), "label {i} crosses the curve");
            for other in boxes.iter().skip(i + 1) {
                assert!(!b.intersects(other), "labels overlap: {b:?} {other:?}");
            }
        }
        assert!(label_curves(&[Vec::new()], &[(10, 10)], PLOT, &[]).len() == 1, "an empty curve is no panic");
    }
}
