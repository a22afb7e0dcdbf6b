#!/bin/bash
# Pack bench/gpu-onnx.ts for a GPU machine without Node.js (as ../shared/tools/gpu-bundle.sh does for tfjs):
#   bash bench/gpu-onnx-pack.sh [OUT]     (OUT defaults to .gpu-ort; keep it git-ignored, name it in `carry`)
# OUT holds dist/bench-onnx.mjs (the entry and its JS dependencies, onnxruntime-node's JS included), the linux-x64
# onnxruntime binaries (xz), node.xz, the Vulkan loader debs and run.sh. There: bash OUT/run.sh ARGS...
set -euo pipefail
out=${1:-.gpu-ort}
ort=$(readlink -f node_modules/onnxruntime-node)
esb=$(readlink -f node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)
rm -rf "$out"; mkdir -p "$out/dist" "$out/bin/napi-v6/linux/x64" "$out/debs"
# onnxruntime-node loads ../bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node relative to its dist/ folder:
# the bundle sits in dist/ and the binaries in bin/, so that path holds.
"$esb" bench/gpu-onnx.ts --bundle --platform=node --format=esm --ignore-annotations --log-level=warning \
  --external:'*.node' --outfile="$out/dist/bench-onnx.mjs" \
  --banner:js="import {createRequire as __cr} from 'module'; const require = __cr(import.meta.url);"
for f in "$ort"/bin/napi-v6/linux/x64/*; do xz -T2 -6 -c "$f" > "$out/bin/napi-v6/linux/x64/$(basename "$f").xz"; done
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
lists=$(mktemp -d); mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
apt-get $o update -qq >/dev/null 2>&1
(cd "$out/debs" && apt-get $o download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 >/dev/null 2>&1)
cat > "$out/run.sh" <<'EOS'
#!/bin/bash
set -e
d=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/gpu-node && xz -dc "$d/node.xz" > /tmp/gpu-node/node && chmod +x /tmp/gpu-node/node
for f in "$d"/bin/napi-v6/linux/x64/*.xz; do xz -dc "$f" > "${f%.xz}"; done
for f in "$d"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
exec /tmp/gpu-node/node "$d/dist/bench-onnx.mjs" "$@"
EOS
chmod +x "$out/run.sh"
du -sh "$out" | awk '{print "packed " $2 ": " $1}'
