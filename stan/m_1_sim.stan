// m_1_sim: simulator for the flat SEU-sensitivity model with risky problems m_1
// (docs/flat-models.md).
//
// Run with algorithm=fixed_param: each output draw is a fresh joint draw of the parameters
// from the hyperparameters below and of the choices y (uncertain) and z (risky) on the fixed
// design (no y, z in the data). Draw order (the _rng calls, in this order and no others):
// alpha ~ lognormal(alpha_mean, alpha_sd); beta[k, d] ~ normal(0, beta_sd) for k = 1..K
// (outer), d = 1..D (inner); delta ~ dirichlet(1) (one vector call); y[m] ~
// categorical(softmax(alpha * eta of problem m)) for m = 1..M; only then z[n] ~
// categorical(softmax(alpha * eta_risky of risky problem n)) for n = 1..N. From CmdStan 2.35
// on, the same seed (chain 1) gives the original study's truths only when the calls come in
// exactly this order: keep it. The model is m_1's (stan/m_1.stan): one sensitivity alpha for
// both kinds of problem; m_2_sim draws a separate omega, m_3_sim a multiplier kappa.
//
// Outputs, in this order: alpha, beta, delta, upsilon, psi[T], eta_uncertain[T],
// uncertain_etas[M, n_max] (padded with -1e10), uncertain_probs[M, n_max] (padded with 0), y,
// selected_seu_max_uncertain[M], total_seu_max_selected_uncertain, eta_risky[T_risky],
// risky_etas[N, n_max_risky] (padded with -1e10), risky_probs (padded with 0), z,
// selected_seu_max_risky[N], total_seu_max_selected_risky, total_seu_max_selected (both
// totals). selected_seu_max is 1 when the chosen alternative's eta is within 1e-10 of its
// problem's largest (ties count as SEU-maximising).
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
  int<lower=1> N;                          // risky problems
  int<lower=2> S;                          // distinct risky alternatives
  array[S] simplex[K] x;                   // objective probabilities of risky alternative s
  array[N, S] int<lower=0, upper=1> J;     // J[n, s] = 1 if risky problem n offers s
  real alpha_mean;                         // alpha ~ lognormal(alpha_mean, alpha_sd)
  real<lower=0> alpha_sd;
  real<lower=0> beta_sd;                   // beta[k, d] ~ normal(0, beta_sd)
}

transformed data {
  // N_m (n_alt[m]) and the flattened slots: problem m occupies alt[start[m]] ..
  // alt[start[m] + n_alt[m] - 1], its alternatives r in ascending order. The same for the risky
  // problems: N'_n (n_alt_risky[n]), start_risky, alt_risky (the s, ascending).
  array[M] int<lower=2> n_alt;
  array[M] int start;
  int T = 0;
  array[N] int<lower=2> n_alt_risky;
  array[N] int start_risky;
  int T_risky = 0;
  for (m in 1:M) {
    n_alt[m] = sum(I[m]);
    if (n_alt[m] < 2)
      reject("m_1_sim: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    start[m] = T + 1;
    T += n_alt[m];
  }
  for (n in 1:N) {
    n_alt_risky[n] = sum(J[n]);
    if (n_alt_risky[n] < 2)
      reject("m_1_sim: risky problem ", n, " (row J[", n, "]) offers ", n_alt_risky[n],
             " alternative(s); at least 2 are required");
    start_risky[n] = T_risky + 1;
    T_risky += n_alt_risky[n];
  }
  int n_max = max(n_alt);
  int n_max_risky = max(n_alt_risky);
  array[T] int alt;
  array[T_risky] int alt_risky;
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
    t = 1;
    for (n in 1:N) {
      for (s in 1:S) {
        if (J[n, s] == 1) {
          alt_risky[t] = s;
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
  vector[K] upsilon;
  array[T] vector[K] psi;
  vector[T] eta_uncertain;
  array[M] vector[n_max] uncertain_etas;
  array[M] vector[n_max] uncertain_probs;
  array[M] int y;
  array[M] int selected_seu_max_uncertain;
  int total_seu_max_selected_uncertain = 0;
  vector[T_risky] eta_risky;
  array[N] vector[n_max_risky] risky_etas;
  array[N] vector[n_max_risky] risky_probs;
  array[N] int z;
  array[N] int selected_seu_max_risky;
  int total_seu_max_selected_risky = 0;
  int total_seu_max_selected;
  alpha = lognormal_rng(alpha_mean, alpha_sd);
  for (k in 1:K) for (d in 1:D) beta[k, d] = normal_rng(0, beta_sd);
  delta = dirichlet_rng(rep_vector(1, K - 1));

  upsilon = cumulative_sum(append_row(0, delta));
  {
    array[R] vector[K] psi_r;
    vector[R] eta_r;
    vector[S] eta_s;
    for (r in 1:R) {
      psi_r[r] = softmax(beta * w[r]);
      eta_r[r] = dot_product(psi_r[r], upsilon);
    }
    for (s in 1:S) eta_s[s] = dot_product(x[s], upsilon);
    psi = psi_r[alt];
    eta_uncertain = eta_r[alt];
    eta_risky = eta_s[alt_risky];
  }
  for (m in 1:M) {
    vector[n_alt[m]] eta_m = segment(eta_uncertain, start[m], n_alt[m]);
    vector[n_alt[m]] p = softmax(alpha * eta_m);
    uncertain_etas[m] = append_row(eta_m, rep_vector(-1e10, n_max - n_alt[m]));
    uncertain_probs[m] = append_row(p, rep_vector(0, n_max - n_alt[m]));
    y[m] = categorical_rng(p);
    // |eta chosen - max eta| < 1e-10, written without abs(): max(eta_m) >= eta_m[y[m]]
    selected_seu_max_uncertain[m] = max(eta_m) - eta_m[y[m]] < 1e-10;
    total_seu_max_selected_uncertain += selected_seu_max_uncertain[m];
  }
  for (n in 1:N) {
    vector[n_alt_risky[n]] eta_n = segment(eta_risky, start_risky[n], n_alt_risky[n]);
    vector[n_alt_risky[n]] p = softmax(alpha * eta_n);
    risky_etas[n] = append_row(eta_n, rep_vector(-1e10, n_max_risky - n_alt_risky[n]));
    risky_probs[n] = append_row(p, rep_vector(0, n_max_risky - n_alt_risky[n]));
    z[n] = categorical_rng(p);
    selected_seu_max_risky[n] = max(eta_n) - eta_n[z[n]] < 1e-10;
    total_seu_max_selected_risky += selected_seu_max_risky[n];
  }
  total_seu_max_selected = total_seu_max_selected_uncertain + total_seu_max_selected_risky;
}
