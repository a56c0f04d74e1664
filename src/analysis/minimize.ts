/**
 * Bounded scalar minimisation by Brent's method (golden section with parabolic steps; Forsythe,
 * Malcolm and Moler 1977, `fmin`), step for step as scipy's `minimize_scalar(method="bounded")`
 * and R's `optimize()` run it. The ECDF band calibration minimises a step function with it, where
 * the point found depends on the path taken, so the path is the reference's.
 */

export interface BoundedMinimum {
  x: number;
  fx: number;
  evaluations: number;
}

const SQRT_EPS = Math.sqrt(2.2e-16);
const GOLDEN = 0.5 * (3 - Math.sqrt(5));

/** Minimise f on [lo, hi] to an absolute tolerance `xatol` in x (scipy's default 1e-5). */
export function minimizeBounded(
  f: (x: number) => number,
  lo: number,
  hi: number,
  xatol = 1e-5,
  maxEvaluations = 500,
): BoundedMinimum {
  if (!(lo <= hi)) throw new Error(`minimizeBounded: the lower bound ${lo} exceeds the upper bound ${hi}`);
  let a = lo;
  let b = hi;
  // x: best point so far; w: second best; v: the previous w.
  let x = a + GOLDEN * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0; // the last step
  let e = 0; // the step before it
  let evaluations = 1;
  let xm = 0.5 * (a + b);
  let tol1 = SQRT_EPS * Math.abs(x) + xatol / 3;
  let tol2 = 2 * tol1;

  while (Math.abs(x - xm) > tol2 - 0.5 * (b - a)) {
    let golden = true;
    if (Math.abs(e) > tol1) {
      // Try a parabola through x, w, v.
      golden = false;
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = tol1 * (Math.sign(xm - x) + (xm - x === 0 ? 1 : 0));
      } else {
        golden = true;
      }
    }
    if (golden) {
      e = x >= xm ? a - x : b - x;
      d = GOLDEN * e;
    }
    const u = x + (Math.sign(d) + (d === 0 ? 1 : 0)) * Math.max(Math.abs(d), tol1);
    const fu = f(u);
    evaluations += 1;
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      [v, fv] = [w, fw];
      [w, fw] = [x, fx];
      [x, fx] = [u, fu];
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        [v, fv] = [w, fw];
        [w, fw] = [u, fu];
      } else if (fu <= fv || v === x || v === w) {
        [v, fv] = [u, fu];
      }
    }
    xm = 0.5 * (a + b);
    tol1 = SQRT_EPS * Math.abs(x) + xatol / 3;
    tol2 = 2 * tol1;
    if (evaluations >= maxEvaluations) break;
  }
  return { x, fx, evaluations };
}
