# PyTorch timings of the TF.js MNIST example CNN's layers at batch 64 (conv 3x3 16-32-32 valid, 2x2 max-pools,
# dense 288-64-10): each kernel's forward, backprop-input and backprop-filter, in PyTorch's default (NCHW) and
# channels-last memory formats, plus a whole training step and inference per image. Compare with
# `node dist/bench/conv.js --pytorch` (which runs this script itself and prints ratios).
# Usage: taskset -c 0 /usr/bin/python3 scripts/pytorch-cnn.py [threads] [--json] [--quick] [--min]
#        (Debian: apt-get install python3-torch libopenblas0-pthread)
import json, sys, time, torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1
torch.set_num_threads(threads)
MIN_S = 0.15 if '--quick' in sys.argv else 0.5
# --min: report the fastest call instead of the median (on a machine other jobs load, the minimum varies less).
STAT_MIN = '--min' in sys.argv
B = 64
torch.manual_seed(0)


def median_ms(fn, min_s=MIN_S):
    for _ in range(3):
        fn()
    ts = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_s or len(ts) < 5:
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return (ts[0] if STAT_MIN else ts[len(ts) // 2]) * 1e3


def conv_rows(fmt):
    rows = []
    for layer, H, C, O in [('conv1', 28, 1, 16), ('conv2', 13, 16, 32), ('conv3', 5, 32, 32)]:
        x = torch.randn(B, C, H, H).to(memory_format=fmt)
        w = torch.randn(O, C, 3, 3).to(memory_format=fmt)
        dy = torch.randn_like(F.conv2d(x, w))
        bw = lambda mask: torch.ops.aten.convolution_backward(dy, x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, mask)
        with torch.no_grad():
            rows.append((layer, 'forward', median_ms(lambda: F.conv2d(x, w))))
        rows.append((layer, 'backprop-input', median_ms(lambda: bw([True, False, False]))))
        rows.append((layer, 'backprop-filter', median_ms(lambda: bw([False, True, False]))))
    for layer, H, C in [('pool1', 26, 16), ('pool2', 11, 32)]:
        x = torch.randn(B, C, H, H).to(memory_format=fmt)
        y, idx = torch.ops.aten.max_pool2d_with_indices(x, [2, 2], [2, 2])
        dy = torch.randn_like(y)
        with torch.no_grad():
            rows.append((layer, 'forward', median_ms(lambda: F.max_pool2d(x, 2, 2))))
        rows.append((layer, 'backprop-input', median_ms(
            lambda: torch.ops.aten.max_pool2d_with_indices_backward(dy, x, [2, 2], [2, 2], [0, 0], [1, 1], False, idx))))
    for layer, K, N in [('dense1', 288, 64), ('dense2', 64, 10)]:
        x, w, dy = torch.randn(B, K), torch.randn(N, K), torch.randn(B, N)
        rows.append((layer, 'forward', median_ms(lambda: F.linear(x, w))))
        rows.append((layer, 'backprop-input', median_ms(lambda: dy @ w)))
        rows.append((layer, 'backprop-filter', median_ms(lambda: dy.t() @ x)))
    return rows


def model_rows(fmt):
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
        torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
        torch.nn.Conv2d(32, 32, 3), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(288, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).to(memory_format=fmt)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    x = torch.rand(B, 1, 28, 28).to(memory_format=fmt)
    labels = torch.randint(0, 10, (B,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()
    train_us = median_ms(step, 2 * MIN_S) * 1e3 / B
    xi = torch.rand(1000, 1, 28, 28).to(memory_format=fmt)
    with torch.no_grad():
        infer_us = median_ms(lambda: model(xi), 2 * MIN_S) * 1e3 / 1000
    return train_us, infer_us


result = {'version': torch.__version__, 'threads': threads, 'formats': {}}
for name, fmt in [('nchw', torch.contiguous_format), ('nhwc', torch.channels_last)]:
    rows = conv_rows(fmt)
    train_us, infer_us = model_rows(fmt)
    result['formats'][name] = {'kernels': {f'{l} {p}': ms for l, p, ms in rows}, 'train_us_per_image': train_us, 'infer_us_per_image': infer_us}

if '--json' in sys.argv:
    print('@@json ' + json.dumps(result))
else:
    print(f'pytorch {torch.__version__}, {threads} thread(s); milliseconds per call at batch 64')
    nchw, nhwc = result['formats']['nchw'], result['formats']['nhwc']
    for key in nchw['kernels']:
        print(f'{key:32s} NCHW {nchw["kernels"][key]:8.3f}  channels-last {nhwc["kernels"][key]:8.3f}')
    for f in ('nchw', 'nhwc'):
        r = result['formats'][f]
        print(f'{f}: training step {r["train_us_per_image"]:.1f} us/image, inference (batch 1000) {r["infer_us_per_image"]:.1f} us/image')
