#pragma once
// The Python module's docstrings (NumPy style), kept apart from the bindings so both stay short.

namespace ntk::python::docs {

inline constexpr const char* module = R"(NTK-Attention Explorer from Python.

The same C++ core as the ntk-explorer program and its window (arXiv 2406.14036: exact prefix
attention, Algorithm 1, against NTK-Attention, Algorithm 2), on NumPy arrays.

Arrays in: float64 arrays in Fortran (column-major) order are used in place, without a copy;
anything else (C order, float32, integers, lists, strided views) is converted once to a float64
Fortran-order copy for the call. The core computes in float64 only. Arrays out are float64.
Rows are tokens: Q is n x d (the queries of the last n of the L input tokens), K is L x d, V is
L x d_v, KP is m x d and VP m x d_v.

Parameters of generated workloads are the keyword arguments of the command line, by the same
names and with the same ranges (see parameters()): mode, L, d, m, queries, dv, scale, dist, match, seed, feature,
degree, features, orthogonal, rank, causal, precision; for the NTK view n, d, m, sigma, seed, eta, steps.

Errors: a wrong shape or value raises ValueError naming the argument, a wrong type TypeError.
The computation runs with the GIL released; Ctrl-C interrupts exact_attention, compress_prefix,
compare, generate, sweep, scaling, train_prefix, ntk_kernel and ntk_concentration inside the
computation (KeyboardInterrupt; the NTK's eigensolve itself is not interruptible).
set_threads(n) sets the number of threads.

What the paper's text could not confirm (the stylized NTK model, the Taylor bound, the m -> inf
limit) is said in docs/method.md; compare() repeats it in its 'model_note'.)";

inline constexpr const char* set_threads = R"(Set the number of threads the core uses (1 to 4 per core).

Results do not depend on it: the prefix is reduced in a fixed order.)";

inline constexpr const char* threads = R"(The number of threads the core uses.)";

inline constexpr const char* parameters =
    R"(The parameter table the command line, sweeps, sessions and this module share.

Returns
-------
dict
    {'comparison': {key: {'default', 'help', 'min', 'max' | 'choices'}}, 'ntk': {...}}; defaults
    as text, as the command line reads them.)";

inline constexpr const char* exact_attention = R"(Exact prefix attention (Algorithm 1, docs/method.md section 2).

softmax([Q KP^T, Q K^T] / sqrt(d)) [VP; V], streamed over the prefix; the causal mask applies to
the input block only, never to the prefix.

Parameters
----------
Q, K, V : array_like, shape (L, d)
KP, VP : array_like, shape (m, d)
causal : bool, optional

Returns
-------
ndarray, shape (L, d), float64)";

inline constexpr const char* feature_map = R"(The feature map phi applied to every row of X (docs/method.md section 4).

Parameters
----------
X : array_like, shape (n, d)
feature : {'taylor', 'elu', 'favor'}
degree : int
    Taylor degree g (0 ... 12); r = binom(d + g, g).
features : int
    FAVOR+ feature count r.
orthogonal : bool
    FAVOR+: block-orthogonal directions.
seed : int
    FAVOR+ directions, unless omega is given.
omega : array_like, shape (r, d), optional
    Given FAVOR+ directions.

Returns
-------
ndarray, shape (n, r))";

inline constexpr const char* compress_prefix = R"(Closed-form NTK-Attention parameters of a prefix (Algorithm 2).

Z = phi(KP)^T VP and k = phi(KP)^T 1_m, streamed over the prefix.

Parameters
----------
KP, VP : array_like, shape (m, d)
feature, degree, features, orthogonal, seed, omega
    The feature map, as in feature_map().

Returns
-------
Z : ndarray, shape (r, d)
k : ndarray, shape (r,))";

inline constexpr const char* ntk_attention =
    R"(NTK-Attention (Algorithm 2, docs/method.md section 3) with given Z and k.

