// m_0_sim: simulator for the flat SEU-sensitivity model m_0 (docs/flat-models.md).
//
// Run with algorithm=fixed_param: each output draw is a fresh joint draw of the parameters
// from the hyperparameters below and of the choices y on the fixed design (no y in the data).
// Draw order (the _rng calls, in this order and no others): alpha ~ lognormal(alpha_mean,
// alpha_sd); beta[k, d] ~ normal(0, beta_sd) for k = 1..K (outer), d = 1..D (inner); delta ~
// dirichlet(1) (one vector call); then y[m] ~ categorical(softmax(alpha * eta of problem m)) for
// m = 1..M. From CmdStan 2.35 on, the same seed (chain 1) gives the original study's truths
// only when the calls come in exactly this order: keep it.
// Siblings: m_01_sim and m_02_sim are this program with alpha_mean >= 0; m_03_sim takes delta's
// concentration as data; m_1_sim, m_2_sim and m_3_sim add risky problems.
//
// Outputs, in this order: alpha, beta, delta, psi[T] (per flattened slot, as in m_0), upsilon,
// eta[T], problem_etas[M, n_max] (padded with -1e10), choice_probabilities[M, n_max] (padded
// with 0), y[M], selected_seu_max[M] (1 when the chosen alternative's eta is within 1e-10 of the
// problem's largest: ties count as SEU-maximising) and total_seu_max_selected (their sum).
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
  real alpha_mean;                         // alpha ~ lognormal(alpha_mean, alpha_sd)
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
      reject("m_0_sim: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
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
