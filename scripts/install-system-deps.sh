#!/usr/bin/env bash
# System packages the tests need, from Debian's archive (run as root, or through sudo):
# - Chromium: the HTML report's browser test drives it through playwright-core (which never downloads a browser);
# - Mesa's lavapipe (mesa-vulkan-drivers), a Vulkan driver that runs on the CPU, so the WebGPU tests run on Dawn
#   without a GPU. Dawn refuses bookworm's Mesa 22.3 lavapipe (it lacks shaderUniform*ArrayDynamicIndexing), so on
#   bookworm Mesa comes from bookworm-backports (25.x, accepted); newer releases have a recent enough Mesa.
# Installs only what is missing; safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
need_chromium=$(command -v chromium >/dev/null 2>&1 || echo yes)
need_mesa=$([ -n "$mesa" ] && dpkg --compare-versions "$mesa" ge 23 || echo yes)
[ -z "$need_chromium" ] && [ -z "$need_mesa" ] && exit 0

if [ -n "$need_mesa" ] && [ "$codename" = bookworm ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list
fi
apt-get update -qq
[ -n "$need_chromium" ] && apt-get install -y -qq chromium >/dev/null
if [ -n "$need_mesa" ]; then
  # Not fatal: without lavapipe the WebGPU tests are skipped (and counted as skipped), everything else runs.
  if [ "$codename" = bookworm ]; then target=(-t bookworm-backports); else target=(); fi
  if ! apt-get install -y -qq "${target[@]}" mesa-vulkan-drivers >/dev/null; then
    echo "warning: mesa-vulkan-drivers (lavapipe) did not install: the WebGPU tests will be skipped" >&2
  fi
fi
echo "system packages: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo none)"
