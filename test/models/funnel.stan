// Neal's funnel in the centred parameterisation: the sampler cannot follow the neck at small
// y, so a few thousand transitions reliably contain divergences (used to test bin/diagnose).
parameters {
  real y;
  vector[9] x;
}
model {
  y ~ normal(0, 3);
  x ~ normal(0, exp(y / 2));
}
