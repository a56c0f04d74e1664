// Echoes every data shape toStanJson writes, so a test can compare CmdStan's reading of the
// file with the values written (run with algorithm=fixed_param, one draw).
data {
  int n;                       // int scalar
  int n_neg;                   // negative int
  real x;                      // real scalar with a fractional part
  real x_int;                  // real given an integral number (written as '3')
  real x_big;                  // real with an integral value beyond the 32-bit int range
  real x_pinf;                 // Infinity
  real x_ninf;                 // -Infinity
  real x_nan;                  // NaN
  int N;
  vector[N] v;                 // vector, mixing integral and fractional values
  array[N] real ar;            // 1-D real array from a Float64Array
  int R;
  int C;
  matrix[R, C] m;              // matrix as an array of rows
  int A;
  int Dv;
  array[A] vector[Dv] av;      // array of vectors
  array[R, C] int ia;          // 2-D int array (from an Int32Array per row)
  array[2, 3, 2] real r3;      // 3-D real array
  array[2] matrix[2, 3] am;    // array of matrices
  array[0] real e;             // empty array
  vector[0] ev;                // empty vector
  array[0] int ei;             // empty int array
  matrix[2, 0] em;             // matrix with no columns, as [[], []]
  array[3] real nonfinite;     // [Infinity, -Infinity, NaN] in an array
}
generated quantities {
  int n_out = n;
  int n_neg_out = n_neg;
  int N_out = N;
  int R_out = R;
  int C_out = C;
  int A_out = A;
  int Dv_out = Dv;
  real x_out = x;
  real x_int_out = x_int;
  real x_big_out = x_big;
  real x_pinf_out = x_pinf;
  real x_ninf_out = x_ninf;
  real x_nan_out = x_nan;
  vector[N] v_out = v;
  array[N] real ar_out = ar;
  matrix[R, C] m_out = m;
  array[A] vector[Dv] av_out = av;
  array[R, C] int ia_out = ia;
  array[2, 3, 2] real r3_out = r3;
  array[2] matrix[2, 3] am_out = am;
  int e_size = size(e);
  int ev_size = num_elements(ev);
  int ei_size = size(ei);
  int em_rows = rows(em);
  int em_cols = cols(em);
  array[3] real nonfinite_out = nonfinite;
}
