// h_m01_perslot: BENCHMARK BASELINE ONLY (issue 6). Do not use for studies.
//
// A straightforward translation of docs/models.md "h_m01", as the original study wrote it: eta is
// recomputed for every menu slot (softmax(beta[j] * w[r]) . upsilon once per slot, i.e.
// sum_m N_m times instead of J x R times) and is written as a transformed parameter, so every
// draw also carries sum_m N_m extra CSV columns. Same data, parameters, priors and outputs as
// stan/h_m01.stan, plus the transformed parameter eta.
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> J;
  int<lower=2> K;
  int<lower=1> D;
  int<lower=2> R;
  int<lower=0> P;
  array[R] vector[D] w;
  int<lower=1> M_total;
  array[M_total] int cell;
  array[M_total, R] int I;
  array[M_total] int y;
  array[J] int M_per_cell;
  matrix[J, P] X;
}

transformed data {
  array[M_total] int N;
  array[J] int n_in_cell = rep_array(0, J);
  int S = 0;
  for (m in 1:M_total) {
    if (cell[m] < 1 || cell[m] > J)
      reject("h_m01_perslot: cell[", m, "] = ", cell[m], " is outside 1..J (J = ", J, ")");
    n_in_cell[cell[m]] += 1;
    N[m] = 0;
    for (r in 1:R) {
      if (I[m, r] != 0 && I[m, r] != 1)
        reject("h_m01_perslot: I[", m, ", ", r, "] = ", I[m, r], " must be 0 or 1");
      N[m] += I[m, r];
    }
    if (N[m] < 2)
      reject("h_m01_perslot: menu of problem m = ", m, " (row I[", m, "]) has N_m = ", N[m],
             " alternative(s); at least 2 are required");
    if (y[m] < 1 || y[m] > N[m])
      reject("h_m01_perslot: y[", m, "] = ", y[m], " is outside 1..N_m (N_m = ", N[m], ")");
    S += N[m];
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01_perslot: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " problems have cell = ", j);
  }
  // alternatives of problem m: alt[start[m] .. start[m] + N[m] - 1], increasing r
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
  vector[S] eta;                       // expected utility of every menu slot
  for (m in 1:M_total) {
    for (i in 1:N[m]) {
      int s = start[m] + i - 1;
      vector[K] psi = softmax(beta[cell[m]] * w[alt[s]]);
      eta[s] = dot_product(psi, upsilon);
    }
  }
}

model {
  gamma0 ~ normal(2.5, 0.5);
  gamma ~ normal(0, 0.5);
  sigma_cell ~ normal(0, 0.3);
  z_alpha ~ std_normal();
  for (j in 1:J) to_vector(beta[j]) ~ std_normal();
  delta ~ dirichlet(rep_vector(1, K - 1));
  for (m in 1:M_total)
    y[m] ~ categorical_logit(alpha[cell[m]] * segment(eta, start[m], N[m]));
}

generated quantities {
  vector[M_total] log_lik;
  array[M_total] int y_pred;
  for (m in 1:M_total) {
    vector[N[m]] u = alpha[cell[m]] * segment(eta, start[m], N[m]);
    log_lik[m] = categorical_logit_lpmf(y[m] | u);
    y_pred[m] = categorical_logit_rng(u);
  }
}
