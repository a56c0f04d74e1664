// A well-behaved posterior with containers of every rank, for the Stan CSV reader and the
// summary tests. idx[i][j, k] = 100 i + 10 j + k lets a test check how CmdStan flattens
// (column-major) and how the reader reshapes; `constant` and `coin` are a constant and a
// discrete output (ties).
parameters {
  real mu;
  real<lower=0> sigma;
  matrix[2, 3] b;
}
model {
  mu ~ normal(1, 2);
  sigma ~ lognormal(0, 0.5);
  to_vector(b) ~ normal(0, 1);
}
generated quantities {
  array[2] matrix[3, 4] idx;
  real constant = 1.5;
  int coin = bernoulli_rng(0.3);
  for (i in 1:2)
    for (j in 1:3)
      for (k in 1:4)
        idx[i][j, k] = 100 * i + 10 * j + k;
}
