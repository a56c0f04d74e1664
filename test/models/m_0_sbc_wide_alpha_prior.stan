// m_0_sbc_wide_alpha_prior: stan/m_0_sbc.stan with a deliberate miscalibration, for the flat SBC
// tests (test/studies/sbcFlat/calibration.test.ts). Transformed data draws the truth exactly as
// m_0_sbc does (alpha ~ lognormal(0, 1), beta, delta, then y), but the model block puts the prior
// alpha ~ lognormal(0, 3) on alpha: wider than the distribution the truths come from. With few
// problems the data say little about alpha, and the wide prior keeps much of its mass at small
// alpha, where choices are near random and the likelihood is flat: the posterior sits below the
// truth, whose ranks pile up at the top. SBC must flag alpha. Everything else is m_0_sbc's.
data {
  int<lower=1> M;                          // uncertain problems
  int<lower=2> K;                          // consequences
  int<lower=1> D;                          // feature dimensions
  int<lower=2> R;                          // distinct uncertain alternatives
  array[R] vector[D] w;                    // features of alternative r
  array[M, R] int<lower=0, upper=1> I;     // I[m, r] = 1 if problem m offers alternative r
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
      reject("m_0_sbc_wide_alpha_prior: problem ", m, " (row I[", m, "]) offers ", n_alt[m],
             " alternative(s); at least 2 are required");
    start[m] = T + 1;
    T += n_alt[m];
  }
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

  // The truth, drawn from the prior in the simulator's order, and the simulated choices.
  real alpha_ = lognormal_rng(0, 1);
  matrix[K, D] beta_;
  vector[K - 1] delta_;
  vector[K] upsilon_;
  array[M] int y_sim;
  for (k in 1:K) for (d in 1:D) beta_[k, d] = normal_rng(0, 1);
  delta_ = dirichlet_rng(rep_vector(1, K - 1));
  upsilon_ = cumulative_sum(append_row(0, delta_));
  {
    vector[R] eta_;
    for (r in 1:R) eta_[r] = dot_product(softmax(beta_ * w[r]), upsilon_);
    for (m in 1:M)
      y_sim[m] = categorical_rng(softmax(alpha_ * eta_[segment(alt, start[m], n_alt[m])]));
  }
  int P = 1 + K * D + K - 1;
  vector[P] pars_true = append_row(alpha_, append_row(to_vector(beta_'), delta_));
  vector[R] n_chosen = rep_vector(0, R);   // problems whose choice is alternative r
  for (m in 1:M) n_chosen[alt[start[m] + y_sim[m] - 1]] += 1;
}

parameters {
  real<lower=0> alpha;
  matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  vector[K] upsilon = cumulative_sum(append_row(0, delta));
}

model {
  matrix[K, R] BW = beta * W;
  vector[R] eta;
  vector[R] u;                             // alpha * eta, per distinct alternative
  vector[M] lse;                           // log-sum-exp of u over problem m's alternatives
  alpha ~ lognormal(0, 3);                 // the miscalibration: the truth is lognormal(0, 1)
  to_vector(beta) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));
  for (r in 1:R) eta[r] = dot_product(softmax(col(BW, r)), upsilon);
  u = alpha * eta;
  for (m in 1:M) lse[m] = log_sum_exp(u[segment(alt, start[m], n_alt[m])]);
  target += dot_product(n_chosen, u) - sum(lse);   // y[m] ~ categorical(softmax(u[problem m]))
}

generated quantities {
  array[M] int y_ = y_sim;
  vector[P] pars_ = pars_true;
  vector[P] ranks_;
  vector[M] log_lik;
  {
    vector[P] draw = append_row(alpha, append_row(to_vector(beta'), delta));
    vector[R] u;
    for (i in 1:P) ranks_[i] = draw[i] > pars_true[i];
    for (r in 1:R) u[r] = alpha * dot_product(softmax(beta * w[r]), upsilon);
    for (m in 1:M) {
      vector[n_alt[m]] u_m = u[segment(alt, start[m], n_alt[m])];
      log_lik[m] = u_m[y_sim[m]] - log_sum_exp(u_m);
    }
  }
}
