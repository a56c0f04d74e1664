// m_1: flat SEU-sensitivity model with risky problems, inference model (docs/flat-models.md).
//
// m_0 (M uncertain problems: alternative r has features w[r], subjective probabilities
// psi = softmax(beta * w[r]) and expected utility psi . upsilon, upsilon = cumulative_sum([0,
// delta]); P(y[m] = j) = softmax(alpha * eta[alternatives of m])_j, alternatives in ascending r)
// plus N risky problems over S risky alternatives: risky alternative s is an objective
// probability simplex x[s] over the same K consequences, with expected utility x[s] . upsilon.
// Risky problem n offers the s with J[n, s] = 1, in ascending s; z[n] is the rank of the chosen
// s among them, and P(z[n] = j) = softmax(alpha * eta_risky[alternatives of n])_j. The risky
// choices inform upsilon without going through the beliefs beta. One sensitivity alpha for both
// kinds of problem; m_2 gives the risky problems their own (omega), m_3 a multiple of alpha.
// Priors: alpha ~ lognormal(0, 1); every beta[k, d] ~ normal(0, 1); delta ~ dirichlet(1).
//
// Both kinds of problem are flattened as in m_0 (problem after problem, alternatives in
// ascending order; T and T_risky slots) and eta, chi are reported per slot / per problem.
// Performance: psi and eta depend on r only, and eta_risky on s only, so they are computed once
// per distinct alternative (R softmaxes; one S x K product) and copied into the slots (copies add
// no autodiff nodes); the likelihood reuses chi_uncertain and chi_risky, reported anyway (one
// vectorised sum of logs of the chosen entries per kind of problem). psi and the chi are
// softmaxes, simplexes by construction, declared as plain vectors so that Stan does not
// re-check them at every gradient evaluation (about 30% of a fit's CPU time at M 300). upsilon
// is declared ordered (as users' code expects): a draw whose increment is below upsilon's
// double precision resolution (about 1e-16) is rejected, which under dirichlet(1) has prior
// probability ~1e-16.
//
// Outputs: alpha, beta, delta (parameters); upsilon, psi[T], eta_uncertain[T],
// chi_uncertain[M] (padded with zeros), eta_risky[T_risky], chi_risky[N] (padded)
// (transformed parameters); log_lik_uncertain, log_lik_risky, log_lik_total (no `log_lik`),
// y_pred, z_pred and the posterior predictive statistics per kind of problem (suffixes
// _uncertain, _risky) plus ppc_ll_combined (generated quantities).
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
  array[M] int<lower=1> y;                 // rank of the chosen r among problem m's (ascending r)
  int<lower=1> N;                          // risky problems
  int<lower=2> S;                          // distinct risky alternatives
  array[S] simplex[K] x;                   // objective probabilities of risky alternative s
  array[N, S] int<lower=0, upper=1> J;     // J[n, s] = 1 if risky problem n offers s
  array[N] int<lower=1> z;                 // rank of the chosen s among problem n's (ascending s)
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
      reject("m_1: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    if (y[m] > n_alt[m])
      reject("m_1: y[", m, "] = ", y[m], " is outside 1..N_m: problem ", m, " offers N_m = ",
             n_alt[m], " alternatives");
    start[m] = T + 1;
    T += n_alt[m];
  }
  for (n in 1:N) {
    n_alt_risky[n] = sum(J[n]);
    if (n_alt_risky[n] < 2)
      reject("m_1: risky problem ", n, " (row J[", n, "]) offers ", n_alt_risky[n],
             " alternative(s); at least 2 are required");
    if (z[n] > n_alt_risky[n])
      reject("m_1: z[", n, "] = ", z[n], " is outside 1..N'_n: risky problem ", n,
             " offers N'_n = ", n_alt_risky[n], " alternatives");
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
  matrix[D, R] W;                          // W[, r] = w[r]
  matrix[S, K] X;                          // X[s] = x[s]'
  for (r in 1:R) W[, r] = w[r];
  for (s in 1:S) X[s] = x[s]';
}

