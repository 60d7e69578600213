#!/usr/bin/python3
"""The PyTorch side of `leuko bench vs-pytorch`: the same networks as models/*.cpp,
trained the same way as bench/train_step.cpp (random inputs, cross-entropy or MSE, Adam),
timed the same way (median step after two warm-up steps), and the same JSON fields.

    bench_pytorch.py MODEL --batch N --steps S --threads T [--json PATH]
"""
import argparse
import json
import resource
import time

import torch
from torch import nn


def conv_bn_relu(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2, 2)) if pool else nn.Sequential(*layers)


class WbcNet(nn.Module):  # models/wbc_net.cpp
    def __init__(self, classes=5):
        super().__init__()
        self.conv1, self.conv2 = conv_bn_relu(3, 64, True), conv_bn_relu(64, 64, True)
        self.res1, self.res2 = conv_bn_relu(64, 64, False), conv_bn_relu(64, 64, False)
        self.conv3, self.conv4 = conv_bn_relu(64, 32, True), conv_bn_relu(32, 16, True)
        self.res3, self.res4 = conv_bn_relu(16, 16, False), conv_bn_relu(16, 16, False)
        self.head_conv = nn.Conv2d(16, 8, 3, 1, 1)
        self.fc1, self.fc2, self.fc3 = nn.Linear(512, 64), nn.Linear(64, 8), nn.Linear(8, classes)

    def forward(self, x):
        a = self.conv2(self.conv1(x))
        b = self.res1(a) + a
        c = a + self.res2(b) + b
        d = self.conv4(self.conv3(c))
        e = self.res3(d) + d
        f = d + self.res4(e) + e
        h = torch.flatten(torch.max_pool2d(torch.relu(self.head_conv(f)), 2, 2), 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(h)))))


class Autoencoder(nn.Module):  # models/prcc_autoencoder.cpp
    def __init__(self):
        super().__init__()
        self.enc1, self.enc2, self.enc3 = nn.Conv2d(3, 32, 3, 1, 1), nn.Conv2d(32, 64, 3, 1, 1), nn.Conv2d(64, 128, 3, 1, 1)
        self.dec3, self.dec2, self.dec1 = nn.ConvTranspose2d(128, 64, 2, 2), nn.ConvTranspose2d(64, 32, 2, 2), nn.ConvTranspose2d(32, 3, 2, 2)

    def forward(self, x):
        for conv in (self.enc1, self.enc2, self.enc3):
            x = torch.relu(torch.max_pool2d(conv(x), 2, 2))  # pool first, as leuko's model does
        x = torch.relu(self.dec2(torch.relu(self.dec3(x))))
        return torch.sigmoid(self.dec1(x))


class KandelCnn(nn.Module):  # models/kandel_cnn.cpp (dropout 0, as the leuko benchmark builds it)
    def __init__(self, classes=4):
        super().__init__()
        channels, pools = [3, 32, 64, 128, 256, 512], [2, 3, 3, 3, 2]
        blocks = []
        for cin, cout, pool in zip(channels, channels[1:], pools):
            blocks += [nn.Conv2d(cin, cout, 3, 1, 1), nn.Conv2d(cout, cout, 3, 1, 1), nn.Conv2d(cout, cout, 3, 1, 1),
                       nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.MaxPool2d(pool, pool), nn.ELU()]
        self.blocks = nn.Sequential(*blocks)
        self.fc1, self.fc2, self.out = nn.Linear(2048, 512), nn.Linear(512, 512), nn.Linear(512, classes)

    def forward(self, x):
        h = torch.flatten(self.blocks(x * (1.0 / 255.0)).permute(0, 2, 3, 1), 1)
        return self.out(nn.functional.elu(self.fc2(nn.functional.elu(self.fc1(h)))))


def make(model):
    if model == "wbc_net":
        return WbcNet(), (3, 256, 256), 5, 16
    if model == "prcc_autoencoder":
        return Autoencoder(), (3, 512, 512), 0, 8
    if model == "resnet18":
        import torchvision
        return torchvision.models.resnet18(num_classes=1000), (3, 224, 224), 1000, 32
    if model == "kandel_cnn":
        return KandelCnn(), (3, 320, 240), 4, 32
    raise SystemExit(f"unknown model '{model}'")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net, image, classes, batch = make(args.model)
    batch = args.batch or batch
    images = torch.rand(batch, *image)
    labels = torch.arange(batch) % max(classes, 1)
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)

    def step():
        output = net(images)
        loss = nn.functional.cross_entropy(output, labels) if classes else nn.functional.mse_loss(output, images)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    for _ in range(2):
        step()
    times = []
    cpu_start = time.process_time()
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[len(times) // 2]
    cpu_seconds = (time.process_time() - cpu_start) / args.steps
    result = {"framework": "pytorch " + torch.__version__, "model": args.model, "batch": batch,
              "input": list(image), "threads": torch.get_num_threads(), "step_s": seconds,
              "images_per_s": batch / seconds, "cpu_s_per_image": cpu_seconds / batch,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
