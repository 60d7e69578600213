#!/usr/bin/env bash
# Writes the fuzzers' seed corpora into fuzz-corpus/<target>/ (ignored by git; nothing here
# is committed): files of the kinds each reader meets, made by leuko itself on generated
# cells (a one-epoch tiny_cnn run) and by small Python writers.
#   scripts/make_fuzz_corpus.sh [LEUKO_BINARY]   (default build/leuko: scripts/build.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
leuko=${1:-build/leuko}
corpus=fuzz-corpus
rm -rf "$corpus"
mkdir -p "$corpus"/{safetensors,image,run_config,cli}
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT

# A real run folder: checkpoint, config.json and the generated PNG cells (and masks).
env -u LEUKO_DATA "$leuko" train --model tiny_cnn --epochs 1 --size 32 --batch 4 \
  --synthetic-per-class 2 --workers 1 --out "$run/tiny" >/dev/null
cp "$run/tiny/checkpoint.safetensors" "$corpus/safetensors/checkpoint.safetensors"
cp "$run/tiny/config.json" "$corpus/run_config/tiny_cnn.json"
find "$run/tiny/synthetic-data" -name '*.png' | sort | head -n 6 |
  while read -r png; do cp "$png" "$corpus/image/$(echo "${png#"$run"/}" | tr / _)"; done

python3 - "$corpus" "$run/tiny" <<'PY'
import json, os, struct, sys, zlib
corpus, run = sys.argv[1], sys.argv[2]

def safetensors(path, tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes)."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)

st = os.path.join(corpus, "safetensors")
safetensors(os.path.join(st, "weights.safetensors"),
            {"conv1.weight": ("F32", [2, 1, 1, 2], struct.pack("<4f", 1, -2, 0.5, 3)),
             "bn.num_batches_tracked": ("I64", [], struct.pack("<q", 7)),
             "pool.indices": ("I32", [3], struct.pack("<3i", 0, 1, 2))},
            {"format": "pt"})
safetensors(os.path.join(st, "tiny_checkpoint.safetensors"),
            {"model.fc.weight": ("F32", [1, 2], struct.pack("<2f", 1, 2)),
             "optimizer.step": ("I64", [1], struct.pack("<q", 1)),
             "schedule.last": ("I64", [], struct.pack("<q", 3))},
            {"format": "leuko-checkpoint", "version": "1", "epoch": "1",
             "generator.default": "1 2 3", "info.model": "tiny_cnn", "info.history": "[]"})
safetensors(os.path.join(st, "empty.safetensors"), {})

# The run's history and settings as the checkpoint keeps them, and configs naming every model.
with open(os.path.join(run, "checkpoint.safetensors"), "rb") as f:
    (size,) = struct.unpack("<Q", f.read(8))
    metadata = json.loads(f.read(size))["__metadata__"]
cfg = os.path.join(corpus, "run_config")
with open(os.path.join(cfg, "history.json"), "w") as f:
    f.write(metadata["info.history"])
config = json.loads(metadata["info.config"])
for model in ["wbc_net", "prcc_autoencoder", "cam16_classifier", "kandel_cnn", "study_b_autoencoder"]:
    variant = dict(config, model=model, side=32, decoder_width=8, target="masks", crop=16)
    with open(os.path.join(cfg, model + ".json"), "w") as f:
        json.dump(variant, f)

img = os.path.join(corpus, "image")
def bmp(path, width, height, bits):  # uncompressed, bottom-up rows padded to 4 bytes
    row = (width * bits + 31) // 32 * 4
    pixels = bytes((x * 37 + y * 11) % 256 for y in range(height) for x in range(row))
    palette = b"".join(struct.pack("<4B", i, i, i, 0) for i in range(256)) if bits == 8 else b""
    offset = 14 + 40 + len(palette)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset))
        f.write(struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, len(pixels), 0, 0, 0, 0))
        f.write(palette + pixels)
bmp(os.path.join(img, "rgb.bmp"), 5, 3, 24)
bmp(os.path.join(img, "grey.bmp"), 4, 4, 8)
def png(path, width, height, colour_type, channels):
    raw = b"".join(b"\0" + bytes((x + y * 3) % 256 for x in range(width * channels)) for y in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png(os.path.join(img, "grey.png"), 3, 2, 0, 1)
png(os.path.join(img, "rgba.png"), 2, 2, 6, 4)
def jpeg(path, components):
    """A baseline 8x8 JPEG, one flat block per component: every coefficient zero, coded with
    one-code Huffman tables (DC: category 0; AC: end of block), so each block is 2 bits."""
    def segment(marker, body):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body
    ids = range(1, components + 1)
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
    bits = "00" * components
    scan = int(bits + "1" * (-len(bits) % 8), 2).to_bytes((len(bits) + 7) // 8, "big")
    with open(path, "wb") as f:
        f.write(b"\xff\xd8" + segment(0xDB, b"\x00" + bytes([1] * 64))
                + segment(0xC0, struct.pack(">BHHB", 8, 8, 8, components) + b"".join(bytes([c, 0x11, 0]) for c in ids))
                + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
                + segment(0xDA, bytes([components]) + b"".join(bytes([c, 0x00]) for c in ids) + b"\x00\x3f\x00")
                + scan + b"\xff\xd9")
jpeg(os.path.join(img, "grey.jpg"), 1)
jpeg(os.path.join(img, "colour.jpg"), 3)
PY

# Argument vectors, one argument per line, for every command (paths that exist here).
i=0
while IFS= read -r line; do
  printf '%s' "$line" | tr ' ' '\n' >"$corpus/cli/args_$i"
  i=$((i + 1))
done <<'ARGS'
info
demo --steps 3 --batch 4 --size 32
train --model tiny_cnn --epochs 3 --size 32 --out runs/try
train --model wbc_net --optimizer sgd --lr 0.01 --momentum 0.9 --schedule step --step-size 2 --gamma 0.5 --clip-norm 1 --workers 2
train --model prcc_autoencoder --loss ssim --target masks --select best-val-loss --normalize imagenet --freeze conv1 --freeze-mode full
eval --checkpoint README.md --data tests --split test --device cuda-emu
predict --checkpoint README.md --batch 2 README.md tests
reproduce study-a --profile quick --workers 2
summary --model resnet18 --size 224x224
profile --model wbc_net --device cpu --batch 2 --json out.json
bench ops --only conv2d --layers wbc. --batch 2 --json ops.json
bench train --model wbc_net --model resnet18 --device cuda-emu --steps 2
bench vs-pytorch --model kandel_cnn --python python3
bench data --data tests --images 4 --steps 1
subsets --help
train --help
ARGS
echo "make_fuzz_corpus: $(find "$corpus" -type f | wc -l) seed files in $corpus/ ($(ls "$corpus" | tr '\n' ' '))"
