// h_m01_sim: simulator for the hierarchical SEU-sensitivity model h_m01 (docs/models.md "The simulator h_m01_sim").
//
// Run with algorithm=fixed_param, num_warmup=0, num_samples=1: every quantity is drawn in
// generated quantities from the prior (with the hyperparameters below), then y is drawn
// from the likelihood on the fixed design.
//
// Data: the design of h_m01 (no y) plus the five hyperparameters.
// Outputs: gamma0, gamma, sigma_cell, alpha, log_alpha, delta, upsilon, beta, y,
//          selected_seu_max[M_total], total_seu_max, seu_max_per_cell[J].
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
  real gamma0_mean;
  real<lower=0> gamma0_sd;
  real<lower=0> gamma_sd;
  real<lower=0> sigma_cell_sd;
  real<lower=0> beta_sd;
}

transformed data {
  array[M_total] int N;                // menu sizes N_m
  array[J] int n_in_cell = rep_array(0, J);
  int S = 0;                           // total number of menu slots
  matrix[D, R] W;                      // W[, r] = w[r]
  for (r in 1:R) W[, r] = w[r];

  for (m in 1:M_total) {
    if (cell[m] < 1 || cell[m] > J)
      reject("h_m01_sim: cell[", m, "] = ", cell[m], " is outside 1..J (J = ", J, ")");
    n_in_cell[cell[m]] += 1;
    N[m] = 0;
    for (r in 1:R) {
      if (I[m, r] != 0 && I[m, r] != 1)
        reject("h_m01_sim: I[", m, ", ", r, "] = ", I[m, r], " must be 0 or 1");
      N[m] += I[m, r];
    }
    if (N[m] < 2)
      reject("h_m01_sim: menu of problem m = ", m, " (row I[", m, "]) has N_m = ", N[m],
             " alternative(s); at least 2 are required");
    S += N[m];
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01_sim: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " problems have cell = ", j);
  }

  // ragged menu structure: alternatives of problem m are alt[start[m]:(start[m] + N[m] - 1)],
  // in increasing r
  array[S] int alt;
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
  // Declared in output order (the CSV columns), drawn below in the original simulator's order:
  // gamma0; gamma[1..P]; sigma_cell; z[j] for each cell j; beta[j][k, d] (j, then k, then d);
  // delta; then y[m] in order. From CmdStan 2.35 (Stan's mixmax generator) the same seed gives
  // the original study's truths only when the _rng calls come in exactly this order.
  real gamma0;
  vector[P] gamma;
  real<lower=0> sigma_cell;
  vector[J] log_alpha;
  vector<lower=0>[J] alpha;
  simplex[K - 1] delta;
  vector[K] upsilon;
  array[J] matrix[K, D] beta;
  array[M_total] int y;
  array[M_total] int selected_seu_max;
  int total_seu_max = 0;
  array[J] int seu_max_per_cell = rep_array(0, J);
  {
    vector[J] z;
    matrix[J, R] eta;                  // expected utility of alternative r in cell j
    gamma0 = normal_rng(gamma0_mean, gamma0_sd);
    for (p in 1:P) gamma[p] = normal_rng(0, gamma_sd);
    sigma_cell = abs(normal_rng(0, sigma_cell_sd));
    for (j in 1:J) z[j] = normal_rng(0, 1);
    for (j in 1:J) for (k in 1:K) for (d in 1:D) beta[j][k, d] = normal_rng(0, beta_sd);
    delta = dirichlet_rng(rep_vector(1, K - 1));

    log_alpha = gamma0 + X * gamma + sigma_cell * z;
    alpha = exp(log_alpha);
    upsilon = cumulative_sum(append_row(0, delta));
    for (j in 1:J) {
      matrix[K, R] BW = beta[j] * W;
      for (r in 1:R) eta[j, r] = dot_product(softmax(col(BW, r)), upsilon);
    }
    for (m in 1:M_total) {
      int j = cell[m];
      vector[N[m]] eta_m = eta[j, alt[start[m]:(start[m] + N[m] - 1)]]';
      y[m] = categorical_logit_rng(alpha[j] * eta_m);
      selected_seu_max[m] = eta_m[y[m]] >= max(eta_m) ? 1 : 0;
      total_seu_max += selected_seu_max[m];
      seu_max_per_cell[j] += selected_seu_max[m];
    }
  }
}
