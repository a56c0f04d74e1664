// m_02_sim: simulator for the flat SEU-sensitivity model m_02 (docs/flat-models.md).
//
// The same program as m_0_sim apart from one bound: alpha_mean >= 0. The intended
// hyperparameters (alpha_mean 3.5, alpha_sd 0.75 as in m_02's prior; beta_sd 1) come from
// the caller.
//
// See stan/m_0_sim.stan for the draw order (alpha; beta[k, d], k outer and d inner; one
// dirichlet vector call for delta; then y[m] for m = 1..M), which must not change: from
// CmdStan 2.35 on, the same seed (chain 1) gives the original study's truths only in that order.
// Outputs, in this order: alpha, beta, delta, psi, upsilon, eta, problem_etas (padded with
// -1e10), choice_probabilities (padded with 0), y, selected_seu_max, total_seu_max_selected.
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
  real<lower=0> alpha_mean;                // alpha ~ lognormal(alpha_mean, alpha_sd)
  real<lower=0> alpha_sd;
  real<lower=0> beta_sd;                   // beta[k, d] ~ normal(0, beta_sd)
}

transformed data {
  // N_m (n_alt[m]) and the flattened slots: problem m occupies alt[start[m]] ..
  // alt[start[m] + n_alt[m] - 1], its alternatives r in ascending order.
  array[M] int<lower=2> n_alt;
  array[M] int start;
  int T = 0;
  for (m in 1:M) {
    n_alt[m] = sum(I[m]);
    if (n_alt[m] < 2)
      reject("m_02_sim: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    start[m] = T + 1;
    T += n_alt[m];
  }
  int n_max = max(n_alt);
  array[T] int alt;
  {
    int t = 1;
    for (m in 1:M) {
      for (r in 1:R) {
        if (I[m, r] == 1) {
          alt[t] = r;
          t += 1;
        }
      }
    }
  }
}

generated quantities {
  real alpha;
  matrix[K, D] beta;
  simplex[K - 1] delta;
  array[T] vector[K] psi;
  vector[K] upsilon;
  vector[T] eta;
  array[M] vector[n_max] problem_etas;
  array[M] vector[n_max] choice_probabilities;
  array[M] int y;
  array[M] int selected_seu_max;
  int total_seu_max_selected = 0;
  alpha = lognormal_rng(alpha_mean, alpha_sd);
  for (k in 1:K) for (d in 1:D) beta[k, d] = normal_rng(0, beta_sd);
  delta = dirichlet_rng(rep_vector(1, K - 1));

  upsilon = cumulative_sum(append_row(0, delta));
  {
    array[R] vector[K] psi_r;
    vector[R] eta_r;
    for (r in 1:R) {
      psi_r[r] = softmax(beta * w[r]);
      eta_r[r] = dot_product(psi_r[r], upsilon);
    }
    psi = psi_r[alt];
    eta = eta_r[alt];
  }
  for (m in 1:M) {
    vector[n_alt[m]] eta_m = segment(eta, start[m], n_alt[m]);
    vector[n_alt[m]] p = softmax(alpha * eta_m);
    problem_etas[m] = append_row(eta_m, rep_vector(-1e10, n_max - n_alt[m]));
    choice_probabilities[m] = append_row(p, rep_vector(0, n_max - n_alt[m]));
    y[m] = categorical_rng(p);
    // |eta chosen - max eta| < 1e-10, written without abs(): max(eta_m) >= eta_m[y[m]]
    selected_seu_max[m] = max(eta_m) - eta_m[y[m]] < 1e-10;
    total_seu_max_selected += selected_seu_max[m];
  }
}
