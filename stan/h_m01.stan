// h_m01: hierarchical SEU-sensitivity model (docs/models.md "h_m01"), inference model.
//
// One sensitivity alpha_j per cell, log alpha_j regressed on the cell-level design X
// (non-centred). Cell j's subjective probabilities over the K consequences for alternative r
// are psi = softmax(beta[j] * w[r]); its expected utility is eta[j, r] = psi . upsilon with
// upsilon = cumulative_sum([0, delta]). Problem m (cell j, menu r_1 < ... < r_N) has
// P(y[m] = i) = softmax(alpha_j * eta[j, r_1..r_N])_i.
//
// Performance (docs/performance.md): eta takes only J x R distinct values, so it is computed once
// per (cell, alternative) pair, for all cells in one vectorised pass (h_m01_eta), and is never
// written (a local of the model block). The likelihood (h_m01_loglik) is vectorised over
// problems: one exp per (cell, alternative), one padded gather-and-row-sum, one log per problem.
// The functions block is copied verbatim into test/models/h_m01_logdensity_check.stan, which
// checks it against the per-slot formulation (bench/h_m01_perslot.stan): keep them identical.
//
// Outputs: gamma0, gamma, sigma_cell, z_alpha, beta, delta (parameters); log_alpha, alpha,
// upsilon (transformed parameters); log_lik[M_total], y_pred[M_total] (generated quantities;
// y_pred is a position within the menu, like y).
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
functions {
  // Expected utilities eta[j, r] = softmax(beta[j] * w[r]) . upsilon for every cell j and
  // alternative r, as a J x R matrix. W is D x R (column r = w[r]). All cells at once:
  // B stacks the beta[j] (rows (j - 1) * K + 1 .. j * K), E = exp(B * W - c) with
  // c = max(B * W) so no exp overflows; reshaped to K x (J * R), column (r - 1) * J + j holds
  // cell j, alternative r, and eta = (upsilon' E) ./ (1' E).
  matrix h_m01_eta(array[] matrix beta, vector upsilon, matrix W) {
    int J = size(beta);
    int K = rows(upsilon);
    int R = cols(W);
    matrix[J * K, rows(W)] B;
    matrix[J * K, R] BW;
    matrix[K, J * R] E;
    matrix[2, J * R] NE;                 // numerators upsilon' E and denominators 1' E
    for (j in 1:J) B[((j - 1) * K + 1):(j * K)] = beta[j];
    BW = B * W;
    E = to_matrix(exp(BW - max(BW)), K, J * R);
    NE = append_row(upsilon', rep_row_vector(1, K)) * E;
    return to_matrix(NE[1] ./ NE[2], J, R);
  }

  // Total log-likelihood sum_m log softmax(alpha_j * eta[j, menu_m])[y_m], j = cell[m].
  // With a[j, r] = alpha_j * (eta[j, r] - 1) <= 0 (the shift alpha_j cancels between the
  // chosen term and the normaliser, since eta <= 1):
  //   sum_m a[j, chosen_m] - log(s_m),  s_m = sum_{r in menu_m} exp(a[j, r]).
  // The chosen term is n_chosen . to_vector(a), n_chosen[(r - 1) * J + j] counting the problems
  // of cell j that chose r. The menu sums use the padded slot table: slot[(i - 1) * M + m] is
  // the index (r - 1) * J + j of the i-th alternative of problem m into to_vector(a), or
  // J * R + 1 (a zero) for i > N[m]; so s = to_matrix(exp(a)[slot], M, N_max) * 1.
  // s_m >= exp(-alpha_j) underflows only when alpha_j is in the hundreds; then the exact
  // per-menu log_sum_exp is used instead.
  real h_m01_loglik(matrix eta, vector alpha, array[] int slot, array[] int N,
                    vector n_chosen) {
    int M = size(N);
    int N_max = size(slot) %/% M;
    vector[num_elements(eta)] a = to_vector(diag_pre_multiply(alpha, eta - 1));
    vector[M] s = to_matrix(append_row(exp(a), 0)[slot], M, N_max) * rep_vector(1, N_max);
    real ll = dot_product(n_chosen, a);
    if (min(s) > 1e-250) return ll - sum(log(s));
    for (m in 1:M) {
      vector[N[m]] u;
      for (i in 1:N[m]) u[i] = a[slot[(i - 1) * M + m]];
      ll -= log_sum_exp(u);
    }
    return ll;
  }
}

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
  array[M_total] int y;                // chosen position within the menu (increasing r), 1..N_m
  array[J] int M_per_cell;             // problems per cell
  matrix[J, P] X;                      // design matrix
}

