// h_m01_size_pseudorep_sim: simulator of h_m01_size for a pseudo-replicated design, where each
// menu is presented several times (docs/power.md "The simulator").
//
// Run with algorithm=fixed_param, num_warmup=0, num_samples=1. Each menu g = 1..n_menus is shown
// at the rows m with menu_id[m] = g; its first presentation is the smallest such m. A later
// presentation either copies the choice made at the first one (with probability rho_copy) or is
// a fresh choice from the likelihood, so rho_copy measures how strongly repeated answers depend
// on each other. Every presentation of a menu belongs to the same cell and offers the same
// alternatives, so its choice (a position in increasing r) means the same thing each time.
//
// Draw order (every _rng call, in this order): gamma0; gamma[1..P]; gamma_size, only when
// gamma_size_sd > 0 (else gamma_size = gamma_size_mean and nothing is drawn); sigma_cell; one
// z_j per cell j; beta[j][k, d] for j, then k, then d; delta; then for m = 1..M_total a fresh
// choice d_m, ALWAYS, and, only when m is a later presentation, one bernoulli(rho_copy) draw
// after it. Boost's Bernoulli consumes nothing at p = 0, so at rho_copy = 0 this program makes
// exactly the calls of h_m01_size_sim and gives the same draws for the same seed.
//
// Outputs: gamma0, gamma, gamma_size, sigma_cell, log_alpha_cell, alpha_cell, beta, delta,
// upsilon, alpha_obs, y, selected_seu_max (1e-10 tie rule), total_seu_max_selected,
// seu_max_by_cell, menu_size_out, n_repeats, n_agreements (including fresh choices that agree by
// chance) and agreement_rate (0 without repeats).
// Requires stanc >= 2.26 (array syntax); checked with CmdStan 2.27.
data {
  int<lower=1> J;                      // cells
  int<lower=2> K;                      // consequences
  int<lower=1> D;                      // feature dimensions
  int<lower=2> R;                      // alternatives in the shared pool
  int<lower=0> P;                      // cell-level predictors (no intercept)
  array[R] vector[D] w;                // features of alternative r
  array[J] int M_per_cell;             // presentations per cell
  matrix[J, P] X;                      // design matrix
  int<lower=1> M_total;                // presentations (rows)
  array[M_total] int cell;             // cell of row m, 1..J
  array[M_total, R] int I;             // I[m, r] = 1 if alternative r is on the menu of row m
  vector[M_total] s;                   // menu size N_m minus the mean over all rows
  int<lower=1> n_menus;                // distinct menus
  array[M_total] int<lower=1> menu_id; // the menu row m presents, 1..n_menus
  real<lower=0, upper=1> rho_copy;     // probability that a later presentation copies the first
  real gamma0_mean;
  real<lower=0> gamma0_sd;
  real<lower=0> gamma_sd;
  real gamma_size_mean;
  real<lower=0> gamma_size_sd;
  real<lower=0> sigma_cell_sd;
  real<lower=0> beta_sd;
}