parameters {
  real<lower=0> alpha;
  matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  ordered[K] upsilon;
  array[T] vector[K] psi;                  // simplexes by construction: see above
  vector[T] eta_uncertain;
  array[M] vector[n_max] chi_uncertain;    // simplexes, padded with zeros
  vector[T_risky] eta_risky;
  array[N] vector[n_max_risky] chi_risky;  // simplexes, padded with zeros
  upsilon = cumulative_sum(append_row(0, delta));
  {
    matrix[K, R] BW = beta * W;
    array[R] vector[K] psi_r;
    vector[R] eta_r;
    vector[R] u_r;                         // alpha * eta, per distinct alternative
    for (r in 1:R) {
      psi_r[r] = softmax(col(BW, r));
      eta_r[r] = dot_product(psi_r[r], upsilon);
    }
    psi = psi_r[alt];
    eta_uncertain = eta_r[alt];
    u_r = alpha * eta_r;
    for (m in 1:M)
      chi_uncertain[m] = append_row(softmax(u_r[segment(alt, start[m], n_alt[m])]),
                                    rep_vector(0, n_max - n_alt[m]));
  }
  {
    vector[S] eta_s = X * upsilon;
    vector[S] u_s = alpha * eta_s;         // the risky problems' scale times eta, per distinct s
    eta_risky = eta_s[alt_risky];
    for (n in 1:N)
      chi_risky[n] = append_row(softmax(u_s[segment(alt_risky, start_risky[n], n_alt_risky[n])]),
                                rep_vector(0, n_max_risky - n_alt_risky[n]));
  }
}

model {
  vector[M] chosen;
  vector[N] chosen_risky;
  alpha ~ lognormal(0, 1);
  to_vector(beta) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));
  for (m in 1:M) chosen[m] = chi_uncertain[m, y[m]];
  for (n in 1:N) chosen_risky[n] = chi_risky[n, z[n]];
  // y[m] ~ categorical(chi_uncertain[m]) for every m, z[n] ~ categorical(chi_risky[n]) for every n
  target += sum(log(chosen)) + sum(log(chosen_risky));
}

generated quantities {
  vector[M] log_lik_uncertain;
  vector[N] log_lik_risky;
  real log_lik_total;
  array[M] int y_pred;
  array[N] int z_pred;
  real T_obs_ll_uncertain;
  real T_rep_ll_uncertain;
  int ppc_ll_uncertain;
  int T_obs_modal_uncertain = 0;           // problems whose choice is modal (within 1e-9)
  int T_rep_modal_uncertain = 0;
  int ppc_modal_uncertain;
  real T_obs_prob_uncertain = 0;           // sum of the chosen alternatives' probabilities
  real T_rep_prob_uncertain = 0;
  int ppc_prob_uncertain;
  real T_obs_ll_risky;
  real T_rep_ll_risky;
  int ppc_ll_risky;
  int T_obs_modal_risky = 0;
  int T_rep_modal_risky = 0;
  int ppc_modal_risky;
  real T_obs_prob_risky = 0;
  real T_rep_prob_risky = 0;
  int ppc_prob_risky;
  int ppc_ll_combined;
  {
    vector[M] log_lik_rep;
    vector[N] log_lik_rep_risky;
    for (m in 1:M) {                       // every y_pred first, then every z_pred
      vector[n_alt[m]] p = chi_uncertain[m, 1:n_alt[m]];
      real modal = max(p) - 1e-9;
      y_pred[m] = categorical_rng(p);
      log_lik_uncertain[m] = log(p[y[m]]);
      log_lik_rep[m] = log(p[y_pred[m]]);
      T_obs_modal_uncertain += p[y[m]] >= modal;
      T_rep_modal_uncertain += p[y_pred[m]] >= modal;
      T_obs_prob_uncertain += p[y[m]];
      T_rep_prob_uncertain += p[y_pred[m]];
    }
    for (n in 1:N) {
      vector[n_alt_risky[n]] p = chi_risky[n, 1:n_alt_risky[n]];
      real modal = max(p) - 1e-9;
      z_pred[n] = categorical_rng(p);
      log_lik_risky[n] = log(p[z[n]]);
      log_lik_rep_risky[n] = log(p[z_pred[n]]);
      T_obs_modal_risky += p[z[n]] >= modal;
      T_rep_modal_risky += p[z_pred[n]] >= modal;
      T_obs_prob_risky += p[z[n]];
      T_rep_prob_risky += p[z_pred[n]];
    }
    T_obs_ll_uncertain = sum(log_lik_uncertain);
    T_rep_ll_uncertain = sum(log_lik_rep);
    T_obs_ll_risky = sum(log_lik_risky);
    T_rep_ll_risky = sum(log_lik_rep_risky);
  }
  log_lik_total = T_obs_ll_uncertain + T_obs_ll_risky;
  ppc_ll_uncertain = T_rep_ll_uncertain >= T_obs_ll_uncertain;
  ppc_modal_uncertain = T_rep_modal_uncertain >= T_obs_modal_uncertain;
  ppc_prob_uncertain = T_rep_prob_uncertain >= T_obs_prob_uncertain;
  ppc_ll_risky = T_rep_ll_risky >= T_obs_ll_risky;
  ppc_modal_risky = T_rep_modal_risky >= T_obs_modal_risky;
  ppc_prob_risky = T_rep_prob_risky >= T_obs_prob_risky;
  ppc_ll_combined = T_rep_ll_uncertain + T_rep_ll_risky >= T_obs_ll_uncertain + T_obs_ll_risky;
}
