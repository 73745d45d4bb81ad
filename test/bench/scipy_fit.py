# Baseline for `npm run bench`: scipy's L-BFGS-B fit of the same likelihoods (BG/NBD, MBG/NBD and
# Pareto/NBD as lifetimes writes them): python3 scipy_fit.py SUMMARY.csv RUNS MODEL
import json, sys, time
import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
x, tx, T = data[:, 1], data[:, 2], data[:, 3]
model = sys.argv[3] if len(sys.argv) > 3 else "bgnbd"

def bgnbd(log_params):
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return -(a1 + a2 + np.logaddexp(a3, a4)).sum() / len(x)

def mbgnbd(log_params):
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
    return -(a1 + a2 + np.logaddexp(a3, a4)).sum() / len(x)

def pareto(log_params):
    r, alpha, s, beta = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    lo, hi, t = (alpha, beta, r + x) if alpha < beta else (beta, alpha, s + 1)
    rsx = r + s + x
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.log(hyp2f1(rsx, t, rsx + 1, (hi - lo) / (hi + tx))) - rsx * np.log(hi + tx)
        p2 = np.log(hyp2f1(rsx, t, rsx + 1, (hi - lo) / (hi + T))) - rsx * np.log(hi + T)
        log_a0 = p1 + np.log1p(-np.exp(p2 - p1))
        a2 = np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T), np.log(s) + log_a0 - np.log(rsx))
    return -(a1 + a2).sum() / len(x)

nll = {"bgnbd": bgnbd, "mbgnbd": mbgnbd, "paretoNbd": pareto}[model]
start = np.log([1.0, max(T.mean() / 4, 1e-3), 1.0, max(T.mean() / 4, 1e-3)] if model == "paretoNbd" else [1.0, max(T.mean() / 4, 1e-3), 1.0, 1.0])

def fit():
    return minimize(nll, start, method="L-BFGS-B")

fit()
runs = []
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 20):
    t0 = time.perf_counter()
    res = fit()
    runs.append(time.perf_counter() - t0)
runs.sort()
print(json.dumps({"ms": runs[len(runs) // 2] * 1000, "params": np.exp(res.x).tolist(), "ll": -res.fun * len(x)}))
