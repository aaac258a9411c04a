#!/usr/bin/python3
"""Optuna's side of `gale bench quality --vs-optuna`.

The benchmark functions of dev.gale.bench.quality.BenchObjectives, written again here parameter by
parameter (same names, same order, same noise), run through Optuna's samplers. Prints one JSON
object per line:

  {"function": ..., "sampler": ..., "seed": ..., "regret": {"50": r, "200": r}, "seconds": s}

(seconds: wall-clock time of study.optimize)

where the regret after k trials is max(0, f(best) - f*), f the noise-free value and best the trial
with the lowest value Optuna saw (the observed, possibly noisy, value).

  vs_optuna.py run --functions a,b --samplers random,tpe --seeds 20 --first-seed 1 --trials 200 --at 50,200 --jobs 1
  vs_optuna.py check < points.json     # evaluates given parameter values (for the parity test)
  vs_optuna.py version                 # prints Optuna's version
"""
import argparse
import json
import math
import sys
import time
import warnings

M64 = (1 << 64) - 1


def _mix(z):
    z &= M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def _unit(z):
    return (z >> 11) * 2.0 ** -53


def noise(seed, trial):
    """N(0, 1) for trial `trial` (1-based) of a run with `seed`: dev.gale.bench.quality.Noise."""
    base = (seed * 0x9E3779B97F4A7C15 + trial * 0xD1B54A32D192ED03) & M64
    u1 = _unit(_mix(base + 0x632BE59BD9B4E019))
    u2 = _unit(_mix(base + 0x85157AF5))
    return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)


def floats(t, d, lo, hi):
    return [t.suggest_float("x%d" % (i + 1), lo, hi) for i in range(d)]


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi * math.pi)
    c = 5 / math.pi
    s = 1 / (8 * math.pi)
    u = x2 - b * x1 * x1 + c * x1 - 6
    return u * u + 10 * (1 - s) * math.cos(x1) + 10


H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(t):
    x = floats(t, 6, 0, 1)
    f = 0.0
    for i in range(4):
        e = 0.0
        for j in range(6):
            d = x[j] - H6_P[i][j]
            e += H6_A[i][j] * d * d
        f -= H6_ALPHA[i] * math.exp(-e)
    return f


def rosen(x):
    f = 0.0
    for i in range(len(x) - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1 - x[i]
        f += 100 * a * a + b * b
    return f


def rosenbrock5(t):
    return rosen(floats(t, 5, -5, 10))


def ackley5(t):
    return ackley(floats(t, 5, -32.768, 32.768))


def ackley(x):
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2 * math.pi * v) for v in x)
    d = len(x)
    return max(0.0, -20 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20 + math.e)


def levy10(t):
    x = floats(t, 10, -10, 10)
    d = len(x)
    w = [1 + (v - 1) / 4 for v in x]
    f = math.sin(math.pi * w[0]) ** 2
    for i in range(d - 1):
        si = math.sin(math.pi * w[i] + 1)
        f += (w[i] - 1) * (w[i] - 1) * (1 + 10 * si * si)
    sd = math.sin(2 * math.pi * w[d - 1])
    f += (w[d - 1] - 1) * (w[d - 1] - 1) * (1 + sd * sd)
    return f


def mixed(t):
    x = t.suggest_float("x", -5, 5)
    n = t.suggest_int("n", 1, 10)
    c = t.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1) * (x - 1) + (n - 3) * (n - 3) + {"a": 0, "b": 1, "c": 2}[c]


def camel2(t):
    x1 = t.suggest_float("x1", -3, 3)
    x2 = t.suggest_float("x2", -2, 2)
    return (4 - 2.1 * x1 * x1 + x1 * x1 * x1 * x1 / 3) * x1 * x1 + x1 * x2 + (-4 + 4 * x2 * x2) * x2 * x2


def goldstein2(t):
    x1 = t.suggest_float("x1", -2, 2)
    x2 = t.suggest_float("x2", -2, 2)
    a = 1 + (x1 + x2 + 1) * (x1 + x2 + 1) * (19 - 14 * x1 + 3 * x1 * x1 - 14 * x2 + 6 * x1 * x2 + 3 * x2 * x2)
    b = 30 + (2 * x1 - 3 * x2) * (2 * x1 - 3 * x2) * (18 - 32 * x1 + 12 * x1 * x1 + 48 * x2 - 36 * x1 * x2 + 27 * x2 * x2)
    return a * b


