#!/bin/bash
# Pack bench/gpu-onnx.ts for a GPU machine without Node.js (as ../shared/tools/gpu-bundle.sh does for tfjs):
#   bash bench/gpu-onnx-pack.sh [OUT]     (OUT defaults to .gpu-ort; keep it git-ignored, name it in `carry`)
# OUT holds bench-onnx.mjs (the entry and its JS dependencies), node_modules/ with onnxruntime-node (JS and the
# linux-x64 binaries, xz), onnxruntime-common and webgpu (Dawn for Node, xz) — kept external so that bgfill's own
# dynamic imports of them resolve there too —, node.xz, the Vulkan loader and libglvnd debs, and run.sh.
# There: bash OUT/run.sh ARGS...
set -euo pipefail
out=${1:-.gpu-ort}
ort=$(readlink -f packages/trainer/node_modules/onnxruntime-node)
common=$(cd "$ort/.." && readlink -f onnxruntime-common)
wg=$(readlink -f packages/trainer/node_modules/webgpu)
esb=$(readlink -f node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)
rm -rf "$out"; mkdir -p "$out/debs" "$out/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" "$out/node_modules/webgpu/dist/linux-x64"
"$esb" bench/gpu-onnx.ts --bundle --platform=node --format=esm --ignore-annotations --log-level=warning \
  --external:onnxruntime-node --external:webgpu --outfile="$out/bench-onnx.mjs" \
  --banner:js="import {createRequire as __cr} from 'module'; const require = __cr(import.meta.url);"
cp -r "$ort/package.json" "$ort/dist" "$out/node_modules/onnxruntime-node/"
for f in "$ort"/bin/napi-v6/linux/x64/*; do xz -T2 -6 -c "$f" > "$out/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/$(basename "$f").xz"; done
mkdir -p "$out/node_modules/onnxruntime-common" && cp -r "$common/package.json" "$common/dist" "$out/node_modules/onnxruntime-common/"
cp "$wg/index.js" "$wg/package.json" "$out/node_modules/webgpu/"
xz -T2 -6 -c "$wg/dist/linux-x64/dawn.node" > "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
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
for f in $(find "$d/node_modules" -name '*.xz'); do xz -dc "$f" > "${f%.xz}"; done
for f in "$d"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
exec /tmp/gpu-node/node "$d/bench-onnx.mjs" "$@"
EOS
chmod +x "$out/run.sh"
du -sh "$out" | awk '{print "packed " $2 ": " $1}'
