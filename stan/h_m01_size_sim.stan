// h_m01_size_sim: simulator for h_m01_size, h_m01 with a menu-size covariate (docs/models.md "h_m01_size").
//
// Run with algorithm=fixed_param, num_warmup=0, num_samples=1: every quantity is drawn in
// generated quantities from the prior (with the hyperparameters below), then y is drawn from
// the likelihood on the fixed design, problem m with sensitivity
// alpha_obs[m] = exp(log_alpha_cell[cell[m]] + gamma_size * s[m]).
//
// Draw order (the original simulator's; from CmdStan 2.35 the same seed gives the same truths
// only in the same order): gamma0; gamma[1..P]; gamma_size ~ normal(gamma_size_mean,
// gamma_size_sd), or exactly gamma_size_mean when gamma_size_sd = 0 (no draw); sigma_cell; one
// z_j per cell j in order; beta[j][k, d] for j, then k, then d; delta; then y[m] in order.
//
// Data: the design of h_m01_size (no y) plus the hyperparameters of h_m01 and gamma_size_mean,
// gamma_size_sd. Outputs: gamma0, gamma, gamma_size, sigma_cell, log_alpha_cell, alpha_cell,
// delta, upsilon, beta, y, menu_size[M_total] (N_m), selected_seu_max[M_total], total_seu_max,
// seu_max_per_cell[J].
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> J;                      // cells
  int<lower=2> K;                      // consequences
  int<lower=1> D;                      // feature dimensions
  int<lower=2> R;                      // alternatives in the shared pool
  int<lower=0> P;                      // cell-level predictors (no intercept)
  array[R] vector[D] w;                // features of alternative r
  int<lower=1> M_total;                // choice problems
  array[M_total] int cell;             // cell of problem m, 1..J
  array[M_total, R] int I;             // I[m, r] = 1 if alternative r is on menu m
  array[J] int M_per_cell;             // problems per cell
  matrix[J, P] X;                      // design matrix
  vector[M_total] s;                   // menu size N_m minus the mean menu size
  real gamma0_mean;
  real<lower=0> gamma0_sd;
  real<lower=0> gamma_sd;
  real<lower=0> sigma_cell_sd;
  real<lower=0> beta_sd;
  real gamma_size_mean;
  real<lower=0> gamma_size_sd;
}

transformed data {
  array[M_total] int N;                // menu sizes N_m
  array[J] int n_in_cell = rep_array(0, J);
  matrix[D, R] W;                      // W[, r] = w[r]
  real mean_N;
  for (r in 1:R) W[, r] = w[r];

  for (m in 1:M_total) {
    if (cell[m] < 1 || cell[m] > J)
      reject("h_m01_size_sim: cell[", m, "] = ", cell[m], " is outside 1..J (J = ", J, ")");
    n_in_cell[cell[m]] += 1;
    N[m] = 0;
    for (r in 1:R) {
      if (I[m, r] != 0 && I[m, r] != 1)
        reject("h_m01_size_sim: I[", m, ", ", r, "] = ", I[m, r], " must be 0 or 1");
      N[m] += I[m, r];
    }
    if (N[m] < 2)
      reject("h_m01_size_sim: menu of problem m = ", m, " (row I[", m, "]) has N_m = ", N[m],
             " alternative(s); at least 2 are required");
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01_size_sim: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " problems have cell = ", j);
  }
  mean_N = sum(N) * 1.0 / M_total;
  for (m in 1:M_total) {
    if (s[m] - (N[m] - mean_N) > 1e-8 || s[m] - (N[m] - mean_N) < -1e-8)
      reject("h_m01_size_sim: s[", m, "] = ", s[m], " but N_m - mean menu size = ", N[m] - mean_N,
             " (s must be the menu size centred on its mean over all problems)");
  }

  // Ragged menu structure: the alternatives of problem m are alt[start[m]] ..
  // alt[start[m] + N[m] - 1], in increasing r.
  array[sum(N)] int alt;
  array[M_total] int start;
  {
    int pos = 1;
    for (m in 1:M_total) {
      start[m] = pos;
      for (r in 1:R) {
        if (I[m, r] == 1) {
          alt[pos] = r;
          pos += 1;
        }
      }
    }
  }
}

generated quantities {
  real gamma0;
  vector[P] gamma;
  real gamma_size;
  real<lower=0> sigma_cell;
  vector[J] log_alpha_cell;
  vector<lower=0>[J] alpha_cell;
  simplex[K - 1] delta;
  vector[K] upsilon;
  array[J] matrix[K, D] beta;
  array[M_total] int y;
  array[M_total] int menu_size = N;
  array[M_total] int selected_seu_max;
  int total_seu_max = 0;
  array[J] int seu_max_per_cell = rep_array(0, J);
  {
    vector[J] z;
    matrix[J, R] eta;                  // expected utility of alternative r in cell j
    // Every _rng call below, in the original simulator's order.
    gamma0 = normal_rng(gamma0_mean, gamma0_sd);
    for (p in 1:P) gamma[p] = normal_rng(0, gamma_sd);
    if (gamma_size_sd > 0) gamma_size = normal_rng(gamma_size_mean, gamma_size_sd);
    else gamma_size = gamma_size_mean;  // null calibration: no draw, as the original
    {
      real h = normal_rng(0, sigma_cell_sd);
      sigma_cell = h < 0 ? -h : h;     // half-normal (no abs(): see h_m01_size.stan)
    }
    for (j in 1:J) z[j] = normal_rng(0, 1);
    for (j in 1:J) for (k in 1:K) for (d in 1:D) beta[j][k, d] = normal_rng(0, beta_sd);
    delta = dirichlet_rng(rep_vector(1, K - 1));

    log_alpha_cell = gamma0 + X * gamma + sigma_cell * z;
    alpha_cell = exp(log_alpha_cell);
    upsilon = cumulative_sum(append_row(0, delta));
    for (j in 1:J) {
      matrix[K, R] BW = beta[j] * W;
      for (r in 1:R) eta[j, r] = dot_product(softmax(col(BW, r)), upsilon);
    }
    for (m in 1:M_total) {
      int j = cell[m];
      vector[N[m]] eta_m = eta[j, alt[start[m]:(start[m] + N[m] - 1)]]';
      y[m] = categorical_logit_rng(exp(log_alpha_cell[j] + gamma_size * s[m]) * eta_m);
      selected_seu_max[m] = eta_m[y[m]] >= max(eta_m) ? 1 : 0;
      total_seu_max += selected_seu_max[m];
      seu_max_per_cell[j] += selected_seu_max[m];
    }
  }
}
