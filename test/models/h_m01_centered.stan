// h_m01, centred parameterisation: a test of swapping the inference model. Same data, same
// output names and priors as stan/h_m01.stan, but log_alpha is a parameter drawn around the
// regression (log_alpha ~ normal(gamma0 + X * gamma, sigma_cell)) instead of non-centred z_alpha.
functions {
  // alpha[j] * eta[j, r] for every cell j and alternative r, flattened cell-major:
  // element (j - 1) * R + r. W is D x R (column r = w[r]).
  // The softmax over the K consequences is done column-wise on exp(beta[j] * W - c_j) with
  // c_j = max(beta[j] * W), so no exp overflows; eta = (upsilon' E) ./ (1' E).
  vector h_m01_scaled_eta(array[] matrix beta, vector alpha, vector upsilon, matrix W) {
    int J = size(beta);
    int K = rows(upsilon);
    int R = cols(W);
    row_vector[K] ones_K = rep_row_vector(1, K);
    vector[J * R] out;
    for (j in 1:J) {
      matrix[K, R] BW = beta[j] * W;
      matrix[K, R] E = exp(BW - max(BW));
      out[((j - 1) * R + 1):(j * R)] = alpha[j] * ((upsilon' * E) ./ (ones_K * E))';
    }
    return out;
  }

  // Total log-likelihood from the flattened scaled eta (see h_m01_scaled_eta):
  // sum_m [a_eta[chosen slot of m] - log_sum_exp(a_eta[slots of m])].
  // slot[s] is the flattened (cell, alternative) index of menu slot s; the slots of problem m
  // are start[m] .. start[m] + N[m] - 1; n_chosen[i] counts the problems whose chosen
  // alternative has flattened index i.
  real h_m01_loglik(vector a_eta, array[] int slot, array[] int start, array[] int N,
                    vector n_chosen) {
    int M = size(N);
    vector[size(slot)] v = a_eta[slot];
    vector[M] lse;
    for (m in 1:M) lse[m] = log_sum_exp(segment(v, start[m], N[m]));
    return dot_product(n_chosen, a_eta) - sum(lse);
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
      reject("h_m01: menu of problem m = ", m, " has N_m = ", N[m],
             " alternatives (at least 2 required)");
    if (y[m] < 1 || y[m] > N[m])
      reject("h_m01: y[", m, "] = ", y[m], " is outside 1..N_m (N_m = ", N[m], ")");
    S += N[m];
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " problems have cell = ", j);
  }

  // Ragged menu structure. Slots of problem m: start[m] .. start[m] + N[m] - 1, holding the
  // menu's alternatives in increasing r; slot[s] = (cell - 1) * R + r is the flattened
  // (cell, alternative) index into the J * R vector of scaled expected utilities.
  array[S] int slot;
  array[M_total] int start;
  vector[J * R] n_chosen = rep_vector(0, J * R);
  {
    int pos = 1;
    for (m in 1:M_total) {
      start[m] = pos;
      for (r in 1:R) {
        if (I[m, r] == 1) {
          slot[pos] = (cell[m] - 1) * R + r;
          pos += 1;
        }
      }
      n_chosen[slot[start[m] + y[m] - 1]] += 1;
    }
  }
}

parameters {
  real gamma0;
  vector[P] gamma;
  real<lower=0> sigma_cell;
  vector[J] log_alpha;
  array[J] matrix[K, D] beta;
  simplex[K - 1] delta;
}

transformed parameters {
  vector<lower=0>[J] alpha = exp(log_alpha);
  vector[K] upsilon = cumulative_sum(append_row(0, delta));
}

model {
  gamma0 ~ normal(2.5, 0.5);
  gamma ~ normal(0, 0.5);
  sigma_cell ~ normal(0, 0.3);
  log_alpha ~ normal(gamma0 + X * gamma, sigma_cell);
  for (j in 1:J) to_vector(beta[j]) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));

  target += h_m01_loglik(h_m01_scaled_eta(beta, alpha, upsilon, W), slot, start, N, n_chosen);
}

generated quantities {
  vector[M_total] log_lik;
  array[M_total] int y_pred;
  {
    vector[J * R] a_eta = h_m01_scaled_eta(beta, alpha, upsilon, W);
    for (m in 1:M_total) {
      vector[N[m]] u = a_eta[segment(slot, start[m], N[m])];
      log_lik[m] = categorical_logit_lpmf(y[m] | u);
      y_pred[m] = categorical_logit_rng(u);
    }
  }
}
