"""PyTorch's side of bench/train-vs-pytorch.ts: the same two benchmark cases as bench/peers/tfjs-step.ts,
written for PyTorch (Debian python3-torch with libopenblas0-openmp), timed in a process of their own.

Usage: python3 bench/peers/torch_step.py <reference|proposed> <warmup> <steps> <threads> [batch] [cpu|cuda]
       python3 bench/peers/torch_step.py check <reference|proposed> <dir> <threads>
(`batch` is the proposed case's, half labeled and half unlabeled; on cuda, `loss.item()` waits for the step.)
Prints one JSON line: side, backend, settings (BLAS library, its threading and threads, allocator, torch threads,
flush-to-zero, minor page faults per step), msPerStep (median), loss [first, last], peakRssMb.
`check` loads the weights and batch that tfjs-step.ts's `check` wrote to <dir>, decodes the posterior's mean (no
noise) and prints the losses of two training steps, to be compared with tailsweep's.

The bench (train-vs-pytorch.ts) starts this process the way a competent PyTorch user sets up this machine:
OMP_NUM_THREADS = threads, OpenMP OpenBLAS first on the library path, jemalloc preloaded with its purging off
(glibc's malloc, and jemalloc at its default decay, hand every step's large buffers back to the kernel and fault them
in again); here torch's threads are set and denormals are flushed to zero.
"""

import ctypes
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

check_dir = None
if sys.argv[1] == "check":
    case, check_dir, threads, warmup, steps = sys.argv[2], sys.argv[3], int(sys.argv[4]), 0, 0
    batch = 128
    device = torch.device("cpu")
else:
    case, warmup, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 128
    device = torch.device(sys.argv[6] if len(sys.argv) > 6 else "cpu")
torch.set_num_threads(threads)
flush_denormal = torch.set_flush_denormal(True)  # False where the CPU cannot (no SSE3)
torch.manual_seed(1)
posterior_mean = check_dir is not None
if hasattr(torch, "set_default_device"):  # torch ≥ 2.0: every tensor below is made on `device`
    torch.set_default_device(device)
elif device.type != "cpu":
    sys.exit(f"torch {torch.__version__} cannot run on {device}: needs torch >= 2.0")


def mlp(dims):
    """Linear layers with ReLU between them, the last one linear (tailsweep's createMlp)."""
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i + 2 < len(dims):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Reference(nn.Module):
    """The compute notes' reference network; sizes exact, ReLU throughout (as on tailsweep's side)."""

    B, D, Z, K = 128, 784, 32, 10

    def __init__(self):
        super().__init__()
        D, Z, K = self.D, self.Z, self.K
        self.encA, self.encB = mlp([D, 512, 256, 2 * Z]), mlp([D, 512, 256, 2 * Z])
        self.cls = mlp([2 * D, 256, K])
        self.decA, self.decB = mlp([Z + K, 256, 512, D]), mlp([Z + K, 256, 512, D])
        self.xA = (torch.rand(self.B, D) > 0.7).float()
        self.xB = torch.rand(self.B, D)
        self.y = F.one_hot(torch.arange(self.B) % K, K).float()

    def loss(self):
        xA, xB, y = self.xA, self.xB, self.y
        muA, lvA = self.encA(xA).chunk(2, 1)
        muB, lvB = self.encB(xB).chunk(2, 1)
        logits = self.cls(torch.cat([xA, xB], 1))
        ce = -(y * F.log_softmax(logits, 1)).sum()
        pA, pB = torch.exp(-lvA), torch.exp(-lvB)
        prec = 1 + pA + pB  # prior expert N(0, 1)
        mu = (muA * pA + muB * pB) / prec
        logvar = -torch.log(prec)
        z = mu if posterior_mean else mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        kl = 0.5 * (mu.square() + logvar.exp() - logvar - 1).sum()
        zy = torch.cat([z, F.softmax(logits, 1)], 1)
        lA = self.decA(zy)
        recA = (F.softplus(lA) - xA * lA).sum()
        recB = (xB - torch.sigmoid(self.decB(zy))).square().sum()
        return (recA + recB + kl + ce) / self.B


def lgamma_constants(nu, n, m, sigma=1.0):
    """The γ-loss constants (docs/model.md eqs. C0–C7) in float64."""
    log_c = math.lgamma((nu + n) / 2) - math.lgamma(nu / 2) - (n / 2) * (math.log(nu) + math.log(math.pi))
    log_b = -n * math.log(sigma) + log_c + math.log(nu - 2) - math.log(nu + n - 2)
    gamma = -2 / (nu + n + m)
    return {
        "C1": (1 + m / (nu + n - 2)) * math.exp((-gamma / (1 + gamma)) * log_b),
        "tau0": math.exp((2 / (nu + n - 2)) * log_b),
        "detExp": -gamma / (2 * (1 + gamma)),
        "traceCoef": nu / (nu + n - 2),
    }