T = D^-1 (A V + phi(Q) Z), D = diag(A 1 + phi(Q) k), A = exp(Q K^T / sqrt(d)), evaluated stably.
Rows whose denominator is not positive (odd Taylor degrees) are NaN, with a RuntimeWarning.

Parameters
----------
Q, K, V : array_like, shape (L, d)
Z : array_like, shape (r, d)
k : array_like, shape (r,)
causal : bool, optional
feature, degree, features, orthogonal, seed, omega
    The feature map Z and k were computed with, as in feature_map().

Returns
-------
ndarray, shape (L, d))";

inline constexpr const char* compare =
    R"(Exact prefix attention against NTK-Attention: what `ntk-explorer compare` computes.

Either on given arrays (all of Q, K, V, KP, VP) or on the seeded workload of the keyword
parameters (L, d, m, scale, dist, match, mode, seed); the feature map and rank from feature, degree,
features, orthogonal, rank, causal, and omega (FAVOR+ directions, r x d).

Parameters
----------
Q, K, V : array_like, shape (L, d), optional
KP, VP : array_like, shape (m, d), optional
omega : array_like, shape (r, d), optional
memory_budget_mb : float
    Refuse sizes whose arrays would pass it (default 4000, as the command line).
**params
    Parameters of the shared table (see parameters()).

Returns
-------
dict
    Every field of the command line's metrics.json (parameters, errors, prefix mass, Taylor
    bound, limit distance, cost, timings, status, diagnosis, degeneracy, model_note, provenance)
    and the arrays it writes: exact (L, d), approx (L, d), Z (r, d), k (r,), row_error (L,),
    prefix_mass (L,), and Z_A (r, s), Z_B (s, d) with a rank, omega (r, d) for FAVOR+.)";

inline constexpr const char* heads =
    R"(Every layer and query head of a real model: what `ntk-explorer heads --json` prints.

Each query head's captured queries, keys and values are compared with the prefix of the key/value
head it reads (grouped-query attention), as compare() compares arrays (docs/real-models.md).

Parameters
----------
activations : str
    FILE.safetensors with layers.<l>.queries [heads, n, d], layers.<l>.keys [kv_heads, L, d] and
    layers.<l>.values [kv_heads, L, d_v] (a leading batch of one is allowed).
checkpoint : str, optional
    The prefix: a PEFT prefix-tuning folder (adapter_config.json, adapter_model.safetensors).
cache : str, optional
    The prefix: a KV cache, FILE.safetensors with layers.<l>.keys and layers.<l>.values.
tolerance : float
    Relative (Frobenius) error at which a head counts as replaceable (default 0.01).
memory_budget_mb : float
**params
    The comparison's options of the shared table: feature, degree, features, orthogonal, rank,
    causal, precision (the sizes come from the files).

Returns
-------
dict
    heads: one dict per layer and query head (layer, head, kv_head, n, L, m, d, d_v, feature, r,
    rel_fro, max_abs, exact_prefix_mass, ntk_prefix_share, key_anisotropy, key_outlier,
    key_outlier_dim, status); replacement: the heads within the tolerance, the key/value heads
    replaceable and the parameters that saves; parameter_counts: the whole model's prefix,
    NTK-Attention under each map and LoRA (docs/method.md section 10); status.)";

inline constexpr const char* train_heads =
    R"(Z and k trained for every key/value head of a real model: `ntk-explorer train --target
