# PyTorch DDP side of `gale bench train`: the same 784-256-10 MLP (Adam 1e-3, batch 128 per rank,
# synthetic data, 1 thread per process) bare, under DDP with 1 and 2 ranks (gloo, CPU), and gloo's
# all-reduce bus bandwidth at 1-64 MiB with 2 ranks. Prints RESULT lines for the Java side.
import os, sys, time, socket
try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
except ImportError:
    print("NO_TORCH")
    sys.exit(0)

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 400
WARMUP = 30
BATCH = 128


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def model():
    return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


def train(rank, world, port, ddp, q):
    torch.set_num_threads(1)
    torch.manual_seed(17 + rank)
    if ddp:
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        os.environ["MASTER_PORT"] = str(port)
        dist.init_process_group("gloo", rank=rank, world_size=world)
    m = model()
    if ddp:
        m = torch.nn.parallel.DistributedDataParallel(m)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    xs = [torch.rand(BATCH, 784) for _ in range(16)]
    ys = [torch.randint(0, 10, (BATCH,)) for _ in range(16)]
    t0 = 0
    for s in range(WARMUP + STEPS):
        if s == WARMUP:
            if ddp:
                dist.barrier()
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = lossf(m(xs[s % 16]), ys[s % 16])
        loss.backward()
        opt.step()
    if ddp:
        dist.barrier()
    sec = time.perf_counter() - t0
    if rank == 0:
        q.put(world * BATCH * STEPS / sec)
    if ddp:
        dist.destroy_process_group()


def allreduce(rank, world, port, q):
    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    out = {}
    for mib in (1, 4, 16, 64):
        t = torch.ones(mib * 1048576 // 4)
        times = []
        for k in range(12):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            if k >= 2:
                times.append(time.perf_counter() - t0)
        times.sort()
        out[mib] = times[len(times) // 2]
    if rank == 0:
        q.put(out)
    dist.destroy_process_group()


def run(fn, world, *args):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    port = free_port()
    ps = [ctx.Process(target=fn, args=(r, world, port) + args + (q,)) for r in range(world)]
    for p in ps:
        p.start()
    v = q.get(timeout=600)
    for p in ps:
        p.join(60)
    return v


if __name__ == "__main__":
    print("torch", torch.__version__)
    bare = run(train, 1, False)
    one = run(train, 1, True)
    two = run(train, 2, True)
    print("bare %.0f samples/s, DDP 1 rank %.0f (%+.1f %%), DDP 2 ranks %.0f (%.2fx)" % (bare, one, (one - bare) / bare * 100, two, two / bare))
    ar = run(allreduce, 2)
    print("gloo all-reduce, 2 ranks: " + ", ".join("%d MiB %.2f GB/s" % (m, m * 1048576 / s / 1e9) for m, s in ar.items()))
    print("RESULT scaling %.4f" % (two / bare))
    print("RESULT busbw64 %.1f" % (64 * 1048576 / ar[64]))
