# Baseline for `npm run bench`: scipy's L-BFGS-B fit of the same BG/NBD likelihood (as lifetimes writes it).
import json, sys, time
import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
x, tx, T = data[:, 1], data[:, 2], data[:, 3]

def nll(log_params):
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return -(a1 + a2 + np.logaddexp(a3, a4)).sum() / len(x)

def fit():
    return minimize(nll, np.log([1.0, max(T.mean() / 4, 1e-3), 1.0, 1.0]), method="L-BFGS-B")

fit()
runs = []
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 20):
    t0 = time.perf_counter()
    res = fit()
    runs.append(time.perf_counter() - t0)
runs.sort()
print(json.dumps({"ms": runs[len(runs) // 2] * 1000, "params": np.exp(res.x).tolist(), "ll": -res.fun * len(x)}))
