#!/usr/bin/env bash
# Install the Debian/Ubuntu packages veyedesk needs, only those that are missing.
# Runs apt-get directly as root, through sudo otherwise. Safe to run again and again.
set -euo pipefail

# desktop-file-utils and appstream: the tests validate the desktop entry and AppStream file.
# rclone: the rclone publish target (tests publish to a local folder and `rclone serve`).
packages=(
  ffmpeg libmpv2 xvfb xauth libgl1-mesa-dri libegl1 libfontconfig1 fonts-dejavu-core
  desktop-file-utils appstream rclone
  libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1 libxcb-shape0 libxcb-randr0
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
# Some Debian releases ship libmpv1 instead of libmpv2: either will do.
if [[ " ${missing[*]} " == *" libmpv2 "* ]] && dpkg-query -W -f='${db:Status-Status}' libmpv1 2>/dev/null | grep -qx installed; then
  missing=("${missing[@]/libmpv2}")
fi
# PostgreSQL server binaries for the throwaway test server (Debian keeps them off PATH).
if ! command -v pg_ctl >/dev/null && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  missing+=(postgresql)
fi
# A Debian system python needs python3-venv to make .venv.
if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
  missing+=(python3-venv)
fi

read -r -a missing <<< "${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null; then
  apt=(sudo apt-get)
else
  echo "Missing system packages (${missing[*]}) and neither root nor sudo: install them and re-run." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
