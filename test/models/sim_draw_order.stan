// The original simulator's draw order (docs/models.md "Draw order and seeds"), written as a flat sequence of _rng calls
// and nothing else: gamma0; gamma[1..P]; sigma_cell; z[j] per cell; beta[j][k, d] (j, k, d);
// delta. Run with the same data, seed and chain id as stan/h_m01_sim.stan, it must give the same
// numbers, whatever the random number generator (test/stan/simDrawOrder.test.ts).
data {
  int<lower=1> J;
  int<lower=2> K;
  int<lower=1> D;
  int<lower=0> P;
  real gamma0_mean;
  real<lower=0> gamma0_sd;
  real<lower=0> gamma_sd;
  real<lower=0> sigma_cell_sd;
  real<lower=0> beta_sd;
}
generated quantities {
  real gamma0 = normal_rng(gamma0_mean, gamma0_sd);
  vector[P] gamma;
  real sigma_cell;
  vector[J] z;
  array[J] matrix[K, D] beta;
  vector[K - 1] delta;
  for (p in 1:P) gamma[p] = normal_rng(0, gamma_sd);
  sigma_cell = abs(normal_rng(0, sigma_cell_sd));
  for (j in 1:J) z[j] = normal_rng(0, 1);
  for (j in 1:J) for (k in 1:K) for (d in 1:D) beta[j][k, d] = normal_rng(0, beta_sd);
  delta = dirichlet_rng(rep_vector(1, K - 1));
}