transformed data {
  array[M_total] int N;                // menu sizes N_m
  array[J] int n_in_cell = rep_array(0, J);
  array[n_menus] int first_obs = rep_array(0, n_menus);
  matrix[D, R] W;                      // W[, r] = w[r]
  real mean_N;
  for (r in 1:R) W[, r] = w[r];

  for (m in 1:M_total) {
    if (cell[m] < 1 || cell[m] > J)
      reject("h_m01_size_pseudorep_sim: cell[", m, "] = ", cell[m], " is outside 1..J (J = ", J, ")");
    n_in_cell[cell[m]] += 1;
    N[m] = 0;
    for (r in 1:R) {
      if (I[m, r] != 0 && I[m, r] != 1)
        reject("h_m01_size_pseudorep_sim: I[", m, ", ", r, "] = ", I[m, r], " must be 0 or 1");
      N[m] += I[m, r];
    }
    if (N[m] < 2)
      reject("h_m01_size_pseudorep_sim: menu of row m = ", m, " (row I[", m, "]) has N_m = ", N[m],
             " alternative(s); at least 2 are required");
  }
  for (j in 1:J) {
    if (n_in_cell[j] != M_per_cell[j])
      reject("h_m01_size_pseudorep_sim: M_per_cell[", j, "] = ", M_per_cell[j], " but ", n_in_cell[j],
             " rows have cell = ", j);
  }
  mean_N = sum(N) * 1.0 / M_total;
  // (no abs(): 2.27 deprecates it for reals, 2.33 removed the alternative fabs())
  if (mean(s) > 1e-6 || mean(s) < -1e-6)
    reject("h_m01_size_pseudorep_sim: mean(s) = ", mean(s),
           " but s must be centred (the menu size minus its mean over all rows)");
  for (m in 1:M_total) {
    if (s[m] - (N[m] - mean_N) > 1e-6 || s[m] - (N[m] - mean_N) < -1e-6)
      reject("h_m01_size_pseudorep_sim: s[", m, "] = ", s[m], " but N_m - mean menu size = ", N[m] - mean_N,
             " (s must be the menu size centred on its mean over all rows)");
  }

  // Every presentation of a menu repeats its first: same cell, same alternatives.
  for (m in 1:M_total) {
    int g = menu_id[m];
    if (g > n_menus)
      reject("h_m01_size_pseudorep_sim: menu_id[", m, "] = ", g, " exceeds n_menus = ", n_menus);
    if (first_obs[g] == 0) {
      first_obs[g] = m;
    } else {
      int f = first_obs[g];
      if (cell[m] != cell[f])
        reject("h_m01_size_pseudorep_sim: menu ", g, " spans cells: row ", m, " has cell ", cell[m],
               " but its first presentation (row ", f, ") has cell ", cell[f]);
      for (r in 1:R) {
        if (I[m, r] != I[f, r])
          reject("h_m01_size_pseudorep_sim: menu ", g, " is presented with different alternatives: I[", m,
                 ", ", r, "] = ", I[m, r], " but its first presentation has I[", f, ", ", r, "] = ", I[f, r]);
      }
    }
  }
  for (g in 1:n_menus) {
    if (first_obs[g] == 0)
      reject("h_m01_size_pseudorep_sim: menu ", g, " of n_menus = ", n_menus,
             " has no presentation (no row has menu_id = ", g, ")");
  }

  // Ragged menu structure: the alternatives of row m are alt[start[m]] ..
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
  array[J] matrix[K, D] beta;
  simplex[K - 1] delta;
  vector[K] upsilon;
  vector[M_total] alpha_obs;
  array[M_total] int y;
  array[M_total] int selected_seu_max;
  int total_seu_max_selected = 0;
  array[J] int seu_max_by_cell = rep_array(0, J);
  array[M_total] int menu_size_out = N;
  int n_repeats = 0;
  int n_agreements = 0;
  real agreement_rate = 0;
  {
    vector[J] z;
    matrix[J, R] eta;                  // expected utility of alternative r in cell j
    gamma0 = normal_rng(gamma0_mean, gamma0_sd);
    for (p in 1:P) gamma[p] = normal_rng(0, gamma_sd);
    if (gamma_size_sd > 0) gamma_size = normal_rng(gamma_size_mean, gamma_size_sd);
    else gamma_size = gamma_size_mean;  // no draw, as h_m01_size_sim
    {
      real h = normal_rng(0, sigma_cell_sd);
      sigma_cell = h < 0 ? -h : h;     // half-normal
    }
    for (j in 1:J) z[j] = normal_rng(0, 1);
    log_alpha_cell = gamma0 + X * gamma + sigma_cell * z;
    alpha_cell = exp(log_alpha_cell);
    for (j in 1:J) for (k in 1:K) for (d in 1:D) beta[j][k, d] = normal_rng(0, beta_sd);
    delta = dirichlet_rng(rep_vector(1, K - 1));
    upsilon = cumulative_sum(append_row(0, delta));
    for (j in 1:J) {
      matrix[K, R] BW = beta[j] * W;
      for (r in 1:R) eta[j, r] = dot_product(softmax(col(BW, r)), upsilon);
    }
    alpha_obs = exp(log_alpha_cell[cell] + gamma_size * s);

    for (m in 1:M_total) {
      int j = cell[m];
      int f = first_obs[menu_id[m]];
      vector[N[m]] eta_m = eta[j, alt[start[m]:(start[m] + N[m] - 1)]]';
      int fresh = categorical_logit_rng(alpha_obs[m] * eta_m);  // always drawn
      if (f == m) {
        y[m] = fresh;
      } else {
        int copy = bernoulli_rng(rho_copy);                      // after the fresh choice
        y[m] = copy == 1 ? y[f] : fresh;
        n_repeats += 1;
        n_agreements += y[m] == y[f];
      }
      selected_seu_max[m] = eta_m[y[m]] >= max(eta_m) - 1e-10 ? 1 : 0;
      total_seu_max_selected += selected_seu_max[m];
      seu_max_by_cell[j] += selected_seu_max[m];
    }
    if (n_repeats > 0) agreement_rate = n_agreements * 1.0 / n_repeats;
  }
}
