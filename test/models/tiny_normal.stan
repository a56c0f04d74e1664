// A tiny model for the integration tests: two means and a scale, with a matrix output
// so the CSV has containers (column-major names like m.2.1).
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  vector[2] mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 5);
  sigma ~ normal(0, 2);
  y ~ normal(mu[1] + mu[2], sigma);
}
generated quantities {
  matrix[2, 3] m;
  for (i in 1:2) for (j in 1:3) m[i, j] = 10 * i + j;
}
