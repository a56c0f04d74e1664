// m_01: flat SEU-sensitivity model m_0 with an informative prior on the sensitivity,
// alpha ~ lognormal(3.0, 0.75) (median about 20, for decision makers who choose nearly
// deterministically, e.g. the insurance study); inference model (docs/flat-models.md).
//
// Model: P(y[m] = j) = softmax(alpha * eta[alternatives of problem m])_j, with eta = psi . upsilon,
// psi = softmax(beta * w[r]), upsilon = cumulative_sum([0, delta]); problems' alternatives taken in
// ascending r. Priors: alpha ~ lognormal(3.0, 0.75); every beta[k, d] ~ normal(0, 1);
// delta ~ dirichlet(1). The only difference from m_0 is alpha's prior.
//
// Everything else (data, flattening, parameters, transformed parameters, likelihood, outputs,
// performance choices) is m_0's, described in stan/m_0.stan and docs/flat-models.md.
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
  array[M] int<lower=1> y;                 // rank of the chosen r among problem m's (ascending r)
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
      reject("m_01: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    if (y[m] > n_alt[m])
      reject("m_01: y[", m, "] = ", y[m], " is outside 1..N_m: problem ", m, " offers N_m = ",
             n_alt[m], " alternatives");
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
  matrix[D, R] W;                          // W[, r] = w[r]
  for (r in 1:R) W[, r] = w[r];
}

parameters {
  real<lower=0> alpha;
  matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  array[T] vector[K] psi;                  // simplexes by construction: see above
  ordered[K] upsilon;
  vector[T] eta;
  array[M] vector[n_max] chi;              // simplexes by construction, padded with zeros
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
    eta = eta_r[alt];
    u_r = alpha * eta_r;
    for (m in 1:M)
      chi[m] = append_row(softmax(u_r[segment(alt, start[m], n_alt[m])]),
                          rep_vector(0, n_max - n_alt[m]));
  }
}

model {
  vector[M] chosen;
  alpha ~ lognormal(3.0, 0.75);
  to_vector(beta) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));
  for (m in 1:M) chosen[m] = chi[m, y[m]];
  target += sum(log(chosen));              // y[m] ~ categorical(chi[m]) for every m
}

generated quantities {
  vector[M] log_lik;
  array[M] int y_pred;
  real T_obs_ll;
  real T_rep_ll;
  int ppc_ll;
  int T_obs_modal = 0;                     // problems whose choice is modal (within 1e-9)
  int T_rep_modal = 0;
  int ppc_modal;
  real T_obs_prob = 0;                     // sum of the chosen alternatives' probabilities
  real T_rep_prob = 0;
  int ppc_prob;
  {
    vector[M] log_lik_rep;
    for (m in 1:M) {
      vector[n_alt[m]] p = chi[m, 1:n_alt[m]];
      real modal = max(p) - 1e-9;
      y_pred[m] = categorical_rng(p);
      log_lik[m] = log(p[y[m]]);
      log_lik_rep[m] = log(p[y_pred[m]]);
      T_obs_modal += p[y[m]] >= modal;
      T_rep_modal += p[y_pred[m]] >= modal;
      T_obs_prob += p[y[m]];
      T_rep_prob += p[y_pred[m]];
    }
    T_obs_ll = sum(log_lik);
    T_rep_ll = sum(log_lik_rep);
  }
  ppc_ll = T_rep_ll >= T_obs_ll;
  ppc_modal = T_rep_modal >= T_obs_modal;
  ppc_prob = T_rep_prob >= T_obs_prob;
}