class Proposed(nn.Module):
    """tailsweep's proposed model at its defaults (docs/model.md eqs. P1, S1, R1, R3, L1, U1, Q1, J):
    two modality encoders taking one-hot(y), Student-t PoE with the τ0 prior expert, γ-loss, the unlabeled term over
    the batch tiled K times, a categorical-PoE classifier, and MVAE sub-sampling (joint + each single modality)."""

    Bl, Bu, n, K, m, nu, clip = batch // 2, batch // 2, 784, 10, 32, 10.0, 10.0

    def __init__(self):
        super().__init__()
        n, K, m = self.n, self.K, self.m
        self.enc = nn.ModuleList([mlp([n + K, 256, 256, 2 * m]) for _ in range(2)])
        self.dec = nn.ModuleList([mlp([m + K, 256, 256, n]) for _ in range(2)])
        self.cls = nn.ModuleList([mlp([n, 256, K]) for _ in range(2)])
        self.xl = [torch.rand(self.Bl, n) for _ in range(2)]
        self.yl = F.one_hot(torch.arange(self.Bl) % K, K).float()
        self.xu = [torch.rand(self.Bu, n) for _ in range(2)]
        self.yu = F.one_hot(torch.arange(K).repeat_interleave(self.Bu), K).float()
        self.xu_tiled = [x.repeat(K, 1) for x in self.xu]
        self.consts = {ns: lgamma_constants(self.nu, ns, m) for ns in (n, 2 * n)}

    def lab_rows(self, xs, y, S, experts):
        n_s = self.n * len(S)
        c = self.consts[n_s]
        parts = [experts[k] for k in S]
        prior_log = math.log(c["tau0"])
        prec = sum(torch.exp(-ls) for _, ls in parts) + math.exp(-prior_log)
        mu = sum(torch.exp(-ls) * mu_k for mu_k, ls in parts) / prec
        log_scale = -torch.log(prec)
        rows = mu.shape[0]
        if posterior_mean:
            z = mu
        else:
            v = torch.distributions.Chi2(torch.tensor(self.nu + n_s, device=mu.device)).sample((rows, 1))
            z = mu + torch.exp(0.5 * log_scale) * torch.randn_like(mu) * torch.sqrt(self.nu / v)
        zy = torch.cat([z, y], 1)
        rec = sum((xs[k] - torch.sigmoid(self.dec[k](zy))).square().sum(1) for k in S)
        reg = (
            mu.square().sum(1)
            + c["traceCoef"] * log_scale.exp().sum(1)
            - self.nu * c["C1"] * torch.exp(c["detExp"] * log_scale.sum(1))
            + self.nu * c["tau0"]
        )
        return 0.5 * (rec + reg) + math.log(self.K)  # −log π_y with a uniform prior

    def experts(self, xs, y):
        out = []
        for k in range(2):
            mu, raw = self.enc[k](torch.cat([xs[k], y], 1)).chunk(2, 1)
            out.append((mu, raw.clamp(-self.clip, self.clip)))
        return out

    def loss(self):
        K, Bu = self.K, self.Bu
        exp_l = self.experts(self.xl, self.yl)
        exp_u = self.experts(self.xu_tiled, self.yu)
        logits_l = [self.cls[k](self.xl[k]) for k in range(2)]
        logits_u = [self.cls[k](self.xu[k]) for k in range(2)]
        total = 0
        for S in ([0, 1], [0], [1]):
            lab = self.lab_rows(self.xl, self.yl, S, exp_l).mean()
            logq = F.log_softmax(sum(logits_u[k] for k in S), 1)
            q = logq.exp()
            lab_u = self.lab_rows(self.xu_tiled, self.yu, S, exp_u).reshape(K, Bu).t()
            unl = ((q * lab_u).sum(1) + (q * logq).sum(1)).mean()
            cls = -(self.yl * F.log_softmax(sum(logits_l[k] for k in S), 1)).sum(1).mean()
            total = total + lab + unl + cls  # α = 1
        return total