H3_ALPHA = [1.0, 1.2, 3.0, 3.2]
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]


def hartmann3(t):
    x = floats(t, 3, 0, 1)
    f = 0.0
    for i in range(4):
        e = 0.0
        for j in range(3):
            e += H3_A[i][j] * (x[j] - H3_P[i][j]) * (x[j] - H3_P[i][j])
        f -= H3_ALPHA[i] * math.exp(-e)
    return f


SHEKEL_BETA = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]
SHEKEL_C = [[4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
            [4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6]]


def shekel4(t):
    x = floats(t, 4, 0, 10)
    f = 0.0
    for i in range(10):
        s = SHEKEL_BETA[i]
        for j in range(4):
            s += (x[j] - SHEKEL_C[j][i]) * (x[j] - SHEKEL_C[j][i])
        f -= 1 / s
    return f


def michalewicz(t, d):
    x = floats(t, d, 0, math.pi)
    f = 0.0
    for i in range(d):
        f -= math.sin(x[i]) * math.sin((i + 1) * x[i] * x[i] / math.pi) ** 20
    return f


def schwefel(t, d):
    x = floats(t, d, -500, 500)
    f = 418.9828872724338 * d
    for v in x:
        f -= v * math.sin(math.sqrt(abs(v)))
    return f


def michalewicz5(t):
    return michalewicz(t, 5)


def schwefel4(t):
    return schwefel(t, 4)


def zakharov8(t):
    x = floats(t, 8, -5, 5)
    s1 = 0.0
    s2 = 0.0
    for i in range(8):
        s1 += x[i] * x[i]
        s2 += 0.5 * (i + 1) * x[i]
    return s1 + s2 * s2 + s2 * s2 * s2 * s2


def dixonprice10(t):
    x = floats(t, 10, -10, 10)
    f = (x[0] - 1) * (x[0] - 1)
    for i in range(1, 10):
        s = 2 * x[i] * x[i] - x[i - 1]
        f += (i + 1) * s * s
    return f


CORNER6_C = [1.25, -0.25, 1.1, -0.1, 0.7, 1.3]


def corner6_at(x):
    f = 0.0
    for i in range(6):
        f += (x[i] - CORNER6_C[i]) * (x[i] - CORNER6_C[i])
    a = x[0] + x[2] - 2
    b = x[1] + x[3]
    return f + 0.5 * a * a + 0.5 * b * b


def corner6(t):
    return corner6_at(floats(t, 6, 0, 1))


def ellipsoid20(t):
    x = floats(t, 20, -5, 5)
    f = 0.0
    for i in range(20):
        o = 3 * ((i % 3) - 1) + 0.5
        f += math.pow(10, 3.0 * i / 19) * (x[i] - o) * (x[i] - o)
    return f


def intmix7(t):
    n1 = t.suggest_int("n1", 0, 20)
    n2 = t.suggest_int("n2", 0, 20)
    n3 = t.suggest_int("n3", 1, 64)
    n4 = t.suggest_int("n4", 1, 64)
    n5 = t.suggest_int("n5", -10, 10)
    n6 = t.suggest_int("n6", 0, 3)
    x = t.suggest_float("x", 0, 1)
    a = n1 - 13
    b = n2 - 4
    l3 = math.log(n3) / math.log(2) - 3
    l4 = (math.log(n4) - math.log(45)) / math.log(2)
    return (0.05 * a * a + 0.05 * b * b + 0.03 * a * b + l3 * l3 + 0.5 * l4 * l4 + 0.1 * abs(n5 - 7)
            + (0 if n6 == 2 else 0.3 + 0.1 * n6) + 4 * (x - 0.3) * (x - 0.3))


ABCD = ["a", "b", "c", "d"]
CATMIX_T = [[0.4, 0, 0.9, 0.3], [0.5, 0.2, 0, 0.7], [0, 0.6, 0.3, 0.8], [0.2, 0.9, 0.5, 0], [0.3, 0.3, 0, 0.6]]


def catmix7(t):
    f = 0.0
    c = []
    for k in range(5):
        c.append(ABCD.index(t.suggest_categorical("c%d" % (k + 1), ABCD)))
        f += CATMIX_T[k][c[k]]
    if c[0] == 1 and c[1] == 2:
        f += 0.8
    if c[0] == 3 and c[1] == 1:
        f -= 0.6
    x1 = t.suggest_float("x1", 0, 1) - 0.7
    x2 = t.suggest_float("x2", 0, 1) - 0.2
    return f + x1 * x1 + x2 * x2 + 0.5 * x1 * x2


KERNELS = ["linear", "poly", "rbf", "sigmoid", "laplace"]
NORMS = ["none", "l1", "l2", "max"]
SOLVERS = ["lbfgs", "sgd", "adam"]
CATINTER_K = [0.5, 0.3, 0, 0.6, 0.2]
CATINTER_U = [[0.4, 0.6, 0.5], [0.3, 0.2, 0.45], [0.1, 0.5, 0.0], [0.35, 0.25, 0.3]]
CATINTER_LOC = [[0.1, 0.9, 0.5], [0.3, 0.3, 0.3], [0.8, 0.2, 0.6], [0.5, 0.5, 0.9], [0.2, 0.7, 0.1]]


def catinter6(t):
    k = KERNELS.index(t.suggest_categorical("kernel", KERNELS))
    nm = NORMS.index(t.suggest_categorical("norm", NORMS))
    so = SOLVERS.index(t.suggest_categorical("solver", SOLVERS))
    f = CATINTER_K[k] + CATINTER_U[nm][so]
    for j in range(3):
        y = t.suggest_float("y%d" % (j + 1), 0, 1) - CATINTER_LOC[k][j]
        f += (j + 1) * y * y
    return f


BATCHES = [16, 32, 64, 128, 256]
OPTIMIZERS = ["sgd", "adam", "rmsprop"]
OPT_LR = [-1.3, -3.2, -3.5]
OPT_BASE = [0.05, 0, 0.02]


def hpo6(t):
    lr = math.log10(t.suggest_float("lr", 1e-5, 1, log=True))
    batch = t.suggest_categorical("batch", BATCHES)
    layers = t.suggest_int("layers", 1, 6)
    units = t.suggest_int("units", 16, 512, step=16)
    dropout = t.suggest_float("dropout", 0, 0.7)
    opt = OPTIMIZERS.index(t.suggest_categorical("optimizer", OPTIMIZERS))
    lb = math.log(batch / 64) / math.log(2)
    lc = math.log(layers * units / 768.0) / math.log(2)
    opt_lr = OPT_LR[opt] + 0.15 * lb
    opt_drop = min(0.7, max(0.0, 0.15 + 0.08 * lc))
    return (0.1 + OPT_BASE[opt] + 0.25 * (lr - opt_lr) * (lr - opt_lr) + 0.05 * lc * lc
            + 0.5 * (dropout - opt_drop) * (dropout - opt_drop) + 0.01 * abs(lb))


def cond_branch(t):
    model = t.suggest_categorical("model", ["linear", "tree", "net"])
    if model == "linear":
        a = math.log10(t.suggest_float("linear_alpha", 1e-6, 10, log=True)) + 2
        l1 = t.suggest_float("linear_l1", 0, 1) - 0.8
        return 0.3 + 0.05 * a * a + 0.2 * l1 * l1
    if model == "tree":
        d = t.suggest_int("tree_depth", 1, 20) - 12
        lf = t.suggest_int("tree_leaf", 1, 50) - 5
        ft = t.suggest_float("tree_feat", 0.1, 1) - 0.45
        return 0.2 + 0.002 * d * d + 0.0004 * lf * lf + 0.3 * ft * ft
    lr = math.log10(t.suggest_float("net_lr", 1e-5, 1e-1, log=True)) + 3.3
    w = math.log(t.suggest_int("net_width", 8, 256) / 96.0) / math.log(2)
    dr = t.suggest_float("net_drop", 0, 0.5) - 0.2
    return 0.1 + 0.15 * lr * lr + 0.05 * w * w + 0.4 * dr * dr


ACTS = ["relu", "tanh", "sigmoid"]
ACT_COST = [0, 0.05, 0.15]


def cond_layers(t):
    layers = t.suggest_int("layers", 1, 4)
    s = 0.0
    for i in range(1, layers + 1):
        w = t.suggest_float("w%d" % i, 0, 1) - (1 - 0.2 * i)
        act = t.suggest_categorical("act%d" % i, ACTS)
        s += w * w + ACT_COST[ACTS.index(act)]
    lr = math.log10(t.suggest_float("lr", 1e-4, 1e-1, log=True)) + 2
    return 0.5 * abs(layers - 3) / 3 + s / layers + 0.1 * lr * lr


HOLDER2_MIN = -19.20850256788675


def holder2(t):
    x1 = t.suggest_float("x1", -10, 10)
    x2 = t.suggest_float("x2", -10, 10)
    return -abs(math.sin(x1) * math.cos(x2) * math.exp(abs(1 - math.sqrt(x1 * x1 + x2 * x2) / math.pi)))


STYBLINSKI3_MIN = 3 * -39.166165703771415


def styblinski3(t):
    x = floats(t, 3, -5, 5)
    f = 0.0
    for v in x:
        f += 0.5 * (v * v * v * v - 16 * v * v + 5 * v)
    return f


RASTRIGIN6_SHIFT = [1.7, -2.3, 0.9, 3.1, -1.2, 2.5]


def rastrigin6(t):
    x = floats(t, 6, -5.12, 5.12)
    f = 60.0
    for i in range(6):
        z = x[i] - RASTRIGIN6_SHIFT[i]
        f += z * z - 10 * math.cos(2 * math.pi * z)
    return f


def trid10(t):
    x = floats(t, 10, -100, 100)
    f = 0.0
    for i in range(10):
        f += (x[i] - 1) * (x[i] - 1)
        if i > 0:
            f -= x[i] * x[i - 1]
    return f


EDGE12_C = [1.3, -0.2, 0.5, 1.1, -0.4, 0.35, 1.25, 0.6, -0.1, 0.8, 1.5, 0.25]


def edge12_at(x):
    f = 0.0
    for i in range(12):
        f += (1 + i / 3.0) * (x[i] - EDGE12_C[i]) * (x[i] - EDGE12_C[i])
    a = x[2] + x[5] - 0.85
    b = x[7] - x[9] + 0.2
    return f + 2 * a * a + 2 * b * b


def edge12(t):
    return edge12_at(floats(t, 12, 0, 1))


def intsvm5(t):
    c = t.suggest_int("log2_c", -5, 15)
    g = t.suggest_int("log2_gamma", -15, 3)
    degree = t.suggest_int("degree", 1, 5)
    trees = t.suggest_int("trees", 10, 500, step=10)
    tol = math.log10(t.suggest_float("tol", 1e-5, 1e-1, log=True)) + 3.5
    a = c - 6
    b = g + 7
    tr = math.log(trees / 220.0)
    return 0.02 * a * a + 0.03 * b * b + 0.02 * a * b + 0.1 * abs(degree - 3) + 0.3 * tr * tr + 0.05 * tol * tol


ABC = ["a", "b", "c"]
CATPAIR_T = [[0.3, 0, 0.5], [0.2, 0.4, 0], [0.6, 0.1, 0.3], [0, 0.5, 0.2], [0.4, 0.2, 0], [0.1, 0, 0.6]]


def catpair8(t):
    f = 0.0
    c = []
    for k in range(6):
        c.append(ABC.index(t.suggest_categorical("c%d" % (k + 1), ABC)))
        f += CATPAIR_T[k][c[k]]
    if c[0] == c[1]:
        f -= 0.5
    if c[2] == 2 and c[3] == 1:
        f -= 0.9
    z1 = t.suggest_float("z1", 0, 1) - (0.35 if c[4] == 2 else 0.65)
    z2 = t.suggest_float("z2", 0, 1) - 0.8
    return f + z1 * z1 + 2 * z2 * z2


def cond_opt(t):
    opt = t.suggest_categorical("optimizer", ["sgd", "adam", "lbfgs"])
    if opt == "sgd":
        lr = math.log10(t.suggest_float("sgd_lr", 1e-4, 1, log=True)) + 1.5
        m = t.suggest_float("sgd_momentum", 0, 0.99) - 0.9
        nesterov = t.suggest_categorical("sgd_nesterov", ["yes", "no"])
        return 0.15 + 0.1 * lr * lr + 0.5 * m * m + (0 if nesterov == "yes" else 0.03)
    if opt == "adam":
        lr = math.log10(t.suggest_float("adam_lr", 1e-5, 1e-1, log=True)) + 3.4
        b1 = t.suggest_float("adam_beta1", 0.5, 0.999) - 0.88
        eps = math.log10(t.suggest_float("adam_eps", 1e-10, 1e-4, log=True)) + 8
        return 0.1 + 0.12 * lr * lr + 0.4 * b1 * b1 + 0.005 * eps * eps
    h = t.suggest_int("lbfgs_history", 3, 50) - 20
    lr = math.log10(t.suggest_float("lbfgs_lr", 0.01, 1, log=True)) + 0.3
    return 0.13 + 0.0002 * h * h + 0.2 * lr * lr


HARTMANN3_MIN = -3.862779787332663
MICHALEWICZ2_MIN = -1.8013034100985532
ACKLEY3_SHIFT = [7.3, -11.1, 4.2]


def levy3(t):
    x = floats(t, 3, -10, 10)
    w = [1 + (v - 1) / 4 for v in x]
    f = math.sin(math.pi * w[0]) ** 2
    for i in range(2):
        f += (w[i] - 1) * (w[i] - 1) * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return f + (w[2] - 1) * (w[2] - 1) * (1 + math.sin(2 * math.pi * w[2]) ** 2)


def michalewicz2(t):
    return michalewicz(t, 2)


def ackley3_shifted(t):
    x = floats(t, 3, -32.768, 32.768)
    return ackley([x[i] - ACKLEY3_SHIFT[i] for i in range(3)])


def schwefel2(t):
    return schwefel(t, 2)


# name -> (function, optimum f*, noise standard deviation)
FUNCTIONS = {
    "branin": (branin, 0.397887, 0),
    "hartmann6": (hartmann6, -3.32237, 0),
    "rosenbrock5": (rosenbrock5, 0, 0),
    "ackley5": (ackley5, 0, 0),
    "levy10": (levy10, 0, 0),
    "mixed": (mixed, 0, 0),
    "camel2": (camel2, -1.0316284534898776, 0),
    "goldstein2": (goldstein2, 3, 0),
    "hartmann3": (hartmann3, HARTMANN3_MIN, 0),
    "hartmann3-noisy": (hartmann3, HARTMANN3_MIN, 0.05),
    "shekel4": (shekel4, -10.536443153483532, 0),
    "michalewicz5": (michalewicz5, -4.687658179088149, 0),
    "schwefel4": (schwefel4, 0, 0),
    "zakharov8": (zakharov8, 0, 0),
    "dixonprice10": (dixonprice10, 0, 0),
    "corner6": (corner6, corner6_at([1, 0, 1, 0, 0.7, 1]), 0),
    "ellipsoid20": (ellipsoid20, 0, 0),
    "intmix7": (intmix7, 0, 0),
    "catmix7": (catmix7, -0.1, 0),
    "catinter6": (catinter6, 0, 0),
    "hpo6": (hpo6, 0.1, 0),
    "hpo6-noisy": (hpo6, 0.1, 0.02),
    "cond-branch": (cond_branch, 0.1, 0),
    "cond-layers": (cond_layers, 0, 0),
    "holder2": (holder2, HOLDER2_MIN, 0),
    "styblinski3": (styblinski3, STYBLINSKI3_MIN, 0),
    "styblinski3-noisy": (styblinski3, STYBLINSKI3_MIN, 1.0),
    "rastrigin6": (rastrigin6, 0, 0),
    "trid10": (trid10, -210, 0),
    "edge12": (edge12, edge12_at([1, 0, 0.5, 1, 0, 0.35, 1, 0.6, 0, 0.8, 1, 0.25]), 0),
    "intsvm5": (intsvm5, 0, 0),
    "catpair8": (catpair8, -0.2, 0),
    "cond-opt": (cond_opt, 0.1, 0),
    "levy3": (levy3, 0, 0),
    "michalewicz2": (michalewicz2, MICHALEWICZ2_MIN, 0),
    "ackley3-shifted": (ackley3_shifted, 0, 0),
    "schwefel2": (schwefel2, 0, 0),
}


class FixedTrial:
    """Answers each suggest_* from a dict (for `check`); records the names asked."""

    def __init__(self, params):
        self.params = params
        self.asked = []

    def _get(self, name):
        self.asked.append(name)
        return self.params[name]

    def suggest_float(self, name, low, high, log=False, step=None):
        return float(self._get(name))

    def suggest_int(self, name, low, high, step=1, log=False):
        return int(self._get(name))

    def suggest_categorical(self, name, choices):
        v = self._get(name)
        for c in choices:
            if c == v:
                return c
        raise ValueError("%s = %r is not one of %r" % (name, v, choices))


def check():
    out = []
    for p in json.load(sys.stdin):
        fn, _, _ = FUNCTIONS[p["function"]]
        t = FixedTrial(p["params"])
        out.append({"function": p["function"], "value": fn(t), "asked": t.asked})
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def make_sampler(optuna, name, seed):
    s = optuna.samplers
    if name == "random":
        return s.RandomSampler(seed=seed)
    if name == "tpe":
        return s.TPESampler(seed=seed)
    if name == "tpe-multivariate":
        return s.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        return s.CmaEsSampler(seed=seed)
    if name == "qmc":
        return s.QMCSampler(seed=seed, scramble=True)
    raise ValueError("unknown Optuna sampler %r: use random, tpe, tpe-multivariate, cmaes, qmc" % name)


def run_one(job):
    fname, sampler, seed, trials, at = job
    warnings.filterwarnings("ignore")
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    fn, optimum, sd = FUNCTIONS[fname]
    truth = {}

    def objective(trial):
        v = fn(trial)
        truth[trial.number] = v
        return v + sd * noise(seed, trial.number + 1) if sd > 0 else v

    study = optuna.create_study(sampler=make_sampler(optuna, sampler, seed))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - t0
    best_obs = math.inf
    best_true = math.nan
    regret = {}
    marks = set(at)
    for t in sorted(study.trials, key=lambda t: t.number):
        if t.value is not None and t.value < best_obs:
            best_obs = t.value
            best_true = truth[t.number]
        if t.number + 1 in marks:
            regret[str(t.number + 1)] = max(0.0, best_true - optimum)
    return {"function": fname, "sampler": sampler, "seed": seed, "regret": regret, "seconds": seconds}


def run(args):
    functions = [f for f in args.functions.split(",") if f]
    samplers = [s for s in args.samplers.split(",") if s]
    at = sorted({int(a) for a in args.at.split(",") if a})
    for f in functions:
        if f not in FUNCTIONS:
            sys.exit("unknown function %r: use one of %s" % (f, ", ".join(FUNCTIONS)))
    jobs = [(f, s, seed, args.trials, at) for f in functions for s in samplers
            for seed in range(args.first_seed, args.first_seed + args.seeds)]
    if args.jobs > 1:
        import multiprocessing
        with multiprocessing.Pool(args.jobs) as pool:
            for r in pool.imap(run_one, jobs):
                print(json.dumps(r), flush=True)
    else:
        for j in jobs:
            print(json.dumps(run_one(j)), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--functions", required=True)
    r.add_argument("--samplers", default="random,tpe,tpe-multivariate,cmaes,qmc")
    r.add_argument("--seeds", type=int, default=20)
    r.add_argument("--first-seed", type=int, default=1)
    r.add_argument("--trials", type=int, default=200)
    r.add_argument("--at", default="50,200")
    r.add_argument("--jobs", type=int, default=1)
    sub.add_parser("check")
    sub.add_parser("version")
    a = p.parse_args()
    if a.cmd == "check":
        check()
    elif a.cmd == "version":
        import optuna
        print(optuna.__version__)
    else:
        run(a)


if __name__ == "__main__":
    main()
