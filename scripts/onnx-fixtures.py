"""PyTorch models exported with torch.onnx.export, for glassbox's ONNX import tests.

Usage: python3 scripts/onnx-fixtures.py OUT_DIR
Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.json: the input it was run on and PyTorch's output (eval mode).
Deterministic: every model and input comes from a fixed seed.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Mlp(nn.Module):
    """The usual classifier: flatten, Linear-ReLU, Dropout, Linear-Tanh, Linear, softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.fc1(x)))
        x = torch.tanh(self.fc2(x))
        return F.softmax(self.fc3(x), dim=1)


class Activations(nn.Module):
    """Activation options: GELU (exported as Erf), LeakyReLU and ELU with their own slopes, ReLU6, sigmoid, log-softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 24)
        self.fc2 = nn.Linear(24, 24)
        self.fc3 = nn.Linear(24, 16)
        self.fc4 = nn.Linear(16, 16)
        self.fc5 = nn.Linear(16, 5)
        self.prelu = nn.PReLU(16, init=0.15)

    def forward(self, x):
        x = F.gelu(self.fc1(x))
        x = F.leaky_relu(self.fc2(x), 0.1)
        x = F.elu(self.fc3(x), alpha=0.5)
        x = self.prelu(F.relu6(self.fc4(x)) - 3)
        return F.log_softmax(torch.sigmoid(self.fc5(x)) * 4, dim=1)


class Cnn(nn.Module):
    """Conv-BN-ReLU-MaxPool (ceil mode), a strided padded conv, average pooling, x.view(x.size(0), -1), two Linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(12 * 2 * 2, 20)
        self.fc2 = nn.Linear(20, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2, ceil_mode=True)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


class Residual(nn.Module):
    """A residual block (skip connection), a depthwise conv, concatenated branches, padded average pooling, global average pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.depthwise = nn.Conv2d(8, 16, 3, padding=1, groups=8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(24, 4)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        r = F.relu(x + self.b(F.relu(self.a(x))))
        y = torch.cat([r, torch.sigmoid(self.depthwise(r))], dim=1)
        y = F.avg_pool2d(y, kernel_size=3, stride=2, padding=1)
        return self.head(torch.flatten(self.pool(y), 1))


def settle_batch_norm(model, shape):
    """A few training-mode passes so batch-norm statistics move off 0 and 1, then eval mode."""
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, *shape))
    model.eval()


def export(model, name, shape, out, opset, dynamic=True, preserve=False):
    torch.manual_seed(100)
    x = torch.randn(5, *shape)
    model.eval()
    with torch.no_grad():
        y = model(x)
    kwargs = dict(input_names=['input'], output_names=['output'], opset_version=opset)
    if dynamic:
        kwargs['dynamic_axes'] = {'input': {0: 'batch'}, 'output': {0: 'batch'}}
    if preserve:
        # Keeps BatchNormalization nodes instead of folding them into the convolution before.
        kwargs['training'] = torch.onnx.TrainingMode.PRESERVE
        kwargs['do_constant_folding'] = False
    torch.onnx.export(model, x[:2], f'{out}/{name}.onnx', **kwargs)
    with open(f'{out}/{name}.json', 'w') as f:
        json.dump({'input': x.flatten().tolist(), 'inputShape': list(x.shape), 'output': y.flatten().tolist(), 'outputShape': list(y.shape)}, f)


def main(out):
    torch.manual_seed(0)
    export(Mlp(), 'mlp', [1, 8, 8], out, 13)
    torch.manual_seed(1)
    export(Activations(), 'activations', [12], out, 13, dynamic=False)
    torch.manual_seed(2)
    cnn = Cnn()
    settle_batch_norm(cnn, [1, 15, 15])
    export(cnn, 'cnn', [1, 15, 15], out, 13, preserve=True)
    torch.manual_seed(3)
    res = Residual()
    settle_batch_norm(res, [3, 9, 9])
    export(res, 'residual', [3, 9, 9], out, 11)
    print('ok')


if __name__ == '__main__':
    main(sys.argv[1])