transformed data {
  array[M_total] int N;                // menu sizes N_m
  array[J] int n_in_cell = rep_array(0, J);
  int S = 0;                           // total number of menu slots
  matrix[D, R] W;                      // W[, r] = w[r]
  for (r in 1:R) W[, r] = w[r];

  for (m in 1:M_total) {
    if (cell[m] < 1 || cell[m] > J)
      reject("h_m01: cell[", m, "] = ", cell[m], " is outside 1..J (J = ", J, ")");
    n_in_cell[cell[m]] += 1;
    N[m] = 0;
    for (r in 1:R) {
      if (I[m, r] != 0 && I[m, r] != 1)
        reject("h_m01: I[", m, ", ", r, "] = ", I[m, r], " must be 0 or 1");
      N[m] += I[m, r];
    }
    if (N[m] < 2)
      reject("h_m01: menu of problem m = ", m, " (row I[", m, "]) has N_m = ", N[m],
             " alternative(s); at least 2 are required");
    if (y[m] < 1 || y[m] > N[m])
      reject("h_m01: y[", m, "] = ", y[m], " is outside 1..N_m (N_m = ", N[m], ")");
    S += N[m];
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " problems have cell = ", j);
  }

  // Ragged menu structure (used by generated quantities): the alternatives of problem m are
  // alt[start[m]] .. alt[start[m] + N[m] - 1], in increasing r.
  array[S] int alt;
  array[M_total] int start;
  // For the likelihood (see h_m01_loglik): the padded slot table (column-major M_total x N_max)
  // and n_chosen[(r - 1) * J + j] = number of problems of cell j whose chosen alternative is r.
  int N_max = max(N);
  array[M_total * N_max] int slot = rep_array(J * R + 1, M_total * N_max);
  vector[J * R] n_chosen = rep_vector(0, J * R);
  {
    int pos = 1;
    for (m in 1:M_total) {
      int i = 0;
      start[m] = pos;
      for (r in 1:R) {
        if (I[m, r] == 1) {
          alt[pos] = r;
          pos += 1;
          i += 1;
          slot[(i - 1) * M_total + m] = (r - 1) * J + cell[m];
        }
      }
      n_chosen[slot[(y[m] - 1) * M_total + m]] += 1;
    }
  }
}

parameters {
  real gamma0;
  vector[P] gamma;
  real<lower=0> sigma_cell;
  vector[J] z_alpha;
  array[J] matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  vector[J] log_alpha = gamma0 + X * gamma + sigma_cell * z_alpha;
  vector<lower=0>[J] alpha = exp(log_alpha);
  vector[K] upsilon = cumulative_sum(append_row(0, delta));
}

model {
  gamma0 ~ normal(2.5, 0.5);
  gamma ~ normal(0, 0.5);
  sigma_cell ~ normal(0, 0.3);
  z_alpha ~ std_normal();
  for (j in 1:J) to_vector(beta[j]) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));

  target += h_m01_loglik(h_m01_eta(beta, upsilon, W), alpha, slot, N, n_chosen);
}

generated quantities {
  vector[M_total] log_lik;
  array[M_total] int y_pred;
  {
    matrix[J, R] eta = h_m01_eta(beta, upsilon, W);
    for (m in 1:M_total) {
      vector[N[m]] u = alpha[cell[m]] * eta[cell[m], segment(alt, start[m], N[m])]';
      log_lik[m] = categorical_logit_lpmf(y[m] | u);
      y_pred[m] = categorical_logit_rng(u);
    }
  }
}
