// m_3_sbc: simulation-based calibration of m_3 (risky sensitivity omega = kappa * alpha), in one
// model (docs/flat-models.md).
//
// m_1_sbc (stan/m_1_sbc.stan) with kappa: truth kappa_ ~ lognormal(0, 0.5) drawn right after
// alpha_ and omega_ = kappa_ * alpha_ (no draw), prior kappa ~ lognormal(0, 0.5), and omega =
// kappa * alpha (the first transformed parameter) as the risky problems' scale (truth and fit).
// Truth order (transformed-data generator): alpha; kappa; beta[k, d], k outer and d inner; delta
// (one dirichlet vector call); y[m] for m = 1..M; then z[n] for n = 1..N.
// Generated quantities: y_, z_, pars_ and ranks_ (1 if the draw exceeds the truth) over alpha,
// kappa, beta[1, 1..D], ..., beta[K, 1..D], delta[1..K - 1]: 2 + K * D + K - 1 scalars (omega,
// a function of alpha and kappa, is not ranked). No log_lik.
// Data: m_3's data without y and z. Requires stanc >= 2.26 (array syntax); checked with
// CmdStan 2.27.
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
      reject("m_3_sbc: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    start[m] = T + 1;
    T += n_alt[m];
  }
  for (n in 1:N) {
    n_alt_risky[n] = sum(J[n]);
    if (n_alt_risky[n] < 2)
      reject("m_3_sbc: risky problem ", n, " (row J[", n, "]) offers ", n_alt_risky[n],
             " alternative(s); at least 2 are required");
    start_risky[n] = T_risky + 1;
    T_risky += n_alt_risky[n];
  }
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

  // The truth, drawn from the prior in the simulator's order, and the simulated choices.
  real alpha_ = lognormal_rng(0, 1);
  real kappa_ = lognormal_rng(0, 0.5);
  real omega_ = kappa_ * alpha_;
  matrix[K, D] beta_;
  vector[K - 1] delta_;
  vector[K] upsilon_;
  array[M] int y_sim;
  array[N] int z_sim;
  for (k in 1:K) for (d in 1:D) beta_[k, d] = normal_rng(0, 1);
  delta_ = dirichlet_rng(rep_vector(1, K - 1));
  upsilon_ = cumulative_sum(append_row(0, delta_));
  {
    vector[R] eta_;
    vector[S] eta_risky_ = X * upsilon_;
    for (r in 1:R) eta_[r] = dot_product(softmax(beta_ * w[r]), upsilon_);
    for (m in 1:M)
      y_sim[m] = categorical_rng(softmax(alpha_ * eta_[segment(alt, start[m], n_alt[m])]));
    for (n in 1:N)
      z_sim[n] = categorical_rng(softmax(omega_ * eta_risky_[segment(alt_risky, start_risky[n],
                                                                      n_alt_risky[n])]));
  }
  int P = 2 + K * D + K - 1;
  vector[P] pars_true = append_row([alpha_, kappa_]', append_row(to_vector(beta_'), delta_));
  vector[R] n_chosen = rep_vector(0, R);   // problems whose choice is alternative r
  vector[S] n_chosen_risky = rep_vector(0, S);
  for (m in 1:M) n_chosen[alt[start[m] + y_sim[m] - 1]] += 1;
  for (n in 1:N) n_chosen_risky[alt_risky[start_risky[n] + z_sim[n] - 1]] += 1;
}

parameters {
  real<lower=0> alpha;
  real<lower=0> kappa;
  matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  real<lower=0> omega = kappa * alpha;     // the risky problems' sensitivity
  vector[K] upsilon = cumulative_sum(append_row(0, delta));
}

model {
  matrix[K, R] BW = beta * W;
  vector[R] eta;
  vector[R] u;                             // alpha * eta, per distinct alternative
  vector[S] u_risky = omega * (X * upsilon);
  vector[M] lse;                           // log-sum-exp of u over problem m's alternatives
  vector[N] lse_risky;
  alpha ~ lognormal(0, 1);
  kappa ~ lognormal(0, 0.5);
  to_vector(beta) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));
  for (r in 1:R) eta[r] = dot_product(softmax(col(BW, r)), upsilon);
  u = alpha * eta;
  for (m in 1:M) lse[m] = log_sum_exp(u[segment(alt, start[m], n_alt[m])]);
  for (n in 1:N)
    lse_risky[n] = log_sum_exp(u_risky[segment(alt_risky, start_risky[n], n_alt_risky[n])]);
  // y[m] ~ categorical(softmax(u[problem m])), z[n] ~ categorical(softmax(u_risky[problem n]))
  target += dot_product(n_chosen, u) - sum(lse);
  target += dot_product(n_chosen_risky, u_risky) - sum(lse_risky);
}

generated quantities {
  array[M] int y_ = y_sim;
  array[N] int z_ = z_sim;
  vector[P] pars_ = pars_true;
  vector[P] ranks_;
  {
    vector[P] draw = append_row([alpha, kappa]', append_row(to_vector(beta'), delta));
    for (i in 1:P) ranks_[i] = draw[i] > pars_true[i];
  }
}
