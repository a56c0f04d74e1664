// m_0: flat SEU-sensitivity model, inference model (docs/flat-models.md).
//
// One decision maker, M uncertain choice problems, K ordered consequences. Alternative r has
// features w[r]; its subjective probabilities over the consequences are psi = softmax(beta * w[r])
// and its subjective expected utility is eta = psi . upsilon, with upsilon = cumulative_sum([0,
// delta]) (so upsilon[1] = 0 <= ... <= upsilon[K] = 1). Problem m offers the alternatives r with
// I[m, r] = 1, always taken in ascending r; y[m] is the rank of the chosen r among them, and
// P(y[m] = j) = softmax(alpha * eta[alternatives of m])_j.
// Priors: alpha ~ lognormal(0, 1); every beta[k, d] ~ normal(0, 1); delta ~ dirichlet(1).
// Siblings m_01 and m_02 differ only in alpha's prior; m_03 takes delta's Dirichlet
// concentration as data; m_1, m_2 and m_3 add risky problems. upsilon is declared ordered (as
// users' code expects): a draw whose increment is below upsilon's double precision resolution
// (about 1e-16) is rejected, which under dirichlet(1) has prior probability about 1e-16.
//
// The problems' alternatives are flattened into one list of T = sum_m N_m slots (problem 1's in
// ascending r, then problem 2's, ...), and psi, eta are reported per slot: users' code reads
// them so. Performance: psi and eta depend on r only, so they are computed once per distinct
// alternative (R softmaxes, not T), like alpha * eta, and copied into the slots (copies add
// no autodiff nodes). chi, one softmax per problem padded with zeros, is reported anyway,
// so the likelihood reuses it: one vectorised sum of logs of the chosen entries instead of M
// categorical statements that would each re-check the simplex. psi and chi are softmaxes, so
// simplexes by construction, and are declared as plain vectors: a simplex declaration would
// make Stan re-check T + M simplexes at every gradient evaluation, about 30% of the CPU time
// of a fit at M 300 (m_02, K 4, D 32), for no change in any output.
//
// Outputs: alpha, beta, delta (parameters); psi[T], upsilon, eta[T], chi[M] (padded to the
// largest problem) (transformed parameters); log_lik, y_pred and the posterior predictive
// statistics T_obs_* / T_rep_* with their indicators ppc_* (generated quantities).
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
      reject("m_0: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    if (y[m] > n_alt[m])
      reject("m_0: y[", m, "] = ", y[m], " is outside 1..N_m: problem ", m, " offers N_m = ",
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
  alpha ~ lognormal(0, 1);
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