ntk-attention --activations ...`.

Each query head's n captured queries are split: the last n // 4 are held out (with all L input
tokens), the rest train (with the first L - n // 4 tokens, so the causal positions stay the
capture's); every step descends the mean loss over the query heads that read the key/value head.

Parameters
----------
activations : str
checkpoint, cache : str, optional
    As heads(): the capture, and its prefix (a PEFT folder or a KV cache); exactly one prefix.
steps : int
lr : float
optimizer : str
    'adam' or 'gd'.
memory_budget_mb : float
**params
    feature, degree, features, orthogonal, rank, causal, seed (of a rank-s start).

Returns
-------
list of dict
    One per layer and key/value head: layer, kv_head, query_heads, train_queries,
    held_out_queries, m, trained_error and closed_error (held-out max-abs errors of the trained
    and the closed-form Z, k), z_distance, loss (one value per step), Z, k, Z_closed, k_closed,
    status.)";

inline constexpr const char* generate =
    R"(The seeded workload of the keyword parameters, as `ntk-explorer generate` writes it.

Parameters
----------
memory_budget_mb : float
**params
    mode, L, d, m, queries, dv, scale, dist, match (a planted match), seed.

Returns
-------
dict
    Q, K, V (L, d), KP, VP (m, d); projection mode also X (L, d), P (m, d), WQ, WK, WV (d, d).)";

inline constexpr const char* infinite_limit =
    R"(Exact attention's limit as m -> infinity for the workload of the keyword parameters.

docs/method.md section 6 (this program's derivation: the paper's text could not be checked).
Direct mode gives 0; projection mode the closed form for a Gaussian or uniform prefix.

Returns
-------
ndarray, shape (L, d))";

inline constexpr const char* ntk_kernel =
    R"(The stylized model's empirical NTK H(W)/m and its limit H*, with spectra (`ntk-explorer ntk`).

The model is the standard stylized form (docs/method.md section 8); the paper's exact network
could not be checked. Index of the kernels: l n + i (output coordinate major).

Parameters
----------
memory_budget_mb : float
**params
    n, d, m, sigma, seed.

Returns
-------
dict
    X (n, d), Y (n, d), W0 (d, m), a (m, d), empirical (nd, nd), limit (nd, nd),
    empirical_spectrum, limit_spectrum (dicts: eigenvalues ascending, complete, lambda_min,
    lambda_max, condition, effective_rank, trace, frobenius, status), distance
    |H(W)/m - H*|_F / |H*|_F.)";

inline constexpr const char* ntk_concentration =
    R"(The NTK view's concentration series: |H(W)/m - H*|_F / |H*|_F against the width m.

The widths and points the window's NTK tab plots for the same settings.

Parameters
----------
**params
    n, d, m, sigma, seed.

Returns
-------
dict
    m, distance, lambda_min: lists, one entry per width.)";

inline constexpr const char* train_prefix =
    R"(Gradient descent on the stylized model's prefix keys (`ntk-explorer train --target prefix`).

Parameters
----------
**params
    n, d, m, sigma, seed, eta (0 picks 1 / (m lambda_max(H*))), steps.

Returns
-------
dict
    step, loss, lambda_min, weight_movement, compute, predicted_loss_infinite,
    predicted_loss_finite (lists, step 0 first), W (d, m) the keys after training, eta,
    lambda_star, lambda_initial, status.)";

inline constexpr const char* sweep = R"(The comparison over a grid of parameters (`ntk-explorer sweep`).

Parameters
----------
vary : list of str
    Axes as the command line's --vary: 'KEY=a..b', 'KEY=a..b:N', 'KEY=a..b:log2',
    'KEY=a..b:log:N' or 'KEY=v1,v2,...'; the first outermost.
memory_budget_mb : float
    Every point is checked against it before any is computed.
**params
    The fixed parameters.

Returns
-------
dict
    The sweep CSV's columns: NumPy float arrays for numeric columns, lists of str for the
    others (sweep fingerprint, mode, dist, feature, status).)";

inline constexpr const char* scaling = R"(The window's error-against-m series for the keyword parameters.

The prefix lengths and points the Error scaling, Limit and Cost plots draw.

Returns
-------
dict
    m, r, max_abs_error, rel_fro_error, taylor_output_bound (NaN where it does not apply),
    limit_distance, exact_seconds, ntk_seconds, compress_seconds (lists), status.)";

}  // namespace ntk::python::docs