def load_case(model, directory):
    """Copies tailsweep's weights and batch (tfjs-step.ts `check`) into the model: a tfjs dense layer `<mlp>/<i>/W` is
    [in, out], torch's Linear weight [out, in]; Linear i of an MLP is module 2i of its Sequential (ReLU between)."""
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    raw = open(os.path.join(directory, "tensors.bin"), "rb").read()
    if isinstance(model, Proposed):
        mlps = {"enc/0": model.enc[0], "enc/1": model.enc[1], "dec/0": model.dec[0], "dec/1": model.dec[1]}
        mlps |= {"cls/0": model.cls[0], "cls/1": model.cls[1]}
    else:
        mlps = {"eA": model.encA, "eB": model.encB, "c": model.cls, "dA": model.decA, "dB": model.decB}
    loaded = 0
    for entry in manifest["tensors"]:
        count = math.prod(entry["shape"])
        values = torch.frombuffer(bytearray(raw[entry["offset"] : entry["offset"] + 4 * count]), dtype=torch.float32)
        values = values.reshape(entry["shape"])
        name = entry["name"]
        if name.startswith("data/"):
            key = name[len("data/") :]
            if isinstance(model, Proposed):
                if key in ("xl0", "xl1"):
                    model.xl[int(key[-1])] = values
                elif key in ("xu0", "xu1"):
                    model.xu[int(key[-1])] = values
                    model.xu_tiled[int(key[-1])] = values.repeat(model.K, 1)
                elif key == "yl":
                    model.yl = values
            else:
                setattr(model, key, values)
            continue
        path = name.split("/", 1)[1] if isinstance(model, Proposed) else name  # drop the instance prefix (vae0/)
        mlp_name, layer, kind = path.rsplit("/", 2)
        linear = mlps[mlp_name][2 * int(layer)]
        with torch.no_grad():
            if kind == "W":
                linear.weight.copy_(values.t())
            else:
                linear.bias.copy_(values)
        loaded += count
    expected = sum(p.numel() for p in model.parameters())
    if loaded != expected:
        sys.exit(f"check: loaded {loaded} weights, the model has {expected}")


def loaded_libraries():
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if "/" in line.split()[-1]})


def blas_settings():
    """The BLAS library the process actually mapped, and OpenBLAS's own account of its build and threads."""
    libs = loaded_libraries()
    blas = [p for p in libs if "blas" in os.path.basename(p)]
    out = {"blasLibraries": blas}
    for path in blas:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            out["openblas"] = lib.openblas_get_config().decode()
            out["openblasThreading"] = {0: "sequential", 1: "pthreads", 2: "openmp"}.get(
                lib.openblas_get_parallel(), "unknown"
            )
            out["openblasThreads"] = lib.openblas_get_num_threads()
            break
        except (OSError, AttributeError):
            continue
    jemalloc = [p for p in libs if "jemalloc" in p]
    out["allocator"] = f"jemalloc ({jemalloc[0]}, MALLOC_CONF={os.environ.get('MALLOC_CONF', '')})" if jemalloc else "glibc malloc"
    if os.environ.get("GLIBC_TUNABLES"):
        out["allocator"] += f", GLIBC_TUNABLES={os.environ['GLIBC_TUNABLES']}"
    return out


model = Proposed() if case == "proposed" else Reference()
if check_dir is not None:
    load_case(model, check_dir)
# ε = 1e-7, tfjs's float32 epsilon, which tailsweep's Adam uses (torch's default is 1e-8)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def step():
    opt.zero_grad(set_to_none=True)
    loss = model.loss()
    loss.backward()
    opt.step()
    return loss.item()


if check_dir is not None:
    print(json.dumps({"side": "pytorch", "loss": [step(), step()]}))
    sys.exit(0)

EARLY_STEPS = 20  # steps 2 to 21 of the warm-up, as in tfjs-step.ts
first = step()
early = []
for _ in range(warmup - 1):
    t0 = time.perf_counter()
    step()
    if len(early) < EARLY_STEPS:
        early.append((time.perf_counter() - t0) * 1e3)
times, last = [], first
faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(steps):
    t0 = time.perf_counter()
    last = step()
    times.append((time.perf_counter() - t0) * 1e3)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
print(
    json.dumps(
        {
            "side": "pytorch",
            "backend": f"torch {torch.__version__}, "
            + (torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"),
            "settings": {
                **blas_settings(),
                "torchThreads": torch.get_num_threads(),
                "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
                "flushToZero": flush_denormal,
                "minorFaultsPerStep": faults / max(steps, 1),
            },
            "msPerStep": statistics.median(times),
            "earlyMsPerStep": statistics.median(early) if early else None,
            "loss": [first, last],
            "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
