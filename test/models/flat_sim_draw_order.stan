// The flat simulators' draw order (docs/flat-models.md, section 3), written as a flat sequence of
// _rng calls and nothing else: alpha; [omega | kappa]; beta[k, d] (k outer, d inner); delta (one
// dirichlet call); then one uniform per uncertain problem, then one per risky problem (each
// categorical_rng draws exactly one uniform number). Run with the same seed and chain id as a
// stan/m_*_sim.stan, alpha, omega or kappa, beta and delta must be the same numbers, and the
// choices must follow from the uniforms (test/stan/flatSimDrawOrder.test.ts).
data {
  int<lower=2> K;
  int<lower=1> D;
  int<lower=1> M;
  int<lower=0> N;                        // risky problems (0: none)
  int<lower=0, upper=1> second;          // 1: a second lognormal draw (omega or kappa) after alpha
  real alpha_mean;
  real<lower=0> alpha_sd;
  real second_mean;
  real<lower=0> second_sd;
  real<lower=0> beta_sd;
  real<lower=0> delta_concentration;
}
generated quantities {
  real alpha = lognormal_rng(alpha_mean, alpha_sd);
  vector[second] scale2;
  matrix[K, D] beta;
  vector[K - 1] delta;
  vector[M] u_y;
  vector[N] u_z;
  for (i in 1:second) scale2[i] = lognormal_rng(second_mean, second_sd);
  for (k in 1:K) for (d in 1:D) beta[k, d] = normal_rng(0, beta_sd);
  delta = dirichlet_rng(rep_vector(delta_concentration, K - 1));
  for (m in 1:M) u_y[m] = uniform_rng(0, 1);
  for (n in 1:N) u_z[n] = uniform_rng(0, 1);
}
