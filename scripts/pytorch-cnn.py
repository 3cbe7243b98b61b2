# PyTorch timings of the TF.js MNIST example CNN's layers at batch 64 (conv 3x3 16-32-32, 2x2 max-pools, dense 288-64-10),
# per kernel and pass, in GFLOP/s, to set beside `node dist/bench/conv.js`. Also a whole training step per image.
# Usage: taskset -c 0 /usr/bin/python3 scripts/pytorch-cnn.py [threads] [--channels-last]
#        (Debian: apt-get install python3-torch libopenblas0-pthread)
import sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1)
fmt = torch.channels_last if '--channels-last' in sys.argv else torch.contiguous_format
B = 64
torch.manual_seed(0)

def median_ms(fn, min_s=0.4):
    for _ in range(3): fn()
    ts = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_s or len(ts) < 5:
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3

def row(name, flops, ms):
    print(f'{name:40s} {ms:8.3f} ms {flops / ms / 1e6:7.1f} GFLOP/s')

# (name, H, W, Cin, Cout): 3x3 valid, stride 1.
convs = [('conv1 28x28x1->16', 28, 28, 1, 16), ('conv2 13x13x16->32', 13, 13, 16, 32), ('conv3 5x5x32->32', 5, 5, 32, 32)]
print(f'pytorch {torch.__version__}, {torch.get_num_threads()} thread(s), memory format {fmt}')
for name, H, W, C, O in convs:
    x = torch.randn(B, C, H, W).to(memory_format=fmt)
    w = torch.randn(O, C, 3, 3).to(memory_format=fmt)
    y = F.conv2d(x, w)
    dy = torch.randn_like(y)
    flops = 2 * B * y.shape[2] * y.shape[3] * O * C * 9
    with torch.no_grad():
        row(f'{name} forward', flops, median_ms(lambda: F.conv2d(x, w)))
    bw = lambda mask: torch.ops.aten.convolution_backward(dy, x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, mask)
    row(f'{name} backprop-input', flops, median_ms(lambda: bw([True, False, False])))
    row(f'{name} backprop-filter', flops, median_ms(lambda: bw([False, True, False])))
for name, H, C in [('maxpool 26x26x16', 26, 16), ('maxpool 11x11x32', 11, 32)]:
    x = torch.randn(B, C, H, H).to(memory_format=fmt).requires_grad_()
    y = F.max_pool2d(x, 2, 2)
    dy = torch.randn_like(y)
    elems = B * C * H * H
    with torch.no_grad():
        ms = median_ms(lambda: F.max_pool2d(x, 2, 2))
    print(f'{name + " forward":40s} {ms:8.3f} ms {elems / ms / 1e6:7.2f} Gelem/s (input)')
    ms = median_ms(lambda: torch.autograd.grad(F.max_pool2d(x, 2, 2), x, dy))
    print(f'{name + " forward+backward":40s} {ms:8.3f} ms {elems / ms / 1e6:7.2f} Gelem/s (input)')

# Whole model, one training step (RMSprop as in the TF.js example) and inference, per image.
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
    torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
    torch.nn.Conv2d(32, 32, 3), torch.nn.ReLU(), torch.nn.Flatten(),
    torch.nn.Linear(288, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).to(memory_format=fmt)
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
x = torch.rand(B, 1, 28, 28).to(memory_format=fmt)
labels = torch.randint(0, 10, (B,))
def step():
    opt.zero_grad(); F.cross_entropy(model(x), labels).backward(); opt.step()
ms = median_ms(step, 1.0)
print(f'{"training step, batch 64":40s} {ms:8.3f} ms {ms * 1e3 / B:7.1f} us/image')
xi = torch.rand(1000, 1, 28, 28).to(memory_format=fmt)
with torch.no_grad():
    ms = median_ms(lambda: model(xi), 1.0)
print(f'{"inference, batch 1000":40s} {ms:8.3f} ms {ms * 1e3 / 1000:7.1f} us/image')
